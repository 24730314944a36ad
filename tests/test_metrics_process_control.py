"""XmR process-behaviour charts (domain.md section 9): each rule at its boundary, as a table of
cases, and the monthly series worked out by hand from a few episodes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from metrics.process_control import ProcessControlSettings, monthly_series, process_control
from tests.support import EPISODE_COLUMNS

DEFAULT = ProcessControlSettings()
ALTERNATING = [10.0, 12.0] * 6  # mean 11, every moving range 2: limits 11 +- 5.32


def run(values, settings=DEFAULT, rate=False):
    months = [f"2015-{i % 12 + 1:02d}" if i < 12 else f"2016-{i % 12 + 1:02d}" for i in range(len(values))]
    return process_control(pd.DataFrame({"month": months, "value": values}), settings, rate=rate)


def marked(table, signal):
    """Positions of the points a signal marks."""
    return [i for i, signals in enumerate(table["signals"]) if signal in signals]


FIXED = ProcessControlSettings(baseline_months=4)  # mean 10 from four points on it; no limits


@pytest.mark.parametrize(
    "values, settings, signal, expected",
    [
        # shift: 7 in a row above the mean marks them; 6 does not; a point on the mean breaks the run
        ([10, 10, 10, 10] + [11] * 7 + [10], FIXED, "shift", list(range(4, 11))),
        ([10, 10, 10, 10] + [11] * 6 + [10], FIXED, "shift", []),
        ([10, 10, 10, 10] + [9] * 7, FIXED, "shift", list(range(4, 11))),
        ([10, 10, 10, 10] + [11] * 3 + [10] + [11] * 4, FIXED, "shift", []),
        # the shift length is a setting
        (
            [10, 10, 10, 10] + [11] * 6,
            ProcessControlSettings(baseline_months=4, shift_points=6),
            "shift",
            list(range(4, 10)),
        ),
        # trend: 6 points each higher than the one before (5 rises) marks them; 5 points do not
        ([5, 1, 2, 3, 4, 5, 6, 5], DEFAULT, "trend", [1, 2, 3, 4, 5, 6]),
        ([5, 1, 2, 3, 4, 5, 5], DEFAULT, "trend", []),
        ([9, 8, 7, 6, 5, 4, 9], DEFAULT, "trend", [0, 1, 2, 3, 4, 5]),
        ([1, 2, 3, 3, 4, 5, 6], DEFAULT, "trend", []),  # an equal value breaks it
        # a point on the upper limit (16.32) is not outside it; just above it is
        (ALTERNATING + [16.32], ProcessControlSettings(baseline_months=12), "outside_limits", []),
        (ALTERNATING + [16.33], ProcessControlSettings(baseline_months=12), "outside_limits", [12]),
        (ALTERNATING + [5.67], ProcessControlSettings(baseline_months=12), "outside_limits", [12]),
        # two of three beyond two thirds of the way to the upper limit (14.55): those points marked
        (ALTERNATING + [15, 11, 15], ProcessControlSettings(baseline_months=12), "two_of_three", [12, 14]),
        (ALTERNATING + [15, 11, 11, 15], ProcessControlSettings(baseline_months=12), "two_of_three", []),
        (ALTERNATING + [7, 7], ProcessControlSettings(baseline_months=12), "two_of_three", [12, 13]),
        # 11 points: no limits, so nothing is outside them however far out
        (ALTERNATING[:10] + [100], DEFAULT, "outside_limits", []),
    ],
)
def test_signal_boundaries(values, settings, signal, expected):
    assert marked(run([float(v) for v in values], settings), signal) == expected


def test_limits_need_twelve_points():
    eleven, twelve = run(ALTERNATING[:11]), run(ALTERNATING)
    assert eleven["upper_limit"].isna().all() and eleven["lower_limit"].isna().all()
    assert eleven["mean"].iloc[0] == pytest.approx(120 / 11)
    assert twelve["mean"].iloc[0] == 11
    assert twelve["upper_limit"].iloc[0] == pytest.approx(16.32)
    assert twelve["lower_limit"].iloc[0] == pytest.approx(5.68)
    assert np.isnan(twelve["moving_range"].iloc[0]) and (twelve["moving_range"].iloc[1:] == 2).all()


def test_outlier_moving_ranges_are_screened_out():
    values = [10.0, 12.0, 10.0, 12.0, 10.0, 12.0, 40.0, 12.0, 10.0, 12.0, 10.0, 12.0]
    table = run(values)
    # ranges 2 x 9 and 28 x 2: mean 6.73, 3.267 x that = 21.98, so both 28s are left out: mean range 2
    assert table["upper_limit"].iloc[0] == pytest.approx(np.mean(values) + 2.66 * 2)
    assert marked(table, "outside_limits") == [6]


def test_rate_limits_are_clipped_to_0_100_and_count_lower_limit_to_0():
    rates = run([95.0, 100.0] * 6, rate=True)
    assert rates["upper_limit"].iloc[0] == 100 and rates["lower_limit"].iloc[0] == pytest.approx(97.5 - 13.3)
    counts = run([0.0, 4.0] * 6)
    assert counts["lower_limit"].iloc[0] == 0 and counts["upper_limit"].iloc[0] == pytest.approx(2 + 10.64)
    unclipped_count = run([95.0, 100.0] * 6)
    assert unclipped_count["upper_limit"].iloc[0] == pytest.approx(110.8)


def test_fixed_baseline_keeps_the_limits_of_the_first_months():
    values = ALTERNATING + [20.0] * 6
    fixed = run(values, ProcessControlSettings(baseline_months=12))
    assert fixed["mean"].iloc[-1] == 11 and fixed["upper_limit"].iloc[-1] == pytest.approx(16.32)
    assert marked(fixed, "outside_limits") == list(range(12, 18))
    every = run(values)
    assert every["mean"].iloc[0] == pytest.approx(np.mean(values))


def test_fewer_baseline_months_than_needed_draws_no_limits():
    table = run(ALTERNATING + [20.0], ProcessControlSettings(baseline_months=11))
    assert table["upper_limit"].isna().all()


def test_empty_series():
    assert run([]).empty


def episodes(rows):
    columns = [
        *EPISODE_COLUMNS,
        "returned_at_date_only",
        "rhi_offered_at_date_only",
        "rhi_completed_at_date_only",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("reported_at", "returned_at", "rhi_offered_at", "rhi_completed_at"):
        frame[column] = pd.to_datetime(frame[column], format="ISO8601")
    return frame


EPISODES = episodes(
    [
        # March: C1 four times (persistent), C2 once
        (
            "E1",
            "C1",
            "missing",
            "care",
            "2015-03-01 10:00",
            "2015-03-02",
            "2015-03-04",
            "completed",
            "2015-03-04",
            True,
            True,
            True,
        ),  # may have lasted 38 h; offered at most 72 h after return (completed too)
        (
            "E2",
            "C1",
            "missing",
            "care",
            "2015-03-05 10:00",
            "2015-03-05",
            "2015-03-08",
            "declined",
            None,
            True,
            True,
            False,
        ),  # at most 14 h; offered up to 96 h after: not certainly within 72 h
        (
            "E3",
            "C1",
            "absent",
            "care",
            "2015-03-10 10:00",
            "2015-03-11 09:00",
            "2015-03-14 09:00",
            "completed",
            "2015-03-14 09:01",
            False,
            False,
            False,
        ),  # 23 h; offered exactly 72 h after; completed 72 h 1 min
        (
            "E4",
            "C1",
            "away",
            "care",
            "2015-03-20 10:00",
            "2015-03-22 10:00",
            None,
            None,
            None,
            False,
            False,
            False,
        ),  # away: not eligible; 48 h
        ("E5", "C2", "missing", "home", "2015-03-25 10:00", None, None, None, None, False, False, False),  # open
        # April: nobody; May: C1 and C2 once each, away only (no eligible episode)
        ("E6", "C1", "away", "care", "2015-05-01 10:00", "2015-05-01 11:00", None, None, None, False, False, False),
        ("E7", "C2", "away", "home", "2015-05-02 10:00", "2015-05-02 11:00", None, None, None, False, False, False),
    ]
)


@pytest.mark.parametrize(
    "measure, values",
    [
        ("episodes", [5, 0, 2]),
        ("children", [2, 0, 2]),
        ("missing", [3, 0, 0]),
        ("from_care", [4, 0, 1]),
        ("over_24_hours", [3, 0, 0]),  # E1 (date-only return), E4 (48 h), E5 (open since March)
        ("persistent", [1, 0, 0]),
    ],
)
def test_monthly_count_series(measure, values):
    series = monthly_series(EPISODES, measure, date(2015, 3, 1), date(2015, 5, 31), as_of=date(2015, 6, 1))
    assert list(series["month"]) == ["2015-03", "2015-04", "2015-05"]
    assert list(series["value"]) == values


@pytest.mark.parametrize(
    "measure, count, percent",
    [("rhi_offered_within_72h", 2, 66.7), ("rhi_completed_within_72h", 1, 33.3)],
)
def test_monthly_rate_series_counts_only_certainly_in_time(measure, count, percent):
    # eligible in March: E1, E2, E3 (E5 has not returned, E4 is away); April and May have none: no point
    series = monthly_series(EPISODES, measure, date(2015, 3, 1), date(2015, 5, 31))
    assert list(series["month"]) == ["2015-03"]
    assert (series["count"].iloc[0], series["denominator"].iloc[0], series["value"].iloc[0]) == (count, 3, percent)


def test_open_episode_not_yet_24_hours_old_is_not_counted():
    series = monthly_series(
        EPISODES.iloc[4:5],
        "over_24_hours",
        date(2015, 3, 1),
        date(2015, 3, 31),
        as_of=pd.Timestamp("2015-03-26 09:00").to_pydatetime(),
    )
    assert list(series["value"]) == [0]


def test_unknown_measure_is_refused():
    with pytest.raises(ValueError, match="unknown measure"):
        monthly_series(EPISODES, "nonsense", date(2015, 3, 1), date(2015, 3, 31))
