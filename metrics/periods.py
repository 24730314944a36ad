"""Reporting periods, defined once for the pages and the committee pack so both show the same dates.

A period is a run of whole days. The presets count back in whole calendar
months from the last full month of the data; comparisons are with the period
just before (of equal length) and with the same dates a year earlier.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

PERIOD_MONTHS = 12

PRESETS = {
    "last_month": "Last full month",
    "last_quarter": "Last full quarter",
    "last_12_months": "Last 12 months",
    "financial_year": "Last financial year (April to March)",
    "custom": "Custom dates",
}
DEFAULT_PRESET = "last_12_months"


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def whole_months(self) -> bool:
        return self.start.day == 1 and self.end == month_end(self.end)

    def label(self) -> str:
        """As the pages say it: 1 Mar 2015 to 31 Mar 2015."""
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"

    def long_label(self) -> str:
        """As the committee pack writes it: 1 March 2015 to 31 March 2015."""
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"

    def short(self) -> str:
        """Mar 2015 to Mar 2015 for whole months (the pack's table headings), else the long label."""
        return f"{self.start:%b %Y} to {self.end:%b %Y}" if self.whole_months else self.long_label()


def financial_year_ending(day: date) -> int:
    """The year of the latest 31 March on or before `day` (the last financial year ended by then)."""
    return day.year if (day.month, day.day) >= (3, 31) else day.year - 1


def last_full_month(latest: date | None, today: date | None = None) -> Period:
    """The month the presets count back from: the last month that ended before today, or the
    month of the latest episode when the data stops earlier (an old extract, the sample)."""
    before_today = (today or date.today()).replace(day=1) - timedelta(days=1)
    end = before_today if latest is None else min(month_end(latest), before_today)
    return Period(end.replace(day=1), end)


def preset_period(preset: str, latest: date | None, today: date | None = None) -> Period:
    """The dates of a period preset, in whole calendar months ending with `last_full_month`."""
    end = last_full_month(latest, today).end
    if preset == "last_month":
        return Period(end.replace(day=1), end)
    if preset == "last_quarter":
        quarter_end = end if end.month % 3 == 0 else month_end(add_months(end, -(end.month % 3)))
        return Period(add_months(quarter_end, -2), quarter_end)
    if preset == "last_12_months":
        return Period(add_months(end, 1 - PERIOD_MONTHS), end)
    if preset == "financial_year":
        year = financial_year_ending(end)
        return Period(date(year - 1, 4, 1), date(year, 3, 31))
    raise ValueError(f"no period preset {preset!r}")


def default_period(latest: date | None, today: date | None = None) -> Period:
    """The 12 calendar months ending with the month of the latest episode (at most last month).

    With no episodes yet, the 12 months ending with last month.
    """
    return preset_period(DEFAULT_PRESET, latest, today)


def meeting_period(latest: date | None, today: date | None = None) -> Period:
    """Meeting mode's period: the last full month (compared with the month before)."""
    return last_full_month(latest, today)


def previous_period(period: Period) -> Period:
    """The period just before, of equal length: whole months when the period is whole months."""
    if period.whole_months:
        months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1
        return Period(add_months(period.start, -months), period.start - timedelta(days=1))
    return Period(period.start - timedelta(days=period.days), period.start - timedelta(days=1))


def year_before(period: Period) -> Period:
    """The same dates a year earlier (29 February becomes 28 February; a month's end stays its end)."""

    def back(day: date) -> date:
        return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)

    end = month_end(back(period.end.replace(day=1))) if period.end == month_end(period.end) else back(period.end)
    return Period(back(period.start), end)


def as_at(period: Period, now: datetime | None = None) -> datetime:
    """The moment open episodes and deadlines are judged at: now, or the period's last moment when it ended earlier."""
    return min(now or datetime.now(), datetime.combine(period.end, time.max))
