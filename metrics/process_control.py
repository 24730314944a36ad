"""Is a change real or noise? XmR process-behaviour charts (domain.md section 9).

`monthly_series` turns episodes into one of the section's monthly series;
`process_control` adds the centre line, the process limits, the moving
ranges and the signals each point is part of. Settings come in as a
`ProcessControlSettings` (from `[process_control]`), never read here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from config.sections import ProcessControlSettings
from metrics.bands import PERSISTENT_FROM
from metrics.return_interviews import eligible_episodes
from metrics.rounding import percent
from metrics.time_limits import certainly_within, may_exceed

SIGNALS = ("outside_limits", "shift", "trend", "two_of_three")
LIMIT_FACTOR = 2.66  # 3 sigma from the mean moving range (3 / d2, d2 = 1.128)
SCREEN_FACTOR = 3.267  # moving ranges above this many times their mean are left out of it
ON_LIMIT = 1e-9  # a point this close to a limit is on it, not beyond it


@dataclass(frozen=True)
class Measure:
    """One monthly series: what the chart calls it, whether it is a rate, and which way is better."""

    label: str
    rate: bool = False
    better: str = "neutral"  # "higher", "lower" or "neutral"


MEASURES: dict[str, Measure] = {
    "episodes": Measure("Episodes"),
    "children": Measure("Children with an episode"),
    "missing": Measure("Missing episodes"),
    "from_care": Measure("Episodes from care"),
    "over_24_hours": Measure("Episodes that may have lasted over 24 hours", better="lower"),
    "persistent": Measure("Children with four or more episodes in the month"),
    "rhi_offered_within_72h": Measure("Return interviews offered within 72 hours", rate=True, better="higher"),
    "rhi_completed_within_72h": Measure("Return interviews completed within 72 hours", rate=True, better="higher"),
}


def _months(start: date, end: date) -> list[str]:
    return list(pd.period_range(pd.Timestamp(start), pd.Timestamp(end), freq="M").strftime("%Y-%m"))


def _within_72h(episodes: pd.DataFrame, column: str) -> np.ndarray:
    """Certainly within 72 hours of return (section 4: the longest possible gap is at most 72 h)."""
    return certainly_within(episodes, "returned_at", column, 72)


def over_24_hours(episodes: pd.DataFrame, as_of: date | datetime | None = None) -> np.ndarray:
    """Episodes that may have lasted over 24 hours: the longest possible duration is over 24 h,
    or the episode is still open more than 24 h after it began (as of `as_of`, default now)."""
    limit = pd.Timedelta(hours=24)
    closed_over = may_exceed(episodes, "reported_at", "returned_at", 24)
    moment = pd.Timestamp(as_of if as_of is not None else datetime.now())
    if not isinstance(as_of, datetime) and as_of is not None:
        moment += pd.Timedelta(days=1)  # a date means by the end of that day
    still_open = episodes["returned_at"].isna().to_numpy()
    open_over = still_open & ((moment - episodes["reported_at"]) > limit).fillna(False).to_numpy(dtype=bool)
    return closed_over | open_over


def _month_positions(times: pd.Series, start: date, months: int) -> np.ndarray:
    """Each time's month as a position from `start`'s month (0 to months - 1), -1 where missing or
    outside: whole numbers (calendar months since 1970, as numpy counts them), not `YYYY-MM` text, to count by."""
    month = np.asarray(times, dtype="datetime64[ns]").astype("datetime64[M]")
    position = month.astype("int64") - np.datetime64(start, "M").astype("int64")
    inside = ~np.isnat(month) & (position >= 0) & (position < months)
    return np.where(inside, position, -1)


def _per_month(positions: np.ndarray, chosen: np.ndarray | None, months: int) -> np.ndarray:
    """How many of the (chosen) episodes fall in each month."""
    kept = positions[(positions >= 0) & (True if chosen is None else chosen)]
    return np.bincount(kept, minlength=months)


def _children_per_month(positions: np.ndarray, children: pd.Series, months: int, at_least: int) -> np.ndarray:
    """How many children have at least `at_least` of the episodes in each month."""
    child, _ = pd.factorize(children)  # -1 for a blank child, left out as groupby leaves it out
    known = (positions >= 0) & (child >= 0)
    width = int(child.max(initial=0)) + 1
    pairs, per_pair = np.unique(positions[known] * width + child[known], return_counts=True)
    return np.bincount(pairs[per_pair >= at_least] // width, minlength=months)


def _counted(episodes: pd.DataFrame, measure: str, as_of: date | datetime | None) -> np.ndarray | None:
    """The episodes a count of episodes counts (None: every one)."""
    if measure == "missing":
        return (episodes["category"] == "missing").to_numpy(dtype=bool)
    if measure == "from_care":
        return (episodes["missing_from"] == "care").to_numpy(dtype=bool)
    if measure == "over_24_hours":
        return over_24_hours(episodes, as_of)
    return None


def monthly_series(
    episodes: pd.DataFrame, measure: str, start: date, end: date, as_of: date | datetime | None = None
) -> pd.DataFrame:
    """month,value,count,denominator: one of section 9's series over the episodes given (already
    chosen for the period and filters), every calendar month from `start` to `end`.

    Counts have every month (0 when none); a rate's month with no eligible episode has no row.
    `denominator` is the eligible episodes for rates and blank for counts.
    """
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r} (measures: {', '.join(MEASURES)})")
    months = _months(start, end)
    return _series(episodes, measure, months, _month_positions(episodes["reported_at"], start, len(months)), as_of)


def _series(
    episodes: pd.DataFrame, measure: str, months: list[str], positions: np.ndarray, as_of: date | datetime | None
) -> pd.DataFrame:
    """`monthly_series` with each episode's month position (`_month_positions`) already worked out."""
    if measure in ("children", "persistent"):
        at_least = 1 if measure == "children" else PERSISTENT_FROM
        counts = _children_per_month(positions, episodes["child_id"], len(months), at_least)
    elif measure in ("episodes", "missing", "from_care", "over_24_hours"):
        counts = _per_month(positions, _counted(episodes, measure, as_of), len(months))
    else:
        eligible = eligible_episodes(episodes)
        column = "rhi_offered_at" if measure == "rhi_offered_within_72h" else "rhi_completed_at"
        in_time = eligible & _within_72h(episodes, column)
        if measure == "rhi_completed_within_72h":
            in_time &= (episodes["rhi_outcome"] == "completed").to_numpy(dtype=bool)
        table = pd.DataFrame(
            {
                "month": months,
                "count": _per_month(positions, in_time, len(months)).astype("int64"),
                "denominator": _per_month(positions, eligible, len(months)).astype("int64"),
            }
        )
        table = table[table["denominator"] > 0].reset_index(drop=True)
        table["value"] = percent(table["count"].to_numpy(), table["denominator"].to_numpy())
        return table[["month", "value", "count", "denominator"]]
    counts = counts.astype("int64")
    return pd.DataFrame({"month": months, "value": counts.astype("float64"), "count": counts, "denominator": np.nan})


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) positions of each run of True."""
    runs, start = [], None
    for i, flag in enumerate(list(flags) + [False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    return runs


def _mark_runs(flags: np.ndarray, length: int, into: np.ndarray) -> None:
    for first, last in _runs(flags):
        if last - first + 1 >= length:
            into[first : last + 1] = True


def limits(values: np.ndarray, rate: bool) -> tuple[float, float, float]:
    """(mean, lower, upper) of the baseline values: mean +- 2.66 x mean moving range, the moving
    ranges above 3.267 x their mean screened out; a rate clipped to 0-100, a count's lower to 0."""
    mean = float(np.mean(values))
    ranges = np.abs(np.diff(values))
    average_range = float(np.mean(ranges)) if len(ranges) else 0.0
    kept = ranges[ranges <= SCREEN_FACTOR * average_range]
    if len(kept):
        average_range = float(np.mean(kept))
    lower, upper = mean - LIMIT_FACTOR * average_range, mean + LIMIT_FACTOR * average_range
    lower = max(lower, 0.0)
    if rate:
        upper = min(upper, 100.0)
    return mean, lower, upper


