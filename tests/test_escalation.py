"""Escalating children (domain.md section 12): a table of cases per reason, at its thresholds."""

import statistics
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from metrics.escalation import EscalationThresholds, _sliding_medians, escalating_children
from tests.support import make_episodes

START, END = date(2015, 1, 1), date(2015, 12, 31)
DAY0 = date(2015, 1, 1)


def reasons(frame, reason, start=START, end=END, thresholds=None):
    table = escalating_children(frame, start, end, thresholds)
    return [(r.subject, r.first_met) for r in table.itertuples() if r.reason == reason]


def starts_on(days, child="C1"):
    """Episodes of one child starting at 10:00 on these day numbers, each back an hour later."""
    rows = []
    for day in days:
        at = DAY0 + timedelta(days=day)
        rows.append({"child_id": child, "reported_at": f"{at} 10:00", "returned_at": f"{at} 11:00"})
    return rows


@pytest.mark.parametrize(
    ("days", "expected_day"),
    [
        ((0, 10, 20, 30, 40, 45, 50, 55), 55),  # recent gaps 5, 5, 5: exactly half of 10
        ((0, 10, 20, 30, 40, 45, 51, 57), None),  # recent median 6: more than half
        ((0, 10, 20, 30, 40, 45, 50), None),  # 7 episodes: not enough to compare
        ((0, 10, 20, 30, 40, 44, 48, 52, 56), 52),  # met first at the eighth episode, once per child
        ((0, 10, 20, 30, 100, 101, 102, 103), 103),  # the gap between the two groups of four counts in neither
    ],
)
def test_more_often(days, expected_day):
    expected = [] if expected_day is None else [("C1", DAY0 + timedelta(days=expected_day))]
    assert reasons(make_episodes(*starts_on(days)), "more_often") == expected


def test_more_often_judges_each_child_on_their_own_episodes():
    rows = starts_on((0, 10, 20, 30), child="C1") + starts_on((40, 45, 50, 55), child="C2")
    assert reasons(make_episodes(*rows), "more_often") == []


def test_more_often_first_met_is_the_first_episode_in_the_period():
    frame = make_episodes(*starts_on((0, 10, 20, 30, 40, 44, 48, 52, 56, 60)))
    assert reasons(frame, "more_often", start=DAY0 + timedelta(days=53)) == [("C1", DAY0 + timedelta(days=56))]
    assert reasons(frame, "more_often", end=DAY0 + timedelta(days=51)) == []


def lasting(*spells, child="C1"):
    """Episodes a week apart; each spell is hours (exact times) or a (reported, returned) pair of texts."""
    rows = []
    for n, spell in enumerate(spells):
        at = DAY0 + timedelta(days=7 * n)
        if isinstance(spell, tuple):
            rows.append({"child_id": child, "reported_at": spell[0], "returned_at": spell[1]})
        elif spell is None:
            rows.append({"child_id": child, "reported_at": f"{at} 10:00", "returned_at": None})
        else:
            left = pd.Timestamp(f"{at} 10:00")
            back = left + pd.Timedelta(hours=spell)
            rows.append(
                {"child_id": child, "reported_at": f"{left:%Y-%m-%d %H:%M}", "returned_at": f"{back:%Y-%m-%d %H:%M:%S}"}
            )
    return rows


@pytest.mark.parametrize(
    ("spells", "met"),
    [
        ((10, 20, 30), True),
        ((10, 20, 24), False),  # the last not over 24 hours
        ((10, 20, 24.02), True),
        ((10, 30, 25), False),  # not rising twice
        ((20, 20, 30), False),  # equal is not a rise
        ((10, None, 30), False),  # an unknown duration breaks the run
        ((5, 10, 20, 30), True),  # the last three rise
        ((10, 20), False),  # two episodes only
        # a date-only return may make the last over 24 hours and longer than the one before: it counts
        ((10, 20, ("2015-01-15 10:00", "2015-01-16")), True),
        # date-only at both ends of a one-day spell: shortest 0, longest 48 hours
        ((10, 20, ("2015-01-15", "2015-01-16")), True),
        # certainly shorter than the one before (at most 14 hours) breaks it
        ((10, 30, ("2015-01-15 10:00", "2015-01-15")), False),
    ],
)
def test_longer(spells, met):
    found = reasons(make_episodes(*lasting(*spells)), "longer")
    assert bool(found) is met


