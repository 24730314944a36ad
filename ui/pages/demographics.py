"""Demographics and trend: who goes missing (sex, ethnic group, age band: distinct children),
where from (locality: episodes), and how the months compare by category."""

import streamlit as st

import config
from charts.bars import band_chart
from charts.lines import trend_chart
from charts.titles import band_message, source_line, subtitle_text
from metrics.bands import locality_bands
from metrics.demographics import age_bands, ethnic_group_bands, sex_bands
from metrics.trend import trend
from ui import display, sidebar

authority = config.settings().authority.name

PERCENT = st.column_config.NumberColumn("Percent", format="%.1f%%")
# (kind, band function, heading, measure, title template, counted)
BREAKDOWNS = (
    ("sex", sex_bands, "Sex", "Children by sex", "{percent} of children were {band}", "Children"),
    (
        "ethnic_group",
        ethnic_group_bands,
        "Ethnic group",
        "Children by ethnic group",
        "{band}: {percent} of children",
        "Children",
    ),
    (
        "age_band",
        age_bands,
        "Age",
        "Children by age at their first episode in the period",
        "{percent} of children were aged {band}",
        "Children",
    ),
    (
        "locality",
        locality_bands,
        "Locality",
        "Episodes by the locality of the address missing from",
        "{band}: {percent} of episodes",
        "Episodes",
    ),
)

st.title("Demographics and trend")
view = sidebar.page_view()
period = view.period.label()
stem = f"{view.period.start:%Y-%m-%d} to {view.period.end:%Y-%m-%d}"
st.caption(f"Episodes reported {period}" + (", with the sidebar filters." if view.filters else "."))
display.stop_when_empty(view.current, view.period.label())

for kind, bands, heading, measure, template, counted in BREAKDOWNS:
    st.subheader(heading)
    display.show_chart(
        lambda table, measure=measure, template=template: band_chart(
            table,
            title=band_message(table, template, measure),
            subtitle=subtitle_text(measure, period, authority, view.filters),
            source=source_line(period, authority),
        ),
        bands(view.current),
        name=f"{measure} {stem}",
        kind=kind,
        column_config={"band": heading, "count": st.column_config.NumberColumn(counted), "percent": PERCENT},
    )

st.subheader("Month by month, by category")
display.show_chart(
    lambda table: trend_chart(
        table,
        title="Episodes each month, by category",
        subtitle=subtitle_text("Episodes reported each month", period, authority, view.filters),
        source=source_line(period, authority),
        notes="Missing and absent are police categories; away is a looked-after child away without permission.",
    ),
    trend(view.current),
    name=f"Episodes by month and category {stem}",
    kind="trend",
    column_config={"month": "Month", "category": "Category", "episodes": "Episodes", "children": "Children"},
)
