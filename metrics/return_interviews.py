"""Return home interviews and safe and well checks: were they offered and held in time?

Domain.md section 4: eligible episodes are missing or absent ones with a
returned_at; interviews are due within 72 hours of return, safe and well
checks within 24 hours. A deadline counts as met only when it was certainly
met: where a date-only time leaves it in doubt, it counts as missed
(`metrics.time_limits`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.filters import month_slices
from metrics.rounding import percent
from metrics.time_limits import certainly_within, has_date_only_time

RETURN_INTERVIEW_MEASURES = (
    "offered",
    "offered_within_72h",
    "completed",
    "completed_within_72h",
    "completed_of_offered",
    "declined_of_offered",
)
GROUPS = ("all", "home", "care")
INTERVIEW_DUE_HOURS = 72
SAFE_AND_WELL_DUE_HOURS = 24
# the times the interview deadlines are measured between
INTERVIEW_TIMES = ("returned_at", "rhi_offered_at", "rhi_completed_at")


def _groups(episodes: pd.DataFrame):
    yield "all", np.ones(len(episodes), dtype=bool)
    for group in GROUPS[1:]:
        yield group, (episodes["missing_from"] == group).to_numpy(dtype=bool)


def return_interviews(episodes: pd.DataFrame) -> pd.DataFrame:
    """group,measure,count,denominator,percent for all, home and care episodes."""
    flags = _interview_flags(episodes)
    rows = [row for group, members in _groups(episodes) for row in _rate_rows(flags, group, members)]
    table = pd.DataFrame(rows, columns=["group", "measure", "count", "denominator"])
    table["percent"] = percent(table["count"].to_numpy(), table["denominator"].to_numpy())
    return table


def _interview_flags(episodes: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each episode's flags the rates count: eligible, offered, completed, declined and the two within 72 hours."""
    eligible = eligible_episodes(episodes)
    offered = eligible & episodes["rhi_offered_at"].notna().to_numpy()
    completed = eligible & (episodes["rhi_outcome"] == "completed").to_numpy(dtype=bool)
    return {
        "eligible": eligible,
        "offered": offered,
        "completed": completed,
        "declined": eligible & (episodes["rhi_outcome"] == "declined").to_numpy(dtype=bool),
        "offered_in_time": offered & certainly_within(episodes, "returned_at", "rhi_offered_at", INTERVIEW_DUE_HOURS),
        "completed_in_time": completed
        & certainly_within(episodes, "returned_at", "rhi_completed_at", INTERVIEW_DUE_HOURS),
    }


def _rate_rows(flags: dict[str, np.ndarray], group: str, members: np.ndarray) -> list[tuple[str, str, int, int]]:
    """(group, measure, count, denominator) of each measure among the `members` episodes."""
    n_eligible = int((flags["eligible"] & members).sum())
    n_offered = int((flags["offered"] & members).sum())
    counts = {
        "offered": (flags["offered"], n_eligible),
        "offered_within_72h": (flags["offered_in_time"], n_eligible),
        "completed": (flags["completed"], n_eligible),
        "completed_within_72h": (flags["completed_in_time"], n_eligible),
        "completed_of_offered": (flags["completed"] & flags["offered"], n_offered),
        "declined_of_offered": (flags["declined"] & flags["offered"], n_offered),
    }
    return [
        (group, measure, int((counts[measure][0] & members).sum()), counts[measure][1])
        for measure in RETURN_INTERVIEW_MEASURES
    ]


def safe_and_well(episodes: pd.DataFrame) -> pd.DataFrame:
    """Of returned missing episodes, those with a safe and well check within 24 hours (all, home, care)."""
    returned_missing = (episodes["category"] == "missing").to_numpy(dtype=bool) & episodes[
        "returned_at"
    ].notna().to_numpy()
    checked = returned_missing & certainly_within(episodes, "returned_at", "safe_and_well_at", SAFE_AND_WELL_DUE_HOURS)
    rows = [
        (group, "safe_and_well_within_24h", int((checked & members).sum()), int((returned_missing & members).sum()))
        for group, members in _groups(episodes)
    ]
    table = pd.DataFrame(rows, columns=["group", "measure", "count", "denominator"])
    table["percent"] = percent(table["count"].to_numpy(), table["denominator"].to_numpy())
    return table


NOT_RECORDED = "Not recorded"
OUTCOME_BANDS = ("completed", "declined", "unable_to_contact", "missing_again", "pending", "not_offered", NOT_RECORDED)
MONTHLY_MEASURES = ("offered", "offered_within_72h", "completed", "completed_within_72h")


ELIGIBLE_CATEGORIES = ("missing", "absent")  # away episodes are not owed an interview (domain.md section 4)


def eligible_episodes(episodes: pd.DataFrame) -> np.ndarray:
    """Missing or absent episodes with a return: those owed a return interview. The one home of the rule,
    for the rates, the process-control series, the 72-hour clock and the child's briefing."""
    return (
        episodes["category"].isin(ELIGIBLE_CATEGORIES).to_numpy(dtype=bool) & episodes["returned_at"].notna().to_numpy()
    )


def date_only_eligible(episodes: pd.DataFrame) -> tuple[int, int]:
    """(eligible episodes with a date-only return, offer or interview time, eligible episodes):
    what the note beside the interview rates counts."""
    eligible = eligible_episodes(episodes)
    return int((eligible & has_date_only_time(episodes, INTERVIEW_TIMES)).sum()), int(eligible.sum())


def outcome_bands(episodes: pd.DataFrame) -> pd.DataFrame:
    """band,count,percent: eligible episodes by return-interview outcome, blank as Not recorded."""
    outcome = episodes.loc[eligible_episodes(episodes), "rhi_outcome"].astype("object")
    codes = pd.Categorical(outcome.fillna(NOT_RECORDED), categories=list(OUTCOME_BANDS)).codes
    codes = np.where(codes < 0, len(OUTCOME_BANDS) - 1, codes)  # a value outside the vocabulary: not recorded
    counts = np.bincount(codes.astype("int64"), minlength=len(OUTCOME_BANDS))
    return pd.DataFrame(
        {
            "band": list(OUTCOME_BANDS),
            "count": counts.astype("int64"),
            "percent": percent(counts, np.full(len(OUTCOME_BANDS), len(outcome))),
        }
    )


def monthly_return_interviews(episodes: pd.DataFrame) -> pd.DataFrame:
    """month,measure,count,denominator,percent: the rates over eligible episodes (all groups)
    for each calendar month of reported_at that has episodes."""
    order, months = month_slices(episodes["reported_at"])
    flags = {name: flag[order] for name, flag in _interview_flags(episodes).items()}  # once, in month order
    rows = [
        (month, measure, count, denominator)
        for month, rows_of in months
        for _, measure, count, denominator in _rate_rows(
            {name: flag[rows_of] for name, flag in flags.items()}, "all", np.ones(rows_of.stop - rows_of.start, bool)
        )
        if measure in MONTHLY_MEASURES
    ]
    if not rows:
        return pd.DataFrame(columns=["month", "measure", "count", "denominator", "percent"])
    table = pd.DataFrame(rows, columns=["month", "measure", "count", "denominator"])
    table["percent"] = percent(table["count"].to_numpy(), table["denominator"].to_numpy())
    return table
