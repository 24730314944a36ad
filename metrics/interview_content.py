"""What completed return interviews recorded (domain.md section 11): who held them, why late
ones were late, push and pull factors, disclosures and follow-up.

Each table counts the completed interviews (eligible episodes with outcome `completed`) that
record each value, in vocabulary order, then `Not recorded`; the percent is of completed
interviews, so one interview can count in several bands and the bands need not add up.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from config.canonical import MULTI_VALUE_SEPARATOR, MULTI_VALUE_VOCABULARIES
from metrics.filters import month_slices
from metrics.return_interviews import GROUPS, NOT_RECORDED, eligible_episodes
from metrics.rounding import percent

# `reports table` name -> the column it counts
CONTENT_TABLES = {
    "rhi_conducted_by": "rhi_conducted_by",
    "rhi_late_reasons": "rhi_late_reason",
    "rhi_push_factors": "push_factors",
    "rhi_pull_factors": "pull_factors",
    "rhi_disclosures": "disclosures",
    "rhi_follow_up": "follow_up",
}

# Each table's completed interviews, per line (None: the whole table; else its group or month), kept in
# the table's `attrs`: no band can exceed its line's total, which a reader knows, so suppression must too.
COMPLETED_ATTR = "completed_interviews"


def completed_interviews(episodes: pd.DataFrame) -> np.ndarray:
    """Eligible episodes whose return interview was completed: the denominator of every content table."""
    return eligible_episodes(episodes) & (episodes["rhi_outcome"] == "completed").to_numpy(dtype=bool)


def _recorded(values: pd.Series, vocabulary: tuple[str, ...]) -> np.ndarray:
    """(rows, values) booleans: which row records which value. Each distinct cell is split once."""
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    per_cell = np.zeros((len(distinct) + 1, len(vocabulary)), dtype=bool)  # last row: blank
    for number, cell in enumerate(distinct):
        given = set(str(cell).split(MULTI_VALUE_SEPARATOR))
        per_cell[number] = [value in given for value in vocabulary]
    return per_cell[np.where(codes < 0, len(distinct), codes)]


def _completed_recorded(episodes: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(completed, recorded): which episodes are completed interviews, and `_recorded` of those rows."""
    completed = completed_interviews(episodes)
    return completed, _recorded_of(episodes, completed, column)


def _recorded_of(episodes: pd.DataFrame, completed: np.ndarray, column: str) -> np.ndarray:
    vocabulary = MULTI_VALUE_VOCABULARIES[column]
    if column in episodes:
        return _recorded(episodes.loc[completed, column], vocabulary)
    return np.zeros((int(completed.sum()), len(vocabulary)), dtype=bool)


def _band_counts(recorded: np.ndarray) -> np.ndarray:
    """Completed interviews recording each value, then those recording none (Not recorded)."""
    return np.append(recorded.sum(axis=0), (~recorded.any(axis=1)).sum()).astype("int64")


def _bands(recorded: np.ndarray, column: str) -> pd.DataFrame:
    """band,count,percent of these completed interviews' `_recorded` rows."""
    counts = _band_counts(recorded)
    table = pd.DataFrame(
        {
            "band": [*MULTI_VALUE_VOCABULARIES[column], NOT_RECORDED],
            "count": counts,
            "percent": percent(counts, np.full(len(counts), len(recorded))),
        }
    )
    table.attrs[COMPLETED_ATTR] = {None: len(recorded)}
    return table


def _lines(key: str, lines: list[tuple[str, np.ndarray]], column: str) -> pd.DataFrame:
    """key,band,count,percent: `_bands` of each (label, recorded rows) line, one under another, built in one
    frame (a frame per line, then joined, was most of the content tables' time), with each line's completed
    interviews in attrs."""
    bands = [*MULTI_VALUE_VOCABULARIES[column], NOT_RECORDED]
    counts = np.concatenate([_band_counts(recorded) for _, recorded in lines]).astype("int64")
    totals = np.repeat([len(recorded) for _, recorded in lines], len(bands))
    table = pd.DataFrame(
        {
            key: [label for label, _ in lines for _ in bands],
            "band": bands * len(lines),
            "count": counts,
            "percent": percent(counts, totals),
        }
    )
    table.attrs[COMPLETED_ATTR] = {label: len(recorded) for label, recorded in lines}
    return table


def content_bands(episodes: pd.DataFrame, column: str) -> pd.DataFrame:
    """band,count,percent: completed interviews recording each value of `column`, then Not recorded."""
    return _bands(_completed_recorded(episodes, column)[1], column)


