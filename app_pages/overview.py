"""Overview: this period against the one before, for the monthly meeting's big screen."""

import pandas as pd
import streamlit as st

import app_state
from metrics.bands import duration_bands, repeat_bands
from metrics.filters import select_episodes
from metrics.return_interviews import return_interviews
from metrics.tables import headline_counts

# (label, headline key, help)
COUNTS = (
    ("Episodes", "episodes", "Episodes reported in the period."),
    ("Children", "children", "Distinct children with an episode in the period."),
    ("Persistent runaways", "persistent_runaways", "Children with 4 or more episodes in the period."),
    ("Open episodes", "open_episodes", "Episodes in the period with no return recorded yet."),
    ("Missing", "missing", "Police-recorded missing episodes."),
    ("Absent", "absent", "Police-recorded absent episodes."),
    ("Away", "away", "Looked-after children away from placement without authorisation."),
    ("From home", "home", "Episodes of children missing from home."),
    ("From care", "care", "Episodes of looked-after children."),
)
# (label, return_interviews measure, help)
RATES = (
    ("Interview offered", "offered", "Of returned missing and absent episodes, the share offered an interview."),
    ("Interview completed", "completed", "Of returned missing and absent episodes, the share with one completed."),
    (
        "Completed in 72 hours",
        "completed_within_72h",
        "Of returned missing and absent episodes, the share with one held within 72 hours of return.",
    ),
)


def rate(interviews: pd.DataFrame, measure: str) -> float | None:
    row = interviews[(interviews["group"] == "all") & (interviews["measure"] == measure)]
    value = row["percent"].iloc[0] if len(row) else None
    return None if value is None or pd.isna(value) else float(value)


st.title("Children missing from home and care")
period = app_state.selected_period()
if period is None:
    st.warning("Choose a From date on or before the To date in the sidebar.")
    st.stop()
previous = app_state.previous_period(period)
st.caption(f"{period.label()}, compared with {previous.label()}.")

episodes = app_state.episodes()
current = select_episodes(episodes, period.start, period.end)
before = select_episodes(episodes, previous.start, previous.end)

if current.empty:
    st.info(f"No episodes in this period ({period.label()}). Choose another period in the sidebar.")
    st.stop()

now_counts, before_counts = headline_counts(current), headline_counts(before)
for row_start in range(0, len(COUNTS), 5):
    for column, (label, key, help_text) in zip(st.columns(5), COUNTS[row_start : row_start + 5]):
        change = int(now_counts[key]) - int(before_counts[key])
        column.metric(
            label,
            f"{int(now_counts[key]):,}",
            delta=f"{change:+,} on previous period",
            delta_color="off",
            delta_arrow="auto" if change else "off",
            help=f"{help_text} Previous period: {int(before_counts[key]):,}.",
            border=True,
        )

st.subheader("Return interviews")
now_rates, before_rates = return_interviews(current), return_interviews(before)
for column, (label, measure, help_text) in zip(st.columns(5), RATES):
    value, earlier = rate(now_rates, measure), rate(before_rates, measure)
    delta = None if value is None or earlier is None else f"{value - earlier:+.1f} points"
    column.metric(
        label,
        "–" if value is None else f"{value:.1f}%",
        delta=delta,
        delta_arrow="off" if value == earlier else "auto",
        help=f"{help_text} Previous period: {'–' if earlier is None else f'{earlier:.1f}%'}.",
        border=True,
    )

band_format = {
    "count": st.column_config.NumberColumn("Count"),
    "percent": st.column_config.NumberColumn("Percent", format="%.1f%%"),
}
left, right = st.columns(2)
with left:
    st.subheader("How long episodes lasted")
    st.caption("Episodes in the period, by time from report to return.")
    st.dataframe(duration_bands(current), hide_index=True, column_config={"band": "Time missing", **band_format})
with right:
    st.subheader("How often children went missing")
    st.caption("Children, by their number of episodes in the period.")
    st.dataframe(repeat_bands(current), hide_index=True, column_config={"band": "Episodes", **band_format})
