"""Overview: this period against the one before, for the monthly meeting's big screen:
the written findings, headline numbers, the last 12 months by category, and where children go missing from."""

import pandas as pd
import streamlit as st

import config
from charts.bars import place_chart
from charts.process_control import limits_note, process_chart, process_title
from charts.titles import source_line, subtitle_text
from config.canonical import CATEGORIES, MISSING_FROM
from metrics.bands import PERSISTENT_FROM
from metrics.hotspots import hotspots
from metrics.return_interviews import date_only_eligible, return_interviews
from metrics.tables import headline_counts
from metrics.trend import trend_window
from reports.notes import date_only_note
from ui import auth, cached, display, sidebar

authority = config.settings().authority.name

# (label, headline key, help)
COUNTS = (
    ("Episodes", "episodes", "Episodes reported in the period."),
    ("Children", "children", "Distinct children with an episode in the period."),
    ("Persistent runaways", "persistent_runaways", f"Children with {PERSISTENT_FROM} or more episodes in the period."),
    ("Open episodes", "open_episodes", "Episodes in the period with no return recorded yet."),
    ("Alerts", "alerts", "Triggers met by episodes in the period (see Alerts: 3 in 90 days, over 72 hours, ...)."),
    ("Missing", "missing", "Police-recorded missing episodes."),
    ("Absent", "absent", "Police-recorded absent episodes."),
    ("Away", "away", "Looked-after children away from placement without authorisation."),
    ("From home", "home", "Episodes of children missing from home."),
    ("From care", "care", "Episodes of looked-after children."),
)
# (label, return_interviews measure, help)
RATES = (
    ("Interview offered", "offered", "Of returned missing and absent episodes, the share offered an interview."),
    (
        "Offered in 72 hours",
        "offered_within_72h",
        "Of returned missing and absent episodes, the share offered an interview within 72 hours of return.",
    ),
    ("Interview completed", "completed", "Of returned missing and absent episodes, the share with one completed."),
    (
        "Completed in 72 hours",
        "completed_within_72h",
        "Of returned missing and absent episodes, the share with one held within 72 hours of return.",
    ),
    ("Declined", "declined_of_offered", "Of episodes offered an interview, the share where the child declined."),
)
TOP_DISTRICTS = 10
PROCESS_SETTINGS = config.settings().process_control


# Counts that add up to the episodes, so a hidden one could be worked out from the others.
PARTS = (("episodes", CATEGORIES), ("episodes", MISSING_FROM))


def rate(interviews: pd.DataFrame, measure: str) -> float | str | None:
    """The `all` row's percent: a number, `*` where suppressed for a viewer, None where blank."""
    row = interviews[(interviews["group"] == "all") & (interviews["measure"] == measure)]
    value = row["percent"].iloc[0] if len(row) else None
    if isinstance(value, str):
        return value
    return None if value is None or pd.isna(value) else float(value)


def rate_text(value: float | str | None) -> str:
    return "–" if value is None else value if isinstance(value, str) else f"{value:.1f}%"


def counts(episodes: pd.DataFrame, alerts: int) -> dict[str, int]:
    return {key: int(value) for key, value in {**headline_counts(episodes), "alerts": alerts}.items()}


st.title("Children missing from home and care")
view = sidebar.page_view()
st.caption(f"{view.period.label()}, compared with {view.previous.label()}.")

display.stop_when_empty(view.current, view.period.label())

st.subheader("Findings")
display.show_findings(lambda below: cached.findings(view, PROCESS_SETTINGS, below))

now_counts = counts(view.current, cached.alert_count(view, config.settings().triggers, previous=False, as_of=None))
# alerts as they stood when that period ended
before_counts = counts(
    view.before, cached.alert_count(view, config.settings().triggers, previous=True, as_of=view.period.start)
)
now_shown, before_shown = display.tile_counts(now_counts, PARTS), display.tile_counts(before_counts, PARTS)
for row_start in range(0, len(COUNTS), 5):
    for column, (label, key, help_text) in zip(st.columns(5), COUNTS[row_start : row_start + 5], strict=True):
        change = now_counts[key] - before_counts[key]
        exact = now_shown[key] == f"{now_counts[key]:,}" and before_shown[key] == f"{before_counts[key]:,}"
        column.metric(
            label,
            now_shown[key],
            delta=f"{change:+,} on previous period" if exact else None,  # a change would give a hidden number away
            delta_color="off",
            delta_arrow="auto" if change else "off",
            help=f"{help_text} Previous period: {before_shown[key]}.",
            border=True,
        )

st.subheader("Return interviews")
now_rates = display.viewer_table("return_interviews", return_interviews(view.current))
before_rates = display.viewer_table("return_interviews", return_interviews(view.before))
for column, (label, measure, help_text) in zip(st.columns(5), RATES, strict=True):
    value, earlier = rate(now_rates, measure), rate(before_rates, measure)
    numbers = isinstance(value, float) and isinstance(earlier, float)
    delta = f"{value - earlier:+.1f} points" if numbers else None
    column.metric(
        label,
        rate_text(value),
        delta=delta,
        delta_arrow="off" if value == earlier else "auto",
        delta_color="inverse" if measure == "declined_of_offered" else "normal",  # fewer declined is better
        help=f"{help_text} Previous period: {rate_text(earlier)}.",
        border=True,
    )
# "In 72 hours" counts only what was certainly within: say how many episodes that doubt touches
viewer = not auth.can_see_child_level(auth.require_user())
st.caption(date_only_note(*date_only_eligible(view.current), publication=viewer))

first, last = trend_window(view.period.start, view.period.end)
year_label = f"{first:%b %Y} to {last:%b %Y}"
districts = hotspots(view.current, by="from_district")
st.subheader("Month by month")
months = cached.process_table(view, "episodes", first, last, PROCESS_SETTINGS)
months["signals"] = months["signals"].map("; ".join)
display.show_chart(
    lambda table: process_chart(
        table,
        title=process_title(table, "Episodes"),
        subtitle=subtitle_text("Episodes reported each month", year_label, authority, view.filters),
        source=source_line(year_label, authority),
        notes=limits_note(table, PROCESS_SETTINGS.minimum_points)
        or "Mean (solid) and process limits (dashed): "
        "a point beyond a limit or a marked run is a real change, not noise. More on the Trends page.",
        y_title="Episodes",
    ),
    months,
    name=f"Episodes by month {first:%Y-%m} to {last:%Y-%m}",
    kind="process_control",
)
st.subheader("Where children go missing from")
if districts.empty:
    st.info("No episode in the period has a known from postcode.")
else:
    display.show_chart(
        lambda table: place_chart(
            table,
            title=f"The {min(TOP_DISTRICTS, len(table))} postcode districts with most episodes",
            subtitle=subtitle_text(
                "Episodes by postcode district missing from", view.period.label(), authority, view.filters
            ),
            source=source_line(view.period.label(), authority),
            top=TOP_DISTRICTS,
        ),
        districts,
        name=f"Episodes by district {view.period.start:%Y-%m-%d} to {view.period.end:%Y-%m-%d}",
        kind="hotspots_from_district",
        column_config={"place": "District", "episodes": "Episodes", "children": "Children"},
    )
