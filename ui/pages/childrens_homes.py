"""Children's homes and other placements: which establishments children go missing from most,
how many children that is, how often each, and the trend for the busiest."""

import streamlit as st

import config
from charts.bars import place_chart
from charts.lines import trend_panels
from charts.titles import source_line, subtitle_text
from metrics.establishments import establishment_labels, establishment_trend, with_episodes_per_child
from metrics.hotspots import hotspots
from metrics.trend import last_months
from ui import cached, display, sidebar

authority = config.settings().authority.name

TOP = 15
TREND_TOP = 5
RANKINGS = {
    "Episodes": ("episodes", "Episodes reported from each establishment"),
    "Children": ("children", "Distinct children with an episode from each establishment"),
    "Episodes per child": ("episodes_per_child", "Episodes per child from each establishment"),
}

st.title("Children's homes")
view = sidebar.page_view()
period = view.period.label()
stem = f"{view.period.start:%Y-%m-%d} to {view.period.end:%Y-%m-%d}"
st.caption(
    f"Episodes reported {period} with an establishment recorded"
    + (", with the sidebar filters." if view.filters else ".")
)
display.stop_when_empty(view.current, view.period.label())

labels = establishment_labels(view.episodes)
places = hotspots(view.current, by="establishment")
if places.empty:
    st.info("No episode in this period has an establishment recorded.")
    st.stop()
places.insert(1, "name", places["place"].map(labels).fillna(places["place"]))

from_homes = int(places["episodes"].sum())
numbers = display.tile_counts(
    {"episodes": len(view.current), "from_homes": from_homes, "elsewhere": len(view.current) - from_homes},
    [("episodes", ("from_homes", "elsewhere"))],
)
shown = st.columns(3)
shown[0].metric("Establishments", f"{len(places):,}", border=True, help="Establishments with an episode in the period.")
shown[1].metric(
    "Episodes from establishments",
    numbers["from_homes"],
    border=True,
    help=f"Of {numbers['episodes']} episodes in the period.",
)
shown[2].metric("Busiest", str(places["name"].iloc[0]), border=True, help="Most episodes in the period.")

ranking = st.radio("Rank by", list(RANKINGS), horizontal=True, key="homes_rank")
value, measure = RANKINGS[ranking]
display.show_chart(
    lambda table: place_chart(
        with_episodes_per_child(table),
        title=f"The {min(TOP, len(table))} establishments with the most {ranking.lower()}",
        subtitle=subtitle_text(measure, period, authority, view.filters),
        source=source_line(period, authority),
        notes="Episodes per child: episodes divided by children, one decimal place.",
        value=value,
        top=TOP,
        label_column="name",
    ),
    places,
    name=f"Establishments {stem}",
    kind="hotspots_establishment",
    column_config={
        "place": "Establishment id",
        "name": "Establishment",
        "episodes": st.column_config.NumberColumn("Episodes"),
        "children": st.column_config.NumberColumn("Children"),
    },
)

st.subheader(f"Month by month: the {min(TREND_TOP, len(places))} busiest")
first, last = last_months(view.period.end)
year_label = f"{first:%b %Y} to {last:%b %Y}"
busiest = list(places["place"].head(TREND_TOP))
monthly = establishment_trend(cached.selected(view.episodes, first, last, view.filters), busiest)
monthly.insert(2, "name", monthly["place"].map(labels).fillna(monthly["place"]))
display.show_chart(
    lambda table: trend_panels(
        table,
        title="Episodes each month from the busiest establishments",
        subtitle=subtitle_text("Episodes by month reported", year_label, authority, view.filters),
        source=source_line(year_label, authority),
        notes=f"The {len(busiest)} establishments with most episodes {period}.",
        series="name",
    ),
    monthly,
    name=f"Busiest establishments by month {first:%Y-%m} to {last:%Y-%m}",
    column_config={"month": "Month", "place": "Establishment id", "name": "Establishment"},
)
