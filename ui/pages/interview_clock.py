"""The 72-hour clock (analysts only): returned children still waiting for a return interview.

Overdue first. A child placed out of area, or placed here by another
council, is marked: theirs are the interviews most often missed.
"""

import streamlit as st

from metrics.interview_clock import waiting_for_interview
from metrics.periods import as_at
from ui import auth, display, links, sidebar

auth.require_child_level()

view = sidebar.page_view()
st.title("72-hour clock")
display.stop_when_empty(view.current, view.period.label())
auth.audit("view", "interview_clock (72-hour clock)", view.filters_for_audit())
as_of = as_at(view.period)
waiting = waiting_for_interview(view.current, as_of)
overdue = waiting[waiting["status"] == "overdue"]
placed = waiting[waiting["placed_out_of_area"] | waiting["placed_by_other_council"]]

st.caption(
    f"Missing and absent episodes reported {view.period.label()} whose child has returned and has had no "
    f"interview (outcome blank or pending), as at {as_of:%-d %b %Y %H:%M}. The 72 hours run from the return; "
    "a return recorded without a time counts from the start of its day."
)
tiles = st.columns(3)
tiles[0].metric("Waiting", f"{len(waiting):,}", border=True)
tiles[1].metric("Over 72 hours", f"{len(overdue):,}", border=True)
tiles[2].metric("Placed out of area or by another council", f"{len(placed):,}", border=True)

if waiting.empty:
    st.success("No returned child is waiting for an interview.", icon=":material/check_circle:")
    st.stop()

placement = [
    "placed out of area" if out else (f"placed here by {by}" if host else "")
    for out, host, by in zip(
        waiting["placed_out_of_area"], waiting["placed_by_other_council"], waiting["placing_authority"], strict=True
    )
]
table = waiting.assign(
    child_id=links.child_links(waiting["child_id"]).to_numpy(),
    placement=placement,
)[
    [
        "child_id",
        "episode_id",
        "status",
        "hours_left",
        "returned_at",
        "category",
        "missing_from",
        "rhi_offered_at",
        "rhi_outcome",
        "placement",
    ]
]
display.show_table(
    table,
    name="Waiting for a return interview",
    column_config={
        "child_id": links.child_column(),
        "episode_id": "Episode",
        "status": "Status",
        "hours_left": st.column_config.NumberColumn(
            "Hours left", format="%.1f", help="Negative: hours past the 72-hour point."
        ),
        "returned_at": st.column_config.DatetimeColumn("Returned", format="D MMM YYYY HH:mm"),
        "category": "Category",
        "missing_from": "From",
        "rhi_offered_at": st.column_config.DatetimeColumn("Offered", format="D MMM YYYY HH:mm"),
        "rhi_outcome": "Outcome",
        "placement": "Placement",
    },
)
