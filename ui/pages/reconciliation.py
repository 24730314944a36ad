"""Reconciliation (analysts and admins): where police and council (SSDA903) records of the same
children disagree, for the data officer to check and resolve (domain.md section 11).

"A failure to correlate missing and absent for individuals" (seed 001): each
item shows both sources' own values side by side; resolving one needs a
note and is written to the audit log; resolved items are listed apart and
no longer counted.
"""

import pandas as pd
import streamlit as st

from charts.lines import trend_panels
from loaders.reconciliation import resolve
from metrics.reconciliation import KIND_WORDING, KINDS, items_by_kind_and_month
from ui import auth, cached, data, display, links, paged, sidebar

user = auth.require_child_level()

view = sidebar.page_view()
period = {"from": view.period.start.isoformat(), "to": view.period.end.isoformat()}
auth.audit("view", "reconciliation", period)
engine = data.current_engine()

st.title("Reconciliation: do police and council records agree?")
st.caption(
    f"Care episodes of children in an SSDA903 return, as each source recorded them, starting "
    f"{view.period.label()} (the sidebar's filters do not apply: every record is compared). An item is an "
    "episode known to one source only (no episode of the child starting within a day in the other), a category "
    "disagreement (police absent, council missing; police missing, council away), or return times more than 12 "
    "hours apart (return dates more than a day apart where either has no time). Police never record away, so a "
    "council away episode without a police record is not an item."
)
items = cached.reconciliation_items(view.period.start, view.period.end)
resolved = items[items["resolved_by"].notna()]
open_items = items[items["resolved_by"].isna()]
counts = items_by_kind_and_month(open_items)

tiles = st.columns(len(KINDS))
for column, kind in zip(tiles, KINDS, strict=True):
    wording = KIND_WORDING[kind]
    column.metric(wording[0].upper() + wording[1:], f"{int((open_items['kind'] == kind).sum()):,}", border=True)

if items.empty:
    st.success(
        "No disagreements in this period. (Only files imported since reconciliation began are compared: "
        "import the police exports and the SSDA903 return again to compare earlier ones.)",
        icon=":material/check_circle:",
    )
    st.stop()

if not counts.empty:
    by_kind = counts.assign(kind=counts["kind"].map(KIND_WORDING))
    display.show_chart(
        lambda table: trend_panels(
            table,
            title="Open reconciliation items by month",
            subtitle=f"Items by kind and month of the earlier start, {view.period.label()}",
            source="Source: police missing-person exports and the SSDA903 return, as imported",
            notes="Resolved items are not counted.",
            series="kind",
            value="items",
            y_title="Items",
        ),
        by_kind,
        name="Reconciliation items by kind and month",
        column_config={"kind": "Kind", "month": "Month", "items": "Open items"},
    )

SIDE_BY_SIDE = {
    "child_id": links.child_column(),
    "kind": "Kind",
    "month": "Month",
    "police_episode": "Police episode",
    "council_episode": "Council episode",
    "police_category": "Police category",
    "council_category": "Council category",
    "police_reported_at": st.column_config.DatetimeColumn("Police reported", format="D MMM YYYY HH:mm"),
    "council_reported_at": st.column_config.DatetimeColumn("Council start", format="D MMM YYYY"),
    "police_returned_at": st.column_config.DatetimeColumn("Police returned", format="D MMM YYYY HH:mm"),
    "council_returned_at": st.column_config.DatetimeColumn("Council end", format="D MMM YYYY"),
}


def show_items(items: pd.DataFrame, name: str, extra: dict | None = None) -> pd.DataFrame:
    """The items side by side (kind in words, the child linked to their timeline), a page of rows at a time
    when there are many (`ui.paged`: a table of tens of thousands of rows took seconds at a million
    episodes), the download with every row; returns the items on screen."""
    config = {**SIDE_BY_SIDE, **(extra or {})}
    table = items.assign(kind=items["kind"].map(KIND_WORDING))[list(config)]
    on_screen = paged.show_paged_table(table, name=name, column_config=config, link_columns=["child_id"])
    return items.loc[on_screen]


st.subheader(f"Open items ({len(open_items):,})")
if open_items.empty:
    st.success("Every item in this period is resolved.", icon=":material/check_circle:")
else:
    offered = show_items(open_items, "Open reconciliation items")

    with st.form("resolve", clear_on_submit=True):
        st.markdown("**Mark an item resolved**")
        labels = {
            key: f"{KIND_WORDING[kind]}: {child}, police {p or '-'}, council {c or '-'}"
            for key, kind, child, p, c in offered[
                ["item_key", "kind", "child_id", "police_episode", "council_episode"]
            ].itertuples(index=False)
        }
        key = st.selectbox("Item", list(labels), format_func=labels.get)
        note = st.text_area("Note (what was found, and what was corrected where)", max_chars=2000)
        if st.form_submit_button("Resolve", type="primary"):
            if not note.strip():
                st.error("Say what was found in the note before resolving the item.")
            else:
                resolve(engine, key, user.name, note)
                auth.audit("resolve", f"reconciliation {key}", {**period, "note": note.strip()})
                st.session_state["reconciliation_resolved"] = labels[key]
                st.rerun()
if done := st.session_state.pop("reconciliation_resolved", None):
    st.success(f"Resolved: {done}")

if not resolved.empty:
    st.subheader(f"Resolved ({len(resolved):,})")
    show_items(
        resolved,
        "Resolved reconciliation items",
        {
            "resolved_by": "Resolved by",
            "resolved_at": st.column_config.DatetimeColumn("Resolved", format="D MMM YYYY HH:mm"),
            "note": "Note",
        },
    )