def process_control(series: pd.DataFrame, settings: ProcessControlSettings, rate: bool = False) -> pd.DataFrame:
    """The series (month,value,...) with moving_range, mean, lower_limit, upper_limit and
    signals (a tuple of SIGNALS names) for each point. With fewer than `minimum_points`
    baseline points the limits are blank and only the mean's rules (shift, trend) apply."""
    table = series.reset_index(drop=True).copy()
    values = table["value"].to_numpy(dtype="float64")
    n = len(values)
    table["moving_range"] = np.append(np.nan, np.abs(np.diff(values))) if n else np.array([], dtype="float64")
    if n == 0:
        return table.assign(mean=np.nan, lower_limit=np.nan, upper_limit=np.nan, signals=[])
    baseline = values[: settings.baseline_months] if settings.baseline_months else values
    mean, lower, upper = limits(baseline, rate)
    has_limits = len(baseline) >= settings.minimum_points
    marks = {name: np.zeros(n, dtype=bool) for name in SIGNALS}
    if has_limits:
        marks["outside_limits"] = (values > upper + ON_LIMIT) | (values < lower - ON_LIMIT)
        upper_zone, lower_zone = mean + 2 / 3 * (upper - mean), mean - 2 / 3 * (mean - lower)
        for beyond in (values > upper_zone + ON_LIMIT, values < lower_zone - ON_LIMIT):
            for i in range(n - 2):
                if beyond[i : i + 3].sum() >= 2:
                    marks["two_of_three"][i : i + 3] |= beyond[i : i + 3]
    _mark_runs(values > mean, settings.shift_points, marks["shift"])
    _mark_runs(values < mean, settings.shift_points, marks["shift"])
    # a trend of k points is k - 1 rises in a row: mark the rises' runs, then their start points
    steps = np.diff(values)
    for direction in (steps > 0, steps < 0):
        in_trend = np.zeros(n - 1, dtype=bool)
        _mark_runs(direction, settings.trend_points - 1, in_trend)
        marks["trend"][1:] |= in_trend
        marks["trend"][:-1] |= in_trend
    table["mean"] = mean
    table["lower_limit"] = lower if has_limits else np.nan
    table["upper_limit"] = upper if has_limits else np.nan
    table["signals"] = [tuple(name for name in SIGNALS if marks[name][i]) for i in range(n)]
    return table


def process_control_table(
    episodes: pd.DataFrame,
    measure: str,
    start: date,
    end: date,
    settings: ProcessControlSettings,
    as_of: date | datetime | None = None,
) -> pd.DataFrame:
    """month,value,count,denominator,moving_range,mean,lower_limit,upper_limit,signals for one measure."""
    return process_control_tables(episodes, [measure], start, end, settings, as_of)[measure]


def process_control_tables(
    episodes: pd.DataFrame,
    measures: Iterable[str],
    start: date,
    end: date,
    settings: ProcessControlSettings,
    as_of: date | datetime | None = None,
) -> dict[str, pd.DataFrame]:
    """measure -> its table (as `process_control_table` gives it), the episodes' months worked out once
    for every measure (the written findings read them all, from the same episodes)."""
    months = _months(start, end)
    positions = _month_positions(episodes["reported_at"], start, len(months))
    tables = {}
    for measure in measures:
        if measure not in MEASURES:
            raise ValueError(f"unknown measure {measure!r} (measures: {', '.join(MEASURES)})")
        series = _series(episodes, measure, months, positions, as_of)
        tables[measure] = process_control(series, settings, rate=MEASURES[measure].rate)
    return tables
