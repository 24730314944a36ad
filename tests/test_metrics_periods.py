"""Reporting periods (metrics.periods): tables of cases, month ends, leap years and year boundaries.

One home for the periods the pages and the committee pack both show, so the
cases that used to live beside each copy (tests of ui.state, test_app.py,
test_pack.py) are here together.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from metrics.periods import (
    PRESETS,
    Period,
    add_months,
    as_at,
    default_period,
    financial_year_ending,
    last_full_month,
    meeting_period,
    month_end,
    preset_period,
    previous_period,
    year_before,
)

TODAY = date(2026, 11, 23)
LATEST = date(2016, 3, 31)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2015, 1, 1), date(2015, 1, 31)),
        (date(2015, 2, 10), date(2015, 2, 28)),
        (date(2016, 2, 10), date(2016, 2, 29)),  # leap year
        (date(2000, 2, 1), date(2000, 2, 29)),  # divisible by 400: leap
        (date(2100, 2, 1), date(2100, 2, 28)),  # divisible by 100 only: not leap
        (date(2015, 4, 30), date(2015, 4, 30)),
        (date(2015, 12, 31), date(2015, 12, 31)),
    ],
)
def test_month_end(day, expected):
    assert month_end(day) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2015, 3, 31), 0, date(2015, 3, 1)),
        (date(2015, 3, 31), -1, date(2015, 2, 1)),
        (date(2015, 1, 15), -1, date(2014, 12, 1)),  # back over a year boundary
        (date(2015, 12, 15), 1, date(2016, 1, 1)),  # on over a year boundary
        (date(2015, 3, 1), -12, date(2014, 3, 1)),
        (date(2015, 3, 1), -15, date(2013, 12, 1)),
        (date(2016, 2, 29), 12, date(2017, 2, 1)),
    ],
)
def test_add_months_gives_the_first_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("latest", "today", "expected"),
    [
        (date(2016, 3, 31), TODAY, (date(2016, 3, 1), date(2016, 3, 31))),
        (date(2015, 3, 28), TODAY, (date(2015, 3, 1), date(2015, 3, 31))),
        (date(2026, 11, 20), TODAY, (date(2026, 10, 1), date(2026, 10, 31))),  # this month is not over
        (date(2026, 10, 2), TODAY, (date(2026, 10, 1), date(2026, 10, 31))),
        (None, date(2026, 1, 5), (date(2025, 12, 1), date(2025, 12, 31))),  # back over a year boundary
        (None, date(2024, 3, 1), (date(2024, 2, 1), date(2024, 2, 29))),  # a leap February
    ],
)
def test_last_full_month_is_capped_by_today_and_by_the_data(latest, today, expected):
    month = last_full_month(latest, today)
    assert (month.start, month.end) == expected


@pytest.mark.parametrize(
    ("preset", "latest", "expected"),
    [
        ("last_month", date(2016, 3, 31), (date(2016, 3, 1), date(2016, 3, 31))),
        ("last_month", date(2016, 2, 3), (date(2016, 2, 1), date(2016, 2, 29))),
        ("last_quarter", date(2016, 3, 31), (date(2016, 1, 1), date(2016, 3, 31))),
        ("last_quarter", date(2016, 2, 10), (date(2015, 10, 1), date(2015, 12, 31))),
        ("last_quarter", date(2015, 1, 10), (date(2014, 10, 1), date(2014, 12, 31))),
        ("last_quarter", date(2015, 8, 1), (date(2015, 4, 1), date(2015, 6, 30))),
        ("last_quarter", date(2015, 12, 5), (date(2015, 10, 1), date(2015, 12, 31))),
        ("last_12_months", date(2016, 3, 31), (date(2015, 4, 1), date(2016, 3, 31))),
        ("last_12_months", date(2015, 12, 1), (date(2015, 1, 1), date(2015, 12, 31))),
        ("last_12_months", date(2016, 2, 10), (date(2015, 3, 1), date(2016, 2, 29))),
        ("financial_year", date(2016, 3, 31), (date(2015, 4, 1), date(2016, 3, 31))),
        ("financial_year", date(2016, 2, 1), (date(2014, 4, 1), date(2015, 3, 31))),
        ("financial_year", date(2015, 10, 9), (date(2014, 4, 1), date(2015, 3, 31))),
        ("financial_year", date(2015, 4, 9), (date(2014, 4, 1), date(2015, 3, 31))),
    ],
)
def test_preset_periods_are_whole_months(preset, latest, expected):
    period = preset_period(preset, latest, TODAY)
    assert (period.start, period.end) == expected
    assert period.whole_months


def test_every_preset_but_custom_has_dates_and_an_unknown_one_is_refused():
    assert all(preset_period(p, LATEST, TODAY).days > 0 for p in PRESETS if p != "custom")
    with pytest.raises(ValueError):
        preset_period("last_decade", LATEST, TODAY)


@pytest.mark.parametrize(
    ("latest", "today", "expected"),
    [
        (date(2015, 3, 28), None, (date(2014, 4, 1), date(2015, 3, 31))),
        (date(2016, 3, 31), None, (date(2015, 4, 1), date(2016, 3, 31))),
        (date(2015, 1, 1), None, (date(2014, 2, 1), date(2015, 1, 31))),
        (date(2016, 2, 10), None, (date(2015, 3, 1), date(2016, 2, 29))),
        (None, date(2025, 1, 15), (date(2024, 1, 1), date(2024, 12, 31))),
    ],
)
def test_default_period_is_twelve_months_to_the_latest_episode(latest, today, expected):
    period = default_period(latest, today=today)
    assert (period.start, period.end) == expected


def test_meeting_period_is_the_last_full_month_against_the_month_before():
    month = meeting_period(date(2016, 3, 12), TODAY)
    assert (month.start, month.end) == (date(2016, 3, 1), date(2016, 3, 31))
    before = previous_period(month)
    assert (before.start, before.end) == (date(2016, 2, 1), date(2016, 2, 29))


@pytest.mark.parametrize(
    ("period", "previous", "last_year"),
    [
        (  # one month: the month before, a leap February
            (date(2016, 3, 1), date(2016, 3, 31)),
            (date(2016, 2, 1), date(2016, 2, 29)),
            (date(2015, 3, 1), date(2015, 3, 31)),
        ),
        (  # twelve months: the twelve before
            (date(2014, 4, 1), date(2015, 3, 31)),
            (date(2013, 4, 1), date(2014, 3, 31)),
            (date(2013, 4, 1), date(2014, 3, 31)),
        ),
        (  # a quarter, back over a year boundary
            (date(2015, 1, 1), date(2015, 3, 31)),
            (date(2014, 10, 1), date(2014, 12, 31)),
            (date(2014, 1, 1), date(2014, 3, 31)),
        ),
        (  # whole months: the 7 months before
            (date(2014, 10, 1), date(2015, 4, 30)),
            (date(2014, 3, 1), date(2014, 9, 30)),
            (date(2013, 10, 1), date(2014, 4, 30)),
        ),
        (  # days: the 10 days before
            (date(2015, 3, 10), date(2015, 3, 19)),
            (date(2015, 2, 28), date(2015, 3, 9)),
            (date(2014, 3, 10), date(2014, 3, 19)),
        ),
        (  # one day
            (date(2015, 3, 5), date(2015, 3, 5)),
            (date(2015, 3, 4), date(2015, 3, 4)),
            (date(2014, 3, 5), date(2014, 3, 5)),
        ),
        (  # a leap February a year back ends on the 28th
            (date(2016, 2, 1), date(2016, 2, 29)),
            (date(2016, 1, 1), date(2016, 1, 31)),
            (date(2015, 2, 1), date(2015, 2, 28)),
        ),
        (  # a February a year back into a leap year ends on the 29th (a month's end stays its end)
            (date(2017, 2, 1), date(2017, 2, 28)),
            (date(2017, 1, 1), date(2017, 1, 31)),
            (date(2016, 2, 1), date(2016, 2, 29)),
        ),
        (  # days ending on 29 February: the day before has 29 days of its own
            (date(2016, 2, 20), date(2016, 2, 29)),
            (date(2016, 2, 10), date(2016, 2, 19)),
            (date(2015, 2, 20), date(2015, 2, 28)),
        ),
        (  # days over the new year
            (date(2015, 12, 27), date(2016, 1, 4)),
            (date(2015, 12, 18), date(2015, 12, 26)),
            (date(2014, 12, 27), date(2015, 1, 4)),
        ),
    ],
)
def test_comparison_periods(period, previous, last_year):
    assert previous_period(Period(*period)) == Period(*previous)
    assert year_before(Period(*period)) == Period(*last_year)
    assert Period(*previous).days == Period(*period).days or Period(*period).whole_months


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2015, 3, 30), 2014),
        (date(2015, 3, 31), 2015),
        (date(2015, 4, 1), 2015),
        (date(2016, 1, 1), 2015),
        (date(2016, 12, 31), 2016),
    ],
)
def test_financial_year_ending_is_the_latest_31_march(day, expected):
    assert financial_year_ending(day) == expected


@pytest.mark.parametrize(
    ("period", "label", "long_label", "short"),
    [
        (
            (date(2015, 3, 1), date(2015, 3, 31)),
            "1 Mar 2015 to 31 Mar 2015",
            "1 March 2015 to 31 March 2015",
            "Mar 2015 to Mar 2015",
        ),
        (
            (date(2015, 3, 10), date(2015, 3, 19)),
            "10 Mar 2015 to 19 Mar 2015",
            "10 March 2015 to 19 March 2015",
            "10 March 2015 to 19 March 2015",
        ),
    ],
)
def test_labels_for_the_pages_and_the_pack(period, label, long_label, short):
    shown = Period(*period)
    assert (shown.label(), shown.long_label(), shown.short()) == (label, long_label, short)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2015, 3, 20, 9, 30), datetime(2015, 3, 20, 9, 30)),  # the period is not over: now
        (datetime(2026, 11, 23, 9, 30), datetime(2015, 3, 31, 23, 59, 59, 999999)),  # it ended: its last moment
    ],
)
def test_as_at_is_now_or_the_end_of_the_period(now, expected):
    assert as_at(Period(date(2015, 3, 1), date(2015, 3, 31)), now) == expected
