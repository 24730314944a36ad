"""Repeat runaways: how often children went missing in the period, the persistent runaways, and
missing against absent episodes for each child (the Children's Society's "failure to correlate
missing and absent for individuals", seed 001), shown as counts of children only."""

import streamlit as st

import config
from charts.bars import band_chart
from charts.grids import count_grid_chart
from charts.titles import band_message, source_line, subtitle_text
from metrics.bands import PERSISTENT_FROM, persistent_children, repeat_bands
from metrics.per_child import COUNT_LABELS, missing_absent_grid, missing_absent_summary
from reports.suppression import HIDDEN_MARK
from ui import display, sidebar

authority = config.settings().authority.name

st.title("Repeat runaways")
view = sidebar.page_view()
period = view.period.label()
st.caption(f"Children with an episode reported {period}" + (", with the sidebar filters." if view.filters else "."))
display.stop_when_empty(view.current, view.period.label())

children = int(view.current["child_id"].nunique())
persistent = len(persistent_children(view.current))
summary = missing_absent_summary(view.current)
numbers = display.tile_counts({"children": children, "persistent": persistent, "both": int(summary["both"])})
exact = numbers["children"] == f"{children:,}" and numbers["persistent"] == f"{persistent:,}"
share = f"{100 * persistent / children:.1f}%" if exact else HIDDEN_MARK  # a share of a hidden count gives it away
shown = st.columns(4)
shown[0].metric("Children", numbers["children"], border=True, help="Distinct children with an episode in the period.")
shown[1].metric(
    "Persistent runaways",
    numbers["persistent"],
    border=True,
    help=f"Children with {PERSISTENT_FROM} or more episodes in the period.",
)
shown[2].metric(
    "Share persistent",
    share,
    border=True,
    help="Persistent runaways as a share of children with an episode.",
)
shown[3].metric(
    "Both missing and absent",
    numbers["both"],
    border=True,
    help="Children with at least one missing and at least one absent episode in the period: "
    "neither police list alone shows how often they went.",
)

st.subheader("How often children went missing")
display.show_chart(
    lambda table: band_chart(
        table,
        title=band_message(table, "{percent} of children had {band} episodes", "Children by number of episodes"),
        subtitle=subtitle_text("Children by number of episodes in the period", period, authority, view.filters),
        source=source_line(period, authority),
        notes=f"Persistent runaway: {PERSISTENT_FROM} or more episodes in the period.",
    ),
    repeat_bands(view.current),
    name=f"Children by number of episodes {view.period.start:%Y-%m-%d} to {view.period.end:%Y-%m-%d}",
    kind="repeat",
    column_config={
        "band": "Episodes",
        "count": st.column_config.NumberColumn("Children"),
        "percent": st.column_config.NumberColumn("Percent", format="%.1f%%"),
    },
)

st.subheader("Missing against absent, child by child")
st.caption(
    "Police record missing and absent episodes in separate lists. Each cell counts the children with that "
    "many missing (across) and absent (up) episodes in the period: a child far from the bottom left went "
    "often, whichever list they are on. Children with only away episodes are not counted."
)
grid = missing_absent_grid(view.current)
display.show_chart(
    lambda table: count_grid_chart(
        table,
        title=f"{summary['both']:,} of {sum(summary.values()):,} children were recorded both missing and absent",
        subtitle=subtitle_text("Children by missing and by absent episodes", period, authority, view.filters),
        source=source_line(period, authority),
        notes="10+ counts 10 or more episodes.",
        order=COUNT_LABELS,
    ),
    grid,
    name=f"Children by missing and absent episodes {view.period.start:%Y-%m-%d} to {view.period.end:%Y-%m-%d}",
    column_config={
        "missing": "Missing episodes",
        "absent": "Absent episodes",
        "children": st.column_config.NumberColumn("Children"),
    },
    table_open=True,
)
