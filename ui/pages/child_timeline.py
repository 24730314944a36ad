"""Child timeline (analysts only): every episode of one child, across all periods, on a time line.

The child comes from `?child=<id>` (a link from an alert or table), checked
against the children in the database, or is picked in a searchable list.
Only the pseudonymous id exists: no names are held anywhere.
"""

from datetime import datetime

import streamlit as st

import config
from charts.timeline import timeline_chart
from metrics.attention import AttentionSettings
from metrics.children import child_facts, child_timeline
from reports.briefing import briefing_file
from ui import auth, cached, display, links, sidebar

PICKED = "timeline_child"


def _picked_to_url() -> None:
    """Keep the URL on the child picked, so the address bar always reproduces the view."""
    child = st.session_state.get(PICKED)
    if child:
        st.query_params[links.CHILD_PARAM] = child
    else:
        st.query_params.pop(links.CHILD_PARAM, None)


user = auth.require_child_level()

view = sidebar.page_view()
st.title("Child timeline")
known, rows_of = cached.children(view.episodes)  # the ids, and each child's rows
requested = st.query_params.get(links.CHILD_PARAM)
if requested in rows_of and st.session_state.get(PICKED) != requested:
    st.session_state[PICKED] = requested  # arrived by a link (or back/forward in the browser)
elif requested is not None and requested not in rows_of:
    st.warning("No child has that id. Choose one from the list.")
    st.query_params.pop(links.CHILD_PARAM, None)
if st.session_state.get(PICKED) not in rows_of:
    st.session_state.pop(PICKED, None)

child = st.selectbox(
    "Child (pseudonymous id)",
    known,
    index=None,
    key=PICKED,
    placeholder="Type or choose a child id",
    on_change=_picked_to_url,
    help="Children are known here only by the pseudonymous id of the records.",
)
if child is None:
    auth.audit("view", "child_timeline (no child chosen)", view.filters_for_audit())
    st.info(f"Choose one of the {len(known):,} children to see their episodes.")
    st.stop()
st.query_params[links.CHILD_PARAM] = child
auth.audit("view", f"child_timeline {child}", view.filters_for_audit())

now = datetime.now().replace(second=0, microsecond=0)
period = (view.period.start, view.period.end)
mine = view.episodes.iloc[rows_of[child]]  # only this child's rows: the same facts and timeline
facts = child_facts(mine, child, period)
timeline = child_timeline(mine, child, as_of=now, period=period)

FACTS = (
    ("Episodes, all periods", f"{facts['episodes']:,}", "Every episode recorded for this child."),
    ("In the period", f"{facts['episodes_in_period']:,}", f"Episodes reported {view.period.label()}."),
    ("Sex", facts["sex"], None),
    ("Age band", facts["age_band"], "At the latest episode."),
    ("Ethnic group", f"{facts['ethnic_group']} ({facts['ethnicity']})", "Group and DfE code."),
    ("Missing from", facts["missing_from"], "Home or care, at the latest episode."),
    ("Placement", facts["placement_type"], "At the latest episode."),
    ("Establishment", facts["establishment"], "Children's home or placement at the latest episode."),
)
for row in (FACTS[:4], FACTS[4:]):
    for column, (label, value, help_text) in zip(st.columns(4), row, strict=True):
        column.metric(label, value, help=help_text, border=True)

open_count = int(timeline["still_open"].sum())
title = f"{child}: {facts['episodes']:,} episodes, {facts['episodes_in_period']:,} in the period" + (
    f", {open_count} still open" if open_count else ""
)
subtitle = (
    f"Circle: missing; square: absent; triangle: away. A line runs to the return (dashed: still open). "
    f"Shaded: {view.period.label()}. First episode {facts['first_reported']:%-d %b %Y}, "
    f"latest {facts['last_reported']:%-d %b %Y}."
)
COLUMNS = {
    "episode_id": "Episode",
    "category": "Category",
    "reported_at": st.column_config.DatetimeColumn("Reported", format="D MMM YYYY HH:mm"),
    "returned_at": st.column_config.DatetimeColumn("Returned", format="D MMM YYYY HH:mm"),
    "still_open": st.column_config.CheckboxColumn("Still open"),
    "shown_until": None,  # where the chart stops an open episode's line; not a fact
    "duration_hours": st.column_config.NumberColumn("Hours missing", format="%.1f"),
    "duration_band": "Time missing",
    "in_period": st.column_config.CheckboxColumn("In the period"),
    "missing_from": "Home or care",
    "placement_type": "Placement",
    "missing_from_place": "Missing from",
    "from_district": "From district",
    "found_district": "Found in district",
    "distance_miles": st.column_config.NumberColumn("Miles", format="%.1f"),
    "police_risk": "Police risk",
    "rag": "RAG",
    "cse_concern": st.column_config.CheckboxColumn("CSE concern"),
    "cce_concern": st.column_config.CheckboxColumn("CCE concern"),
    "safe_and_well_at": st.column_config.DatetimeColumn("Safe and well check", format="D MMM YYYY HH:mm"),
    "safe_and_well_within_24h": st.column_config.CheckboxColumn("Check within 24h"),
    "rhi_offered_at": st.column_config.DatetimeColumn("Interview offered", format="D MMM YYYY HH:mm"),
    "rhi_outcome": "Interview outcome",
    "rhi_completed_at": st.column_config.DatetimeColumn("Interview held", format="D MMM YYYY HH:mm"),
    "strategy_meeting_at": st.column_config.DatetimeColumn("Strategy meeting", format="D MMM YYYY HH:mm"),
}
st.header("Briefing")
st.caption(
    "The child's last 12 months to the end of the period on one page, for the Operational Group: "
    "alerts, escalation, associates, places found and interviews. Word or PDF; each download is audited."
)
settings = config.settings()
briefing = cached.briefing(view.episodes, child, view.period.end, AttentionSettings.from_settings(settings))
reasons = [f"{r.trigger.replace('_', ' ')} (first {r.first_met:%-d %b %Y})" for r in briefing.alerts.itertuples()]
worse = [f"{r.reason} (from {r.first_met:%-d %b %Y})" for r in briefing.escalation.itertuples()]
for line in (  # plain text: imported values are never read as markdown or HTML
    f"Alerts met: {'; '.join(reasons) or 'none'}",
    f"Getting worse: {'; '.join(worse) or 'no escalation reason'}",
    f"Associates: {', '.join(briefing.associates['associate']) or 'none known'}",
    f"Found most often in: {', '.join(briefing.found['place']) or 'no found postcode recorded'}",
):
    st.text(line)
word, pdf, _ = st.columns([1, 1, 3])
display.download_file(
    word,
    "Briefing (Word)",
    lambda: briefing_file(briefing, ".docx", user.name, settings.authority.name),
    name=f"Briefing {child}",
    what="Word",
    extension="docx",
    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
display.download_file(
    pdf,
    "Briefing (PDF)",
    lambda: briefing_file(briefing, ".pdf", user.name, settings.authority.name),
    name=f"Briefing {child}",
    what="PDF",
    extension="pdf",
    mime="application/pdf",
)

st.header("Every episode")
display.show_chart(
    lambda table: timeline_chart(table, period, title=title, subtitle=subtitle),
    timeline,
    name=f"Timeline {child}",
    column_config=COLUMNS,
    table_open=True,
)
