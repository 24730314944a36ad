"""Plumbing every page shares: the cached engine and episodes, the period in the URL.

No business rules live here: pages call `metrics` for those. The period is
read from `st.query_params` (checked, falling back to defaults) and written
back on every run, so a URL reproduces the view.
"""

from __future__ import annotations

import calendar
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, func, select

import config
from loaders.database import connect
from loaders.episodes import data_version, load_episodes
from loaders.importer import ImportResult, import_file
from loaders.schema import Episode
from metrics.filters import select_episodes

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
PERIOD_MONTHS = 12


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"


@st.cache_resource
def engine(url: str) -> Engine:
    """One migrated engine per database URL for the whole server."""
    return connect(url)


def current_engine() -> Engine:
    return engine(config.database_url())


@st.cache_data(show_spinner="Loading episodes…")
def _episodes(url: str, version: tuple[int, int]) -> pd.DataFrame:
    return load_episodes(engine(url))


def episodes() -> pd.DataFrame:
    """All episodes, reloaded only when an import changes the data version."""
    url = config.database_url()
    return _episodes(url, data_version(engine(url)))


def clear_episodes() -> None:
    _episodes.clear()


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def default_period(latest: date | None, today: date | None = None) -> Period:
    """The 12 calendar months ending with the month of the latest episode.

    With no episodes yet, the 12 months ending with last month.
    """
    if latest is None:
        latest = (today or date.today()).replace(day=1) - timedelta(days=1)
    end = _month_end(latest)
    return Period(_add_months(end, 1 - PERIOD_MONTHS), end)


def previous_period(period: Period) -> Period:
    """The period just before, of equal length: whole months when the period is whole months."""
    if period.start.day == 1 and period.end == _month_end(period.end):
        months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1
        start = _add_months(period.start, -months)
        return Period(start, period.start - timedelta(days=1))
    return Period(period.start - timedelta(days=period.days), period.start - timedelta(days=1))


def parse_day(value: object) -> date | None:
    """An ISO date (YYYY-MM-DD) within the supported range, else None."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def period_from_params(params: dict, default: Period) -> Period:
    """The period in the URL, or the default when either date is missing, malformed or out of order."""
    start, end = parse_day(params.get("from")), parse_day(params.get("to"))
    if start is None or end is None or start > end:
        return default
    return Period(start, end)


def latest_reported(db: Engine) -> date | None:
    with db.connect() as connection:
        latest = connection.execute(select(func.max(Episode.reported_at))).scalar()
    if latest is None:
        return None
    return pd.Timestamp(latest).date()


def period_sidebar() -> None:
    """The From/To widgets in the sidebar, seeded from the URL and written back to it."""
    default = default_period(latest_reported(current_engine()))
    if "period_from" not in st.session_state or "period_to" not in st.session_state:
        seeded = period_from_params(st.query_params.to_dict(), default)
        st.session_state.period_from, st.session_state.period_to = seeded.start, seeded.end
    st.sidebar.header("Period")
    st.sidebar.date_input("From", key="period_from", min_value=EARLIEST, max_value=LATEST, format="DD/MM/YYYY")
    st.sidebar.date_input("To", key="period_to", min_value=EARLIEST, max_value=LATEST, format="DD/MM/YYYY")
    start, end = st.session_state.period_from, st.session_state.period_to
    if start and end and start <= end:
        st.query_params["from"], st.query_params["to"] = start.isoformat(), end.isoformat()
    else:
        st.sidebar.error("Choose a From date on or before the To date.")


def selected_period() -> Period | None:
    """The period chosen in the sidebar, or None while it is not a valid range."""
    start, end = st.session_state.get("period_from"), st.session_state.get("period_to")
    if not isinstance(start, date) or not isinstance(end, date) or start > end:
        return None
    return Period(start, end)


def import_upload(
    db: Engine,
    name: str,
    content: bytes,
    *,
    dry_run: bool,
    progress: Callable[[float, str], None] | None = None,
) -> ImportResult:
    """Save an uploaded file to a temporary path (keeping its extension) and import it."""
    suffix = Path(name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        return import_file(db, path, display_name=name, dry_run=dry_run, progress=progress)


def messages_frame(result: ImportResult) -> pd.DataFrame:
    """Every message of an import as a table, errors first, in file order."""
    frame = pd.DataFrame(
        [(m.file, m.row, m.column, m.severity, m.text) for m in result.messages],
        columns=["file", "row", "column", "severity", "text"],
    )
    frame["row"] = frame["row"].astype("Int64")
    return frame.sort_values("severity", kind="stable").reset_index(drop=True)


def selected_filters() -> dict[str, list[str]]:
    """The sidebar filters as `metrics.filters.select_episodes` takes them (key -> allowed values).

    INTERIM: the filter widgets land with issue 4; until then no filter.
    """
    return {}


def meeting_mode() -> bool:
    """True when the big-screen meeting view is switched on (INTERIM: lands with issue 4)."""
    return False


@dataclass(frozen=True)
class PageView:
    """What a page shows: the period, the one before, and the filtered episodes of each."""

    period: Period
    previous: Period
    filters: dict[str, list[str]]
    episodes: pd.DataFrame  # every episode, unfiltered (for trends across periods)
    current: pd.DataFrame  # in the period, passing the filters, with derived columns
    before: pd.DataFrame  # in the previous period, passing the filters
    meeting: bool

    def filters_for_audit(self) -> dict:
        return {"from": self.period.start.isoformat(), "to": self.period.end.isoformat(), **self.filters}


def page_view() -> PageView:
    """The period and filters from the sidebar applied to the cached episodes; stops the page
    with a message when the period is not a valid range."""
    period = selected_period()
    if period is None:
        st.warning("Choose a From date on or before the To date in the sidebar.")
        st.stop()
    previous = previous_period(period)
    filters = selected_filters()
    every = episodes()
    return PageView(
        period=period,
        previous=previous,
        filters=filters,
        episodes=every,
        current=select_episodes(every, period.start, period.end, filters),
        before=select_episodes(every, previous.start, previous.end, filters),
        meeting=meeting_mode(),
    )
