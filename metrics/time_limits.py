"""Time limits where a time may be date-only: doubt resolves towards the child (domain.md section 4).

A date-only value stands for any moment of its day. Where that leaves a limit
in doubt, a trigger fires if it *may* have been met and a deadline counts as
met only if it was *certainly* met. Both ask one question, the longest
possible gap: a date-only time counts as 00:00 of its day where it opens the
interval and as 24:00 where it closes it. This module is the one home of
that rule; every time limit (72-hour alerts, interviews within 72 hours,
safe and well checks within 24 hours) goes through it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

HOUR_NS = 3_600_000_000_000
DAY_NS = 24 * HOUR_NS


def date_only_flags(episodes: pd.DataFrame, column: str) -> np.ndarray:
    """A `<datetime>_date_only` flag, False when the frame has no such column."""
    name = f"{column}_date_only"
    if name not in episodes:
        return np.zeros(len(episodes), dtype=bool)
    return episodes[name].fillna(False).to_numpy(dtype=bool)


def _ns(times: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Datetimes as int64 nanoseconds, and where they are known."""
    values = np.asarray(times, dtype="datetime64[ns]")
    return values.view("int64"), ~np.isnat(values)


def opening(times: pd.Series | np.ndarray, date_only: np.ndarray) -> np.ndarray:
    """Each time as it opens an interval: a date-only one at 00:00 of its day (datetime64[ns], NaT kept)."""
    ns, known = _ns(times)
    start = np.where(date_only & known, ns - ns % DAY_NS, ns)
    return start.view("datetime64[ns]")


def closing(times: pd.Series | np.ndarray, date_only: np.ndarray) -> np.ndarray:
    """Each time as it closes an interval: a date-only one at 24:00 of its day (datetime64[ns], NaT kept)."""
    ns, known = _ns(times)
    end = np.where(date_only & known, ns - ns % DAY_NS + DAY_NS, ns)
    return end.view("datetime64[ns]")


def longest_gap(
    start: pd.Series | np.ndarray, start_date_only: np.ndarray, end: pd.Series | np.ndarray, end_date_only: np.ndarray
) -> np.ndarray:
    """The longest `end` - `start` the times allow (timedelta64[ns]; NaT where either is blank)."""
    return closing(end, end_date_only) - opening(start, start_date_only)


def shortest_gap(
    start: pd.Series | np.ndarray, start_date_only: np.ndarray, end: pd.Series | np.ndarray, end_date_only: np.ndarray
) -> np.ndarray:
    """The shortest `end` - `start` the times allow (timedelta64[ns]; NaT where either is blank): with
    `longest_gap`, the range a duration band must cover whole to be known."""
    return opening(end, end_date_only) - closing(start, start_date_only)


def _longest_gap_of(episodes: pd.DataFrame, earlier: str, later: str) -> np.ndarray:
    return longest_gap(
        episodes[earlier], date_only_flags(episodes, earlier), episodes[later], date_only_flags(episodes, later)
    )


def may_exceed(episodes: pd.DataFrame, earlier: str, later: str, hours: float) -> np.ndarray:
    """`later` may have come more than `hours` after `earlier` (a trigger: fires in doubt).
    False where either time is blank."""
    gap = _longest_gap_of(episodes, earlier, later)
    return ~np.isnat(gap) & (gap > np.timedelta64(int(hours * HOUR_NS), "ns"))


def certainly_within(episodes: pd.DataFrame, earlier: str, later: str, hours: float) -> np.ndarray:
    """`later` certainly came at most `hours` after `earlier` (a deadline: missed in doubt).
    False where either time is blank."""
    gap = _longest_gap_of(episodes, earlier, later)
    return ~np.isnat(gap) & (gap <= np.timedelta64(int(hours * HOUR_NS), "ns"))


def has_date_only_time(episodes: pd.DataFrame, columns: Iterable[str]) -> np.ndarray:
    """Episodes with at least one of `columns` given as a date without a time."""
    flags = np.zeros(len(episodes), dtype=bool)
    for column in columns:
        flags |= date_only_flags(episodes, column) & episodes[column].notna().to_numpy()
    return flags