# By group and by month, each episode's values are read once and the groups' rows taken from them
# (a copy of the episodes per month and group was most of the Return interviews page's time).
def content_tables_by_group(episodes: pd.DataFrame, columns: Iterable[str]) -> dict[str, pd.DataFrame]:
    """column -> `content_bands_by_group` of it: the completed interviews and the groups worked out once for all."""
    completed = completed_interviews(episodes)
    groups = [(group, (episodes["missing_from"] == group).to_numpy(dtype=bool)[completed]) for group in GROUPS[1:]]
    tables = {}
    for column in columns:
        recorded = _recorded_of(episodes, completed, column)
        lines = [("all", recorded), *[(group, recorded[members]) for group, members in groups]]
        tables[column] = _lines("group", lines, column)
    return tables


def content_bands_by_group(episodes: pd.DataFrame, column: str) -> pd.DataFrame:
    """group,band,count,percent: `content_bands` for all, home and care (percent of each group's completed)."""
    return content_tables_by_group(episodes, (column,))[column]


def content_bands_by_month(episodes: pd.DataFrame, column: str) -> pd.DataFrame:
    """month,band,count,percent: `content_bands` for each calendar month of reported_at with a completed interview."""
    completed, recorded = _completed_recorded(episodes, column)
    order, months = month_slices(episodes["reported_at"][completed])
    if not months:
        empty = pd.DataFrame(columns=["month", "band", "count", "percent"])
        empty.attrs[COMPLETED_ATTR] = {}
        return empty
    recorded = recorded[order]
    return _lines("month", [(month, recorded[rows]) for month, rows in months], column)


def completed_count(episodes: pd.DataFrame) -> int:
    return int(completed_interviews(episodes).sum())


# (table name, column, heading), in the order the page and the pack show them.
CONTENT_SECTIONS = (
    ("rhi_conducted_by", "rhi_conducted_by", "Who held the interview"),
    ("rhi_late_reasons", "rhi_late_reason", "Why late interviews were late"),
    ("rhi_push_factors", "push_factors", "Push factors"),
    ("rhi_pull_factors", "pull_factors", "Pull factors"),
    ("rhi_disclosures", "disclosures", "Disclosures"),
    ("rhi_follow_up", "follow_up", "Follow-up"),
)
# Each vocabulary value as a reader would say it (values shared by two columns read the same in both).
CONTENT_LABELS = {
    "independent_provider": "Independent provider",
    "social_worker": "Social worker",
    "early_help": "Early help",
    "police": "Police",
    "other": "Other",
    "child_declined_then_accepted": "Declined, then accepted",
    "could_not_contact": "Could not contact",
    "placed_out_of_area": "Placed out of area",
    "staff_capacity": "Staff capacity",
    "notified_late": "Notified late",
    "family_conflict": "Family conflict",
    "neglect_abuse": "Neglect or abuse",
    "placement_unhappy": "Unhappy in placement",
    "school": "School",
    "bullying": "Bullying",
    "mental_health": "Mental health",
    "substance_misuse": "Substance misuse",
    "friends_peers": "Friends and peers",
    "boyfriend_girlfriend": "Boyfriend or girlfriend",
    "family": "Family",
    "parties_adults": "Parties or adults",
    "drugs": "Drugs",
    "cse": "Sexual exploitation (CSE)",
    "cce_county_lines": "Criminal exploitation, county lines",
    "trafficking": "Trafficking",
    "self_harm": "Self-harm",
    "sexual_assault": "Sexual assault",
    "physical_harm": "Physical harm",
    "criminal_activity": "Criminal activity",
    "none": "None",
    "mash_referral": "MASH referral",
    "safety_plan_updated": "Safety plan updated",
    "police_intelligence": "Police intelligence",
    "strategy_meeting": "Strategy meeting",
    "support_service": "Support service",
}


def most_recorded(table: pd.DataFrame) -> tuple[str, float] | None:
    """(value, percent) recorded in most completed interviews (all groups), leaving out none and
    Not recorded; None when no value is shown (nothing recorded, or hidden by suppression)."""
    rows = table[~table["band"].isin(("none", NOT_RECORDED))]
    if "group" in rows:
        rows = rows[rows["group"] == "all"]
    shares = pd.to_numeric(rows["percent"], errors="coerce")
    if shares.isna().all() or shares.max() == 0:
        return None
    top = shares.idxmax()
    return str(rows.at[top, "band"]), float(shares[top])


def content_label(value: str) -> str:
    return CONTENT_LABELS.get(value, value)


def content_title(table: pd.DataFrame, heading: str) -> str:
    """A content chart's message: the value recorded most often ("Disclosures: sexual exploitation
    (CSE) in 13% of completed interviews"), or a plain line when none can be shown."""
    top = most_recorded(table)
    if top is None:
        return f"{heading}: nothing recorded that can be shown"
    label = content_label(top[0])
    if not label.split()[0].isupper():  # MASH keeps its capitals
        label = label[0].lower() + label[1:]
    return f"{heading}: {label} in {top[1]:.0f}% of completed interviews"
