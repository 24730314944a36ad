"""Alerts (analysts only): the children, episodes and places that met a trigger of domain.md section 5.

Open episodes and strategy meeting deadlines are judged as at now by
default: the Operational Group acts on what is outstanding today, and an
episode reported on the last day of the period that is still open, or
whose meeting is now late, would be missed if judged at the period's end.
"As at the end of the period" is there for looking back at a past month.
"""

from collections.abc import Callable
from datetime import datetime

import pandas as pd
import streamlit as st

import config
from metrics.triggers import TRIGGERS, date_only_alert_episodes, trigger_words
from reports.notes import date_only_note
from ui import auth, cached, data, links, paged, sidebar

AS_AT = {"now": "now", "period_end": "the end of the period"}
AS_AT_PARAM = "as_at"

auth.require_child_level()

view = sidebar.page_view()
thresholds = config.settings().triggers
WORDS = trigger_words(thresholds)
ORDER = ("strategy_meeting_overdue",) + tuple(t for t in TRIGGERS if t != "strategy_meeting_overdue")

st.title("Alerts")
requested = st.query_params.get(AS_AT_PARAM)
as_at = st.radio(
    "Judge open episodes and strategy meeting deadlines as at",
    list(AS_AT),
    index=list(AS_AT).index(requested) if requested in AS_AT else 0,
    format_func=AS_AT.get,
    horizontal=True,
    help="Now: what is outstanding today. The end of the period: what was outstanding then.",
)
if as_at == "now":
    st.query_params.pop(AS_AT_PARAM, None)
    as_of = datetime.now().replace(second=0, microsecond=0)
else:
    st.query_params[AS_AT_PARAM] = as_at
    as_of = view.period.end
auth.audit("view", "alerts", {**view.filters_for_audit(), AS_AT_PARAM: as_at})

alerts, behind = cached.alerts(view, thresholds, as_of)  # shared by every session
as_of_text = f"{as_of:%-d %b %Y %H:%M}" if as_at == "now" else f"the end of {as_of:%-d %b %Y}"
st.caption(
    f"Episodes reported {view.period.label()}"
    + (f", filters: {', '.join(view.filters)}" if view.filters else "")
    + f"; open episodes and deadlines judged as at {as_of_text}. Children are shown by pseudonymous id only."
)
st.caption(date_only_note(*date_only_alert_episodes(view.current), publication=False))  # analysts only

counts = alerts["trigger"].value_counts()
for column, trigger in zip(st.columns(len(ORDER)), ORDER, strict=True):
    column.metric(
        WORDS[trigger].short,
        f"{int(counts.get(trigger, 0)):,}",
        help=WORDS[trigger].label + ". " + WORDS[trigger].definition,
        border=True,
    )

overdue = alerts[alerts["trigger"] == "strategy_meeting_overdue"]
if len(overdue):
    listed = [
        f"{row.subject} ({', '.join(row.children)}), overdue since {row.first_met:%-d %b %Y}"
        for row in overdue.head(12).itertuples()
    ]
    more = f"; and {len(overdue) - 12:,} more in the table below" if len(overdue) > 12 else ""
    st.error(
        f"**Strategy meeting overdue: {len(overdue):,} episode{'s' if len(overdue) != 1 else ''}.** "
        + "; ".join(listed)
        + more
        + ".",
        icon=":material/warning:",
    )
else:
    st.success("No strategy meeting is overdue for the episodes in this period.", icon=":material/check_circle:")


LINK_VIEW = links.link_view()  # read here: a download is made when clicked, outside the page run
CHILD_COLUMN = links.child_column()
NAMES = data.establishments()  # a home by its name (and id); an address as it is


def alert_table(trigger: str, rows: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """What one trigger's table shows: the child as a timeline link where the alert is about one child."""
    single = rows["children"].map(lambda ids: ids[0] if len(ids) == 1 else None)
    table = pd.DataFrame({"child": links.timeline_links(single, LINK_VIEW).to_numpy()})
    config_ = {"child": CHILD_COLUMN}
    subject = WORDS[trigger].subject
    if subject:
        table["subject"] = [f"{NAMES[s]} ({s})" if NAMES.get(s) else s for s in rows["subject"]]
        config_["subject"] = subject
    if subject == "Place":
        table = table.drop(columns="child")
        config_.pop("child")
        table["children"] = rows["children"].to_numpy()
        config_["children"] = st.column_config.ListColumn("Children")
    table["first_met"] = pd.to_datetime(rows["first_met"]).to_numpy()
    config_["first_met"] = st.column_config.DateColumn(
        "Overdue since" if trigger == "strategy_meeting_overdue" else "First met", format="D MMM YYYY"
    )
    table["episode_ids"] = rows["episode_ids"].to_numpy()
    config_["episode_ids"] = st.column_config.ListColumn("Episodes behind it")
    return table, config_


def episodes_table(episodes: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The episodes behind a trigger's alerts, each child a timeline link."""
    return episodes.assign(child_id=links.timeline_links(episodes["child_id"], LINK_VIEW).to_numpy()), EPISODE_COLUMNS


def show_long_table(make: Callable[[pd.DataFrame], tuple[pd.DataFrame, dict]], rows: pd.DataFrame, name: str) -> None:
    """The table `make(rows)` gives, a page of rows at a time when long (`ui.paged`): made for the rows on
    screen only, and for every row when the download is clicked."""
    column_config = make(rows.head(0))[1]
    paged.show_paged_table(rows, name=name, column_config=column_config, make=lambda part: make(part)[0])


EPISODE_COLUMNS = {
    "child_id": CHILD_COLUMN,
    "subject": "Alert for",
    "episode_id": "Episode",
    "category": "Category",
    "reported_at": st.column_config.DatetimeColumn("Reported", format="D MMM YYYY HH:mm"),
    "returned_at": st.column_config.DatetimeColumn("Returned", format="D MMM YYYY HH:mm"),
    "missing_from_place": "Missing from",
    "police_risk": "Police risk",
    "strategy_meeting_at": st.column_config.DatetimeColumn("Strategy meeting", format="D MMM YYYY"),
}

for trigger in ORDER:
    label, definition = WORDS[trigger].label, WORDS[trigger].definition
    rows = alerts[alerts["trigger"] == trigger]
    st.subheader(f"{label}: {len(rows):,}")
    st.caption(definition)
    if rows.empty:
        st.write("None in this period.")
        continue
    show_long_table(lambda part, trigger=trigger: alert_table(trigger, part), rows, f"Alerts {label}")
    episodes = behind[behind["trigger"] == trigger].drop(columns="trigger")
    with st.expander(f"The {len(episodes):,} episodes behind these {len(rows):,} alerts"):
        show_long_table(episodes_table, episodes, f"Alert episodes {label}")
