"""Children whose pattern is getting worse (domain.md section 12): more often, longer, further, newly exploited.

Each reason is judged on the child's episodes up to and including an
episode, for every episode in the period, so `first_met` is the first
episode in the period at which the condition holds. Episodes before the
period count as history; episodes after it are never looked at.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from config.sections import EscalationThresholds
from metrics.filters import distance_miles, run_starts
from metrics.time_limits import HOUR_NS, date_only_flags, longest_gap, shortest_gap
from metrics.together import child_codes, order_by_child_and_time

REASONS = ("more_often", "longer", "further", "new_exploitation_concern")
COLUMNS = ["reason", "subject", "first_met", "episode_ids"]
REASON_WORDING = {
    "more_often": "going missing more often",
    "longer": "missing for longer each time",
    "further": "found further away",
    "new_exploitation_concern": "a first CSE or CCE concern",
}


# distance_miles' inputs: read only where the frame has no distance_miles
COORDINATES = ("from_easting", "from_northing", "found_easting", "found_northing")
# what the rules read of each episode (the date-only flags and distance_miles where the frame has them)
RULE_INPUTS = [
    "reported_at",
    "reported_at_date_only",
    "returned_at",
    "returned_at_date_only",
    "distance_miles",
    *COORDINATES,
    "cse_concern",
    "cce_concern",
]


def possible_durations(episodes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Shortest and longest possible duration of each episode in ns (NaN where not returned).

    A date-only time stands for any moment of its day (domain.md section 4).
    """
    times = (
        episodes["reported_at"],
        date_only_flags(episodes, "reported_at"),
        episodes["returned_at"],
        date_only_flags(episodes, "returned_at"),
    )

    def as_float(gaps: np.ndarray) -> np.ndarray:
        return np.where(np.isnat(gaps), np.nan, gaps.view("int64").astype("float64"))

    return np.maximum(as_float(shortest_gap(*times)), 0), as_float(longest_gap(*times))


def _shifted(values: np.ndarray, steps: int) -> np.ndarray:
    """values moved `steps` places later (the value `steps` episodes before), NaN at the start."""
    out = np.full(len(values), np.nan)
    if steps < len(values):
        out[steps:] = values[: len(values) - steps]
    return out


def _more_often(times: np.ndarray, position: np.ndarray, candidates: np.ndarray, t: EscalationThresholds) -> np.ndarray:
    """The median gap of the last n starts is at most `gap_ratio` of the median gap of the n before them
    (judged at the `candidates` only)."""
    n = t.recent_episodes
    gaps = np.diff(times, prepend=np.nan)
    judged = np.flatnonzero(candidates & (position >= 2 * n - 1))  # each has 2n - 1 gaps of its child before it
    medians = _sliding_medians(gaps, n - 1)  # of the n - 1 gaps up to each start: the last n starts' gaps
    met = np.zeros(len(times), dtype=bool)
    with np.errstate(invalid="ignore"):
        met[judged] = medians[judged] <= t.gap_ratio * medians[judged - n]
    return met