def distances(*miles, child="C1"):
    frame = make_episodes(*starts_on(range(0, 10 * len(miles), 10), child=child))
    frame["distance_miles"] = [float("nan") if m is None else float(m) for m in miles]
    return frame


@pytest.mark.parametrize(
    ("miles", "met"),
    [
        ((2, 3, 4, 21), True),  # median 3
        ((2, 3, 4, 20), False),  # not over 20 miles
        ((10, 11, 12, 22), False),  # not over twice the median 11
        ((10, 11, 12, 22.5), True),
        ((None, 21), False),  # no earlier distance to compare with
        ((5, None, 21), True),  # episodes without a distance are left out of the median
        ((30, 3), False),  # the last episode decides
        ((10, 12, 22.5), True),  # an even count: the median is the mean of the middle two, 11
        ((10, 12, 22), False),
    ],
)
def test_further(miles, met):
    assert bool(reasons(distances(*miles), "further")) is met


def test_further_judges_each_child_on_their_own_earlier_distances():
    """Many children at once, each first met where its own rule first holds (the medians of all the candidates
    are worked out together), as a plain loop with statistics.median finds them."""
    rng = np.random.default_rng(17)
    frames, expected = [], []
    for number in range(40):
        child = f"C{number:02d}"
        miles = [None if rng.random() < 0.2 else float(rng.integers(1, 60)) for _ in range(rng.integers(1, 12))]
        frame = distances(*miles, child=child)
        frame["episode_id"] = [f"{child}-{i}" for i in range(len(frame))]
        frames.append(frame)
        for i, value in enumerate(miles):
            earlier = [m for m in miles[:i] if m is not None]
            if value is not None and value > 20 and earlier and value > 2 * statistics.median(earlier):
                expected.append((child, DAY0 + timedelta(days=10 * i)))
                break
    got = reasons(pd.concat(frames, ignore_index=True), "further")
    assert sorted(got) == sorted(expected) and expected


@pytest.mark.parametrize("width", [1, 2, 3, 4, 5])
def test_sliding_medians_are_numpys(width):
    """The more-often rule's medians of each run of gaps: np.median's numbers, NaN where a run holds one."""
    rng = np.random.default_rng(width)
    values = rng.integers(0, 6, 200).astype("float64")  # ties
    values[rng.random(200) < 0.05] = np.nan
    expected = [np.nan] * (width - 1) + [np.median(values[i - width + 1 : i + 1]) for i in range(width - 1, 200)]
    np.testing.assert_array_equal(_sliding_medians(values, width), expected)


@pytest.mark.parametrize(
    ("concerns", "start", "expected"),
    [
        ((None, False, True, True), START, [("C1", DAY0 + timedelta(days=20))]),
        ((None, None, None), START, []),
        ((True, False, True), DAY0 + timedelta(days=5), []),  # the first concern was before the period
        ((None, None, "cce"), START, [("C1", DAY0 + timedelta(days=20))]),
    ],
)
def test_new_exploitation_concern(concerns, start, expected):
    rows = starts_on(range(0, 10 * len(concerns), 10))
    for row, concern in zip(rows, concerns, strict=True):
        if concern == "cce":
            row["cce_concern"] = True
        else:
            row["cse_concern"] = concern
    assert reasons(make_episodes(*rows), "new_exploitation_concern", start=start) == expected


def test_thresholds_come_from_the_caller():
    frame = distances(2, 3, 4, 15)
    assert reasons(frame, "further") == []
    assert reasons(frame, "further", thresholds=EscalationThresholds(further_miles=10)) != []


def test_episodes_behind_each_reason():
    table = escalating_children(make_episodes(*starts_on((0, 10, 20, 30, 40, 45, 50, 55))), START, END)
    assert table["episode_ids"].tolist() == [["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8"]]


@pytest.mark.parametrize("frame_order", ["by time", "reversed"])
def test_episodes_at_one_time_are_ordered_by_their_id(frame_order):
    """Two episodes of a child reported at one moment come in the order of their ids' text (E10 before E9),
    whether the frame comes in time order (as loaded) or not."""
    rows = starts_on((0, 10, 20, 30, 40, 45, 50, 55, 55))
    rows[8]["episode_id"], rows[7]["episode_id"] = "E10", "E9"
    frame = make_episodes(*rows)
    if frame_order == "reversed":
        frame = frame.iloc[::-1]
    table = escalating_children(frame, START, END)
    assert table["episode_ids"].tolist() == [["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E10"]]
