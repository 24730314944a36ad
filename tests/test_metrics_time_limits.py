"""Doubt resolves towards the child (domain.md section 4): one table of cases at each boundary,
run through the rule itself and through every metric with a time limit.

A date-only time (written without a time) counts as 00:00 where it opens the
interval and 24:00 where it closes it; a trigger fires when that longest
possible gap is over the limit, a deadline is met only when it is at most
the limit.
"""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from metrics.children import child_timeline
from metrics.quality import completeness
from metrics.return_interviews import date_only_eligible, return_interviews, safe_and_well
from metrics.time_limits import certainly_within, has_date_only_time, longest_gap, may_exceed, shortest_gap
from metrics.triggers import triggers
from tests.support import make_episodes

# (earlier, later, longest possible hours between them); 72 is the limit
SEVENTY_TWO = [
    ("2015-03-01 10:00", "2015-03-04 10:00", 72),  # both exact: at the limit
    ("2015-03-01 10:00", "2015-03-04 10:01", 72 + 1 / 60),  # one minute over
    ("2015-03-01", "2015-03-04 00:00", 72),  # opening date-only: from 00:00
    ("2015-03-01", "2015-03-04 00:01", 72 + 1 / 60),
    ("2015-03-01 00:00", "2015-03-03", 72),  # closing date-only: to 24:00
    ("2015-02-28 23:59", "2015-03-03", 72 + 1 / 60),
    ("2015-03-01 10:00", "2015-03-03", 62),
    ("2015-03-01 10:00", "2015-03-04", 86),  # 62 hours if early that day, 86 if late: in doubt
    ("2015-03-01", "2015-03-03", 72),  # both date-only (the domain's example): within
    ("2015-03-01", "2015-03-04", 96),  # offered 4 March: up to 96 hours, not within
]
# the same for the 24-hour safe and well check
TWENTY_FOUR = [
    ("2015-03-01 10:00", "2015-03-02 10:00", 24),
    ("2015-03-01 10:00", "2015-03-02 10:01", 24 + 1 / 60),
    ("2015-03-01", "2015-03-02 00:00", 24),
    ("2015-03-01", "2015-03-02 00:01", 24 + 1 / 60),
    ("2015-03-01 00:00", "2015-03-01", 24),
    ("2015-02-28 23:59", "2015-03-01", 24 + 1 / 60),
    ("2015-03-01 10:00", "2015-03-02", 38),  # 14 hours if early that day: in doubt
    ("2015-03-01", "2015-03-01", 24),
    ("2015-03-01", "2015-03-02", 48),
]
OVER_72 = [(earlier, later, hours > 72) for earlier, later, hours in SEVENTY_TWO]
WITHIN_72 = [(earlier, later, hours <= 72) for earlier, later, hours in SEVENTY_TWO]
WITHIN_24 = [(earlier, later, hours <= 24) for earlier, later, hours in TWENTY_FOUR]


def pair(earlier, later):
    """start, start_date_only, end, end_date_only as the importer reads them (no clock: date-only)."""
    frame = make_episodes({"returned_at": earlier}, {"returned_at": later})
    values, flags = frame["returned_at"].to_numpy(), frame["returned_at_date_only"].to_numpy(dtype=bool)
    return values[:1], flags[:1], values[1:], flags[1:]


@pytest.mark.parametrize(("earlier", "later", "hours"), SEVENTY_TWO + TWENTY_FOUR)
def test_longest_gap_opens_a_date_only_time_at_00_and_closes_it_at_24(earlier, later, hours):
    gap = longest_gap(*pair(earlier, later))
    assert gap[0] == np.timedelta64(round(hours * 60), "m")


@pytest.mark.parametrize(
    ("earlier", "later", "hours"),
    [
        ("2015-03-01 10:00", "2015-03-04 10:00", 72),
        ("2015-03-01", "2015-03-04 00:00", 48),  # at the latest 23:59 the first day
        ("2015-03-01 10:00", "2015-03-04", 62),
        ("2015-03-01", "2015-03-04", 48),
    ],
)
def test_shortest_gap_closes_the_earlier_at_24_and_opens_the_later_at_00(earlier, later, hours):
    gap = shortest_gap(*pair(earlier, later))
    assert gap[0] == np.timedelta64(hours, "h")


def test_a_blank_time_is_neither_over_nor_within():
    frame = make_episodes({"returned_at": None, "rhi_offered_at": None}, {"returned_at": "2015-03-02"})
    assert may_exceed(frame, "returned_at", "rhi_offered_at", 72).tolist() == [False, False]
    assert certainly_within(frame, "returned_at", "rhi_offered_at", 72).tolist() == [False, False]
    no_flags = np.zeros(2, dtype=bool)
    assert np.isnat(longest_gap(frame["reported_at"], no_flags, frame["returned_at"], no_flags)[0])