def _sliding_medians(values: np.ndarray, width: int) -> np.ndarray:
    """The median of each run of `width` values ending at each position (NaN where the run has one or starts
    before the first): the same numbers as np.median, the runs sorted by a network of np.minimum and np.maximum
    over whole columns (sorting a million short rows one at a time took most of the rule's time)."""
    medians = np.full(len(values), np.nan)
    if width < 1 or len(values) < width:
        return medians
    # column k holds the value k places before the run's end, for the runs ending at width - 1 onwards
    columns = [values[width - 1 - k : len(values) - k] for k in range(width)]
    for sweep in range(width):  # odd-even transposition: `width` sweeps sort any `width` values
        for k in range(sweep % 2, width - 1, 2):
            columns[k], columns[k + 1] = np.minimum(columns[k], columns[k + 1]), np.maximum(columns[k], columns[k + 1])
    middle = columns[width // 2]
    medians[width - 1 :] = middle if width % 2 else (columns[width // 2 - 1] + middle) / 2
    unknown = np.isnan(values)
    if unknown.any():  # np.median's NaN wherever a run holds one
        seen = np.cumsum(unknown)
        medians[width - 1 :][seen[width - 1 :] > np.concatenate([[0], seen[: len(values) - width]])] = np.nan
    return medians


def _longer(shortest: np.ndarray, longest: np.ndarray, position: np.ndarray, t: EscalationThresholds) -> np.ndarray:
    """The last m durations may each be longer than the one before, the last over `longer_hours`.

    Where a date-only time leaves a rise in doubt it counts (a trigger fires if it may have been met).
    """
    m = t.rising_episodes
    met = (position >= m - 1) & (longest > t.longer_hours * HOUR_NS)
    for k in range(m - 1):  # episode i-k against episode i-k-1
        with np.errstate(invalid="ignore"):
            met &= _shifted(longest, k) > _shifted(shortest, k + 1)
    return met  # NaN (an unknown duration) compares False: it breaks the run


def _further(miles: np.ndarray, position: np.ndarray, candidates: np.ndarray, t: EscalationThresholds) -> np.ndarray:
    """Found over `further_miles` away and over `further_ratio` times the median of the child's earlier distances.

    Every candidate's earlier distances are written out one after another and sorted within each candidate at
    once (statistics.median candidate by candidate took most of the rule's time); the medians are those
    statistics.median gives: the middle value, or the mean of the two middle ones."""
    met = np.zeros(len(miles), dtype=bool)
    with np.errstate(invalid="ignore"):
        far = np.flatnonzero(candidates & (miles > t.further_miles))
    lengths = position[far]
    ends = np.cumsum(lengths)
    earlier = np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - lengths - (far - lengths), lengths)
    owner = np.repeat(np.arange(len(far)), lengths)
    values = miles[earlier]
    known = ~np.isnan(values)
    values, owner = values[known], owner[known]
    # each candidate's known earlier distances, smallest first: sorted by value, then stably by candidate with
    # numpy's radix sort of small whole numbers (np.lexsort's two merge sorts took four times as long)
    by_value = np.argsort(values)
    values = values[by_value][np.argsort(owner[by_value].astype(np.min_scalar_type(len(far))), kind="stable")]
    counts = np.bincount(owner, minlength=len(far))
    first = np.cumsum(counts) - counts
    some = counts > 0
    middle_low, middle_high = (first + (counts - 1) // 2)[some], (first + counts // 2)[some]
    medians = (values[middle_low] + values[middle_high]) / 2
    met[far[some]] = miles[far[some]] > t.further_ratio * medians
    return met


def _first_concern(concern: np.ndarray, position: np.ndarray, child: np.ndarray) -> np.ndarray:
    """The child's first episode with a CSE or CCE concern."""
    seen_before = np.zeros(len(concern), dtype=bool)
    order = np.flatnonzero(concern)
    first_of_child = order[run_starts(child[order])]
    seen_before[first_of_child] = True
    return seen_before


def _by_child_time_and_id(
    child_codes: np.ndarray, times: np.ndarray, episode_ids: pd.Series, rows: np.ndarray
) -> np.ndarray:
    """The order of the episodes at `rows` by child, time, then episode id (as text), as np.lexsort gives it, with
    the ids (`episode_ids` at `rows`) read only where a child has two episodes at one time: sorting a million ids'
    text took most of the rules' time."""
    order = order_by_child_and_time(child_codes, times)
    tied = np.flatnonzero((np.diff(child_codes[order]) == 0) & (np.diff(times[order]) == 0))
    if len(tied):
        places = np.union1d(tied, tied + 1)  # each run of ties, where it stands in the order
        tied_rows = order[places]
        ids = episode_ids.iloc[rows[tied_rows]].astype(str).to_numpy()
        order[places] = tied_rows[np.lexsort((ids, times[tied_rows], child_codes[tied_rows]))]
    return order


def escalating_children(
    episodes: pd.DataFrame, start: date, end: date, thresholds: EscalationThresholds | None = None
) -> pd.DataFrame:
    """reason,subject,first_met,episode_ids: each child met by an episode in the period, once per reason.

    `episodes` is the child's history after filters but without the period's
    start (episodes after `end` are ignored).
    """
    t = thresholds or EscalationThresholds()
    reported = episodes["reported_at"]
    end_ns = (np.datetime64(end, "D") + np.timedelta64(1, "D")).astype("datetime64[ns]").view("int64")
    keep = np.flatnonzero(
        reported.notna().to_numpy() & (reported.to_numpy(dtype="datetime64[ns]").view("int64") < end_ns)
    )
    if not len(keep):
        return pd.DataFrame(columns=COLUMNS)
    codes, child_names = child_codes(episodes["child_id"])  # the loaded episodes' own codes: no text read
    codes = codes[keep]
    times = reported.to_numpy(dtype="datetime64[ns]").view("int64")[keep]
    start_ns = np.datetime64(start, "D").astype("datetime64[ns]").view("int64")
    # only the children with an episode in the period can be met (a blank child, -1, is one too)
    in_the_period = np.zeros(len(child_names) + 1, dtype=bool)
    in_the_period[codes[times >= start_ns] + 1] = True
    chosen = in_the_period[codes + 1]
    keep, codes, times = keep[chosen], codes[chosen], times[chosen]
    order = _by_child_time_and_id(codes, times, episodes["episode_id"], keep)
    codes, times, rows = codes[order], times[order], keep[order]
    starts = np.flatnonzero(run_starts(codes))
    position = np.arange(len(times)) - np.repeat(starts, np.diff(np.append(starts, len(times))))
    in_period = times >= start_ns

    # each rule's inputs worked out for every episode and taken at `rows` (a take of the frame's columns cost
    # more than the rules); every rule looks back only as far as `position` allows, so no other child is read
    shortest, longest = (durations[rows] for durations in possible_durations(episodes))
    times_f = times.astype("float64")
    miles = (
        episodes["distance_miles"].to_numpy(dtype="float64")
        if "distance_miles" in episodes
        else distance_miles(episodes)
    )[rows]
    concern = (
        episodes["cse_concern"].fillna(False).to_numpy(dtype=bool)
        | episodes["cce_concern"].fillna(False).to_numpy(dtype=bool)
    )[rows]
    behind = {
        "more_often": (_more_often(times_f, position, in_period, t), 2 * t.recent_episodes),
        "longer": (_longer(shortest, longest, position, t), t.rising_episodes),
        "further": (_further(miles, position, in_period, t), 1),
        "new_exploitation_concern": (_first_concern(concern, position, codes), 1),
    }
    names = np.asarray(child_names, dtype=object)
    reasons, subjects, days, episode_ids = [], [], [], []
    for reason, (met, span) in behind.items():
        hits = np.flatnonzero(met & in_period)
        if not len(hits):
            continue
        hits = hits[run_starts(codes[hits])]  # first per child
        windows = rows[hits[:, None] - np.arange(span - 1, -1, -1)[None, :]]
        ids = episodes["episode_id"].iloc[windows.ravel()].astype(str).to_numpy().reshape(windows.shape)
        reasons.append(np.full(len(hits), REASONS.index(reason)))
        subjects.append(names[codes[hits]].astype(str))
        days.append(times[hits].view("datetime64[ns]").astype("datetime64[D]"))
        episode_ids.extend(ids.tolist())
    if not reasons:
        return pd.DataFrame(columns=COLUMNS)
    reason_index, subject, day = np.concatenate(reasons), np.concatenate(subjects), np.concatenate(days)
    # by reason, first met and subject, sorted on whole numbers (the subject's rank in the text's order)
    by = np.lexsort((pd.factorize(subject, sort=True)[0], day.view("int64"), reason_index))
    return pd.DataFrame(
        {
            "reason": np.asarray(REASONS, dtype=object)[reason_index[by]],
            "subject": subject[by],
            "first_met": day[by].astype(object),
            "episode_ids": [episode_ids[i] for i in by.tolist()],
        },
        columns=COLUMNS,
    )
