"""What completed return interviews recorded (domain.md section 11): who held them, why late
ones were late, push and pull factors, disclosures and follow-up.

Each table counts the completed interviews (eligible episodes with outcome `completed`) that
record each value, in vocabulary order, then `Not recorded`; the percent is of completed
interviews, so one interview can count in several bands and the bands need not add up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from config.canonical import MULTI_VALUE_SEPARATOR, MULTI_VALUE_VOCABULARIES
from metrics.filters import month_labels
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
    cells = values.astype("object")
    codes, distinct = pd.factorize(cells, use_na_sentinel=True)
    per_cell = np.zeros((len(distinct) + 1, len(vocabulary)), dtype=bool)  # last row: blank
    for number, cell in enumerate(distinct):
        given = set(str(cell).split(MULTI_VALUE_SEPARATOR))
        per_cell[number] = [value in given for value in vocabulary]
    return per_cell[np.where(codes < 0, len(distinct), codes)]


def _completed_recorded(episodes: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(completed, recorded): which episodes are completed interviews, and `_recorded` of those rows."""
    vocabulary = MULTI_VALUE_VOCABULARIES[column]
    completed = completed_interviews(episodes)
    if column in episodes:
        return completed, _recorded(episodes.loc[completed, column], vocabulary)
    return completed, np.zeros((int(completed.sum()), len(vocabulary)), dtype=bool)


def _bands(recorded: np.ndarray, column: str) -> pd.DataFrame:
    """band,count,percent of these completed interviews' `_recorded` rows."""
    counts = np.append(recorded.sum(axis=0), (~recorded.any(axis=1)).sum()).astype("int64")
    table = pd.DataFrame(
        {
            "band": [*MULTI_VALUE_VOCABULARIES[column], NOT_RECORDED],
            "count": counts,
            "percent": percent(counts, np.full(len(counts), len(recorded))),
        }
    )
    table.attrs[COMPLETED_ATTR] = {None: len(recorded)}
    return table


def _joined(parts: list[pd.DataFrame], key: str) -> pd.DataFrame:
    """The parts one under another, each labelled by its `key` column, with every part's completed interviews."""
    table = pd.concat(parts, ignore_index=True)
    table.attrs[COMPLETED_ATTR] = {part[key].iat[0]: part.attrs[COMPLETED_ATTR][None] for part in parts}
    return table


def content_bands(episodes: pd.DataFrame, column: str) -> pd.DataFrame:
    """band,count,percent: completed interviews recording each value of `column`, then Not recorded."""
    return _bands(_completed_recorded(episodes, column)[1], column)


# By group and by month, each episode's values are read once and the groups' rows taken from them
# (a copy of the episodes per month and group was most of the Return interviews page's time).
def content_bands_by_group(episodes: pd.DataFrame, column: str) -> pd.DataFrame:
    """group,band,count,percent: `content_bands` for all, home and care (percent of each group's completed)."""
    completed, recorded = _completed_recorded(episodes, column)
    parts = [_bands(recorded, column).assign(group="all")]
    for group in GROUPS[1:]:
        members = (episodes["missing_from"] == group).to_numpy(dtype=bool)[completed]
        parts.append(_bands(recorded[members], column).assign(group=group))
    return _joined(parts, "group")[["group", "band", "count", "percent"]]


def content_bands_by_month(episodes: pd.DataFrame, column: str) -> pd.DataFrame:
    """month,band,count,percent: `content_bands` for each calendar month of reported_at with a completed interview."""
    completed, recorded = _completed_recorded(episodes, column)
    months = month_labels(episodes["reported_at"])[completed]
    parts = [
        _bands(recorded[months == month], column).assign(month=month)
        for month in sorted({m for m in months if m is not None})
    ]
    if not parts:
        empty = pd.DataFrame(columns=["month", "band", "count", "percent"])
        empty.attrs[COMPLETED_ATTR] = {}
        return empty
    return _joined(parts, "month")[["month", "band", "count", "percent"]]


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