@pytest.mark.parametrize(("reported", "returned", "fires"), OVER_72)
def test_missing_over_72_hours_fires_when_it_may_have_lasted_over_72(reported, returned, fires):
    frame = make_episodes({"reported_at": reported, "returned_at": returned})
    table = triggers(frame, as_of=date(2016, 1, 1))
    over = table[table["trigger"] == "missing_over_72_hours"]
    # first_met: the date of reported_at (00:00 if date-only) + 72 hours
    expected = [(date(2015, 3, 4) if reported.startswith("2015-03-01") else date(2015, 3, 3))] if fires else []
    assert over["first_met"].tolist() == expected
    overdue = table[table["trigger"] == "strategy_meeting_overdue"]
    assert len(overdue) == int(fires)  # no strategy meeting was held


@pytest.mark.parametrize(("returned", "offered", "within"), WITHIN_72)
def test_interview_offered_within_72_hours_only_when_certainly_within(returned, offered, within):
    frame = make_episodes({"reported_at": "2015-02-28 09:00", "returned_at": returned, "rhi_offered_at": offered})
    rates = return_interviews(frame).set_index(["group", "measure"])
    assert rates.loc[("all", "offered"), "count"] == 1
    assert rates.loc[("all", "offered_within_72h"), "count"] == int(within)


@pytest.mark.parametrize(("returned", "completed", "within"), WITHIN_72)
def test_interview_completed_within_72_hours_only_when_certainly_within(returned, completed, within):
    frame = make_episodes(
        {
            "reported_at": "2015-02-28 09:00",
            "returned_at": returned,
            "rhi_outcome": "completed",
            "rhi_completed_at": completed,
        }
    )
    rates = return_interviews(frame).set_index(["group", "measure"])
    assert rates.loc[("all", "completed"), "count"] == 1
    assert rates.loc[("all", "completed_within_72h"), "count"] == int(within)


@pytest.mark.parametrize(("returned", "checked", "within"), WITHIN_24)
def test_safe_and_well_within_24_hours_only_when_certainly_within(returned, checked, within):
    frame = make_episodes({"reported_at": "2015-02-28 09:00", "returned_at": returned, "safe_and_well_at": checked})
    assert safe_and_well(frame).set_index("group").loc["all", "count"] == int(within)
    timeline = child_timeline(frame, "C1", as_of=date(2016, 1, 1))
    assert bool(timeline["safe_and_well_within_24h"].iloc[0]) is within


@pytest.mark.parametrize(("reported", "returned", "applies"), OVER_72)
def test_strategy_meeting_completeness_counts_the_episodes_the_alert_counts(reported, returned, applies):
    frame = make_episodes({"reported_at": reported, "returned_at": returned})
    row = completeness(frame).set_index("field").loc["strategy_meeting_at"]
    assert row["episodes"] == int(applies)


def test_open_date_only_episode_counts_72_hours_from_00_00_of_its_day():
    frame = make_episodes({"reported_at": "2015-03-02", "returned_at": None})
    for as_of, fires in (
        (pd.Timestamp("2015-03-05 00:00").to_pydatetime(), False),
        (pd.Timestamp("2015-03-05 00:01").to_pydatetime(), True),
    ):
        table = triggers(frame, as_of=as_of)
        met = table.loc[table["trigger"] == "missing_over_72_hours", "first_met"].tolist()
        assert met == ([date(2015, 3, 5)] if fires else [])


@pytest.mark.parametrize(
    ("rows", "columns", "expected"),
    [
        ([{}], ("reported_at", "returned_at"), [False]),
        ([{"reported_at": "2015-03-02"}], ("reported_at", "returned_at"), [True]),
        ([{"returned_at": "2015-03-02"}], ("reported_at",), [False]),
        ([{"safe_and_well_at": "2015-03-02"}], ("reported_at", "returned_at"), [False]),  # not a time of this limit
        ([{"returned_at": "2015-03-03 10:00"}, {"returned_at": "2015-03-03"}], ("returned_at",), [False, True]),
    ],
)
def test_has_date_only_time_looks_only_at_the_times_given(rows, columns, expected):
    assert has_date_only_time(make_episodes(*rows), columns).tolist() == expected


def test_date_only_eligible_counts_eligible_episodes_with_a_date_only_interview_time():
    frame = make_episodes(
        {"returned_at": "2015-03-03 10:00", "rhi_offered_at": "2015-03-04 10:00"},  # exact
        {"returned_at": "2015-03-03", "rhi_offered_at": "2015-03-04 10:00"},  # date-only return
        {"returned_at": "2015-03-03 10:00", "rhi_outcome": "completed", "rhi_completed_at": "2015-03-05"},
        {"reported_at": "2015-03-02", "returned_at": "2015-03-03 10:00"},  # date-only report: no interview limit
        {"returned_at": "2015-03-03", "category": "away"},  # not eligible
        {"returned_at": None},  # not returned: not eligible
    )
    assert date_only_eligible(frame) == (2, 4)
    assert date_only_eligible(frame.iloc[:0]) == (0, 0)
