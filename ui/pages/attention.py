"""Who to discuss (analysts only): the Operational Group's list for the period, escalating children and
children whose associates went missing (domain.md section 12, with the alerts of section 5).

Escalation and associates are judged on each child's episodes up to the
period's end, so the page reads the whole history that passes the filters,
not only the period.
"""

import pandas as pd
import streamlit as st

import config
from metrics.attention import AttentionSettings
from metrics.escalation import REASON_WORDING
from metrics.periods import as_at
from ui import auth, cached, display, links, paged, sidebar

auth.require_child_level()

view = sidebar.page_view()
st.title("Who to discuss")
display.stop_when_empty(view.current, view.period.label())
auth.audit("view", "attention (who to discuss)", view.filters_for_audit())
settings = AttentionSettings.from_settings(config.settings())
as_of = as_at(view.period)
agenda, escalating, linked = cached.attention(view, settings, as_of)  # shared by every session

st.caption(
    f"Episodes reported {view.period.label()}"
    + (f", filters: {', '.join(view.filters)}" if view.filters else "")
    + ". Escalation and associates are judged on each child's episodes up to the end of the period. "
    "Children are shown by pseudonymous id only."
)
tiles = st.columns(4)
tiles[0].metric("Children to discuss", f"{len(agenda):,}", border=True)
tiles[1].metric(
    "Escalating",
    f"{escalating['subject'].nunique():,}",
    border=True,
    help="Going missing more often, for longer, found further away, or a first CSE/CCE concern.",
)
tiles[2].metric(
    "Associate went missing",
    f"{linked.listed['subject'].nunique():,}",
    border=True,
    help=f"Listed for {settings.listed_days} days after an associate goes missing.",
)
tiles[3].metric("Pairs of associates", f"{len(linked.pairs_of_children):,}", border=True)

st.header("The meeting list")
st.caption(
    "One row per child met in the period by a child or episode alert, an escalation reason or an associate "
    "going missing, most reasons first. Download it for the meeting's agenda (the download is audited)."
)
if agenda.empty:
    st.write("No child to discuss in this period.")
else:
    paged.show_paged_table(
        agenda[["child_id", "reasons", "first_met"]],
        name="Meeting list",
        link_columns=["child_id"],
        column_config={
            "child_id": links.child_column(),
            "reasons": st.column_config.TextColumn("Reasons", width="large"),
            "first_met": st.column_config.DateColumn("First met", format="D MMM YYYY"),
        },
    )

st.header("Escalating children")
st.caption(
    f"More often: the median gap between the last {settings.escalation.recent_episodes} starts is at most "
    f"{settings.escalation.gap_ratio:g} of the gap between the {settings.escalation.recent_episodes} before. "
    f"Longer: the last {settings.escalation.rising_episodes} episodes each lasted longer, the last over "
    f"{settings.escalation.longer_hours:g} hours. Further: found over {settings.escalation.further_miles:g} miles "
    f"away and over {settings.escalation.further_ratio:g} times the child's usual distance. A first CSE or CCE "
    "concern. First met: the first episode in the period at which it holds."
)
if escalating.empty:
    st.write("No child met an escalation reason in this period.")
else:
    for reason, rows in escalating.groupby("reason", sort=False):
        st.subheader(f"{REASON_WORDING[reason].capitalize()}: {len(rows):,}")
        table = pd.DataFrame(
            {
                "child_id": rows["subject"].to_numpy(),
                "first_met": pd.to_datetime(rows["first_met"]).to_numpy(),
                "episode_ids": rows["episode_ids"].to_numpy(),
            }
        )
        paged.show_paged_table(
            table,
            name=f"Escalating {reason}",
            link_columns=["child_id"],
            column_config={
                "child_id": links.child_column(),
                "first_met": st.column_config.DateColumn("First met", format="D MMM YYYY"),
                "episode_ids": st.column_config.ListColumn("Episodes behind it"),
            },
        )

st.header("Associate went missing")
st.caption(
    f"Associates went missing together (same place, within {settings.window_minutes} minutes) or were found at "
    f"one postcode within {settings.found_window_hours} hours. A child is listed for {settings.listed_days} days "
    "after an associate goes missing. One row per child and associate: the associate's episodes that list the "
    "child, the first and last reported, and the end of the last listing."
)
if linked.listed.empty:
    st.write("No associate went missing in this period.")
else:
    paged.show_paged_table(
        linked.listed,
        name="Associate went missing",
        link_columns=["subject", "associate"],
        column_config={
            "subject": links.child_column("Child"),
            "associate": links.child_column("Associate"),
            "episodes": st.column_config.NumberColumn(
                "Associate's episodes", help="The associate's episodes in the period that list the child."
            ),
            "first_reported": st.column_config.DatetimeColumn("First reported", format="D MMM YYYY HH:mm"),
            "last_reported": st.column_config.DatetimeColumn("Last reported", format="D MMM YYYY HH:mm"),
            "listed_until": st.column_config.DateColumn("Listed until", format="D MMM YYYY"),
        },
    )
