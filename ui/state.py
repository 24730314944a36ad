"""Plumbing every page shares: the cached engine and episodes, and the view in the URL.

No business rules live here: pages call `metrics` for those. The view (period
preset and dates, the sidebar filters, meeting mode) is read from
`st.query_params` once per session, checked against the values each key may
take (anything else is dropped with a note, never an exception), and written
back on every run, so a copied URL reproduces the view.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, func, select

import config
from charts import theme
from config.canonical import (
    BOOLEAN_ALIASES,
    CATEGORIES,
    MISSING_FROM,
    NOT_KNOWN,
    PLACEMENT_TYPES,
    POLICE_RISKS,
    SEXES,
    SWITCH_WORDS,
    YES_NO,
)
from loaders.database import connect
from loaders.episodes import data_version, load_episodes
from loaders.importer import ImportResult, import_uploads
from loaders.schema import Episode
from metrics.filters import (
    AGE_BANDS,
    ETHNIC_GROUP_BANDS,
    FILTER_KEYS,
    locality_names,
    select_episodes,
    with_derived,
)

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


@st.cache_resource(show_spinner="Loading episodes…", max_entries=2)
def _episodes(url: str, version: tuple[int, int]) -> pd.DataFrame:
    """One frame for the whole server, with the derived columns worked out once.

    A resource, not cache_data: cache_data hands every page run its own
    unpickled copy (about 1 GB at a million episodes). Nothing may change
    it in place: metrics and pages take copies (pandas copy-on-write).
    """
    return with_derived(load_episodes(engine(url)), config.settings().authority.lad_codes)


def episodes() -> pd.DataFrame:
    """All episodes, reloaded only when an import changes the data version."""
    url = config.database_url()
    return _episodes(url, data_version(engine(url)))


def clear_episodes() -> None:
    _episodes.clear()
    _establishments.clear()


@st.cache_data(show_spinner=False)
def _establishments(url: str, version: tuple[int, int]) -> dict[str, str]:
    frame = _episodes(url, version)[["establishment_id", "establishment_name"]].dropna(subset=["establishment_id"])
    frame = frame.drop_duplicates("establishment_id").sort_values("establishment_id")
    return {
        str(i): (str(n) if pd.notna(n) else "")
        for i, n in zip(frame["establishment_id"], frame["establishment_name"], strict=True)
    }


def establishments() -> dict[str, str]:
    """establishment_id -> name of every establishment with an episode: the Establishment filter's values."""
    url = config.database_url()
    return _establishments(url, data_version(engine(url)))


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


# ---- periods ------------------------------------------------------------------

PRESETS = {
    "last_month": "Last full month",
    "last_quarter": "Last full quarter",
    "last_12_months": "Last 12 months",
    "financial_year": "Last financial year (April to March)",
    "custom": "Custom dates",
}
DEFAULT_PRESET = "last_12_months"


def last_full_month(latest: date | None, today: date | None = None) -> Period:
    """The month the presets count back from: the last month that ended before today, or the
    month of the latest episode when the data stops earlier (an old extract, the sample)."""
    before_today = (today or date.today()).replace(day=1) - timedelta(days=1)
    end = before_today if latest is None else min(_month_end(latest), before_today)
    return Period(end.replace(day=1), end)


def preset_period(preset: str, latest: date | None, today: date | None = None) -> Period:
    """The dates of a period preset, in whole calendar months ending with `last_full_month`."""
    end = last_full_month(latest, today).end
    if preset == "last_month":
        return Period(end.replace(day=1), end)
    if preset == "last_quarter":
        quarter_end = end if end.month % 3 == 0 else _month_end(_add_months(end.replace(day=1), -(end.month % 3)))
        return Period(_add_months(quarter_end.replace(day=1), -2), quarter_end)
    if preset == "last_12_months":
        return Period(_add_months(end.replace(day=1), 1 - PERIOD_MONTHS), end)
    if preset == "financial_year":
        year = end.year if end.month >= 3 else end.year - 1  # the financial year ending on the latest 31 March
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
    start, end = parse_day(_first(params.get("from"))), parse_day(_first(params.get("to")))
    if start is None or end is None or start > end:
        return default
    return Period(start, end)


def latest_reported(db: Engine) -> date | None:
    with db.connect() as connection:
        latest = connection.execute(select(func.max(Episode.reported_at))).scalar()
    if latest is None:
        return None
    return pd.Timestamp(latest).date()


# ---- filters ------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """One sidebar filter: its key (a `metrics.filters.FILTER_KEYS` name, also its URL parameter)."""

    key: str
    label: str
    values: tuple[str, ...] = ()  # empty: taken from the configuration or the data at run time


SIDEBAR_FILTERS = (
    Filter("category", "Category", CATEGORIES),
    Filter("missing_from", "Missing from home or care", MISSING_FROM),
    Filter("locality", "Locality"),
    Filter("placement_type", "Placement type", PLACEMENT_TYPES + (NOT_KNOWN,)),
    Filter("establishment_id", "Establishment"),
    Filter("out_of_area", "Placed out of area", YES_NO),
    Filter("sex", "Sex", SEXES + (NOT_KNOWN,)),
    Filter("ethnic_group", "Ethnic group", ETHNIC_GROUP_BANDS),
    Filter("age_band", "Age band", AGE_BANDS),
    Filter("police_risk", "Police risk", POLICE_RISKS + (NOT_KNOWN,)),
    Filter("cse_concern", "CSE concern", YES_NO),
    Filter("cce_concern", "CCE concern", YES_NO),
)
FILTER_LABELS = {f.key: f.label for f in SIDEBAR_FILTERS}
VIEW_PARAMS = ("from", "to", "period", "meeting") + tuple(f.key for f in SIDEBAR_FILTERS)


def filter_options(establishment_ids: Sequence[str] = ()) -> dict[str, tuple[str, ...]]:
    """The values each sidebar filter may take: vocabularies, bands, localities, establishments in the data."""
    dynamic = {"locality": locality_names(), "establishment_id": tuple(establishment_ids)}
    return {f.key: f.values or dynamic[f.key] for f in SIDEBAR_FILTERS}


def _first(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def shown_value(text: str) -> str:
    """A value from a URL made safe to show in a note (no Markdown, no links, short)."""
    return re.sub(r"[^A-Za-z0-9 _.&/'+-]", "?", text)[:40]


def _canonical(text: str, allowed: Sequence[str], yes_no: bool) -> str | None:
    word = text.strip().lower()
    if yes_no:
        word = BOOLEAN_ALIASES.get(word, word)
    return next((value for value in allowed if value.lower() == word), None)


def filters_from_params(
    params: Mapping[str, object], options: Mapping[str, Sequence[str]]
) -> tuple[dict[str, list[str]], list[str]]:
    """The sidebar filters a URL asks for, each value checked against `options`.

    A key may be repeated (`category=missing&category=absent`) or carry a comma
    list (`category=missing,absent`); case does not matter. Returns the filters
    (key -> canonical values, keys with no value left out) and a note for
    every value or key that was dropped.
    """
    filters: dict[str, list[str]] = {}
    notes: list[str] = []
    for key, allowed in options.items():
        yes_no = tuple(allowed) == YES_NO
        chosen: list[str] = []
        for item in _as_list(params.get(key)):
            parts = [item] if _canonical(item, allowed, yes_no) else item.split(",")
            for part in (p for p in parts if p.strip()):
                value = _canonical(part, allowed, yes_no)
                if value is None:
                    notes.append(f"{FILTER_LABELS[key]}: '{shown_value(part)}' is not one of its values, ignored.")
                elif value not in chosen:
                    chosen.append(value)
        if chosen:
            filters[key] = chosen
    for key in params:
        if key in FILTER_KEYS and key not in options:
            notes.append(f"'{shown_value(key)}' is not a sidebar filter, ignored.")
    return filters, notes


def meeting_from_params(params: Mapping[str, object]) -> tuple[bool, list[str]]:
    """`meeting=1` (or yes/true/on) switches meeting mode on; anything unreadable is a note."""
    value = _first(params.get("meeting"))
    if value is None or str(value).strip() == "":
        return False, []
    word = str(value).strip().lower()
    if word in SWITCH_WORDS:
        return SWITCH_WORDS[word], []
    return False, [f"Meeting mode: '{shown_value(str(value))}' is not 1 or 0, ignored."]


def period_from_view_params(
    params: Mapping[str, object], latest: date | None, today: date | None = None
) -> tuple[str, Period, list[str]]:
    """The preset and dates a URL asks for.

    Valid `from`/`to` dates win (so a copied URL keeps its dates after new data
    lands); the preset is kept when it gives the same dates, else `custom`.
    Without valid dates, a valid `period` preset, else the default.
    """
    notes = []
    start, end = parse_day(_first(params.get("from"))), parse_day(_first(params.get("to")))
    preset = _first(params.get("period"))
    if preset is not None and preset not in PRESETS:
        notes.append(f"Period: '{shown_value(str(preset))}' is not a period preset, ignored.")
        preset = None
    if start is not None and end is not None and start <= end:
        period = Period(start, end)
        candidates = [preset] if preset else [p for p in PRESETS if p != "custom"]
        for name in candidates:
            if name != "custom" and preset_period(name, latest, today) == period:
                return name, period, notes
        return "custom", period, notes
    if params.get("from") is not None or params.get("to") is not None:
        notes.append("Period: the link's From and To dates are not a valid range, ignored.")
    if preset and preset != "custom":
        return preset, preset_period(preset, latest, today), notes
    return DEFAULT_PRESET, default_period(latest, today), notes


@dataclass(frozen=True)
class View:
    """Everything a URL says about what to show."""

    preset: str
    period: Period
    filters: dict[str, list[str]]
    meeting: bool
    notes: list[str] = field(default_factory=list)


def view_from_params(
    params: Mapping[str, object],
    latest: date | None,
    options: Mapping[str, Sequence[str]],
    today: date | None = None,
) -> View:
    preset, period, period_notes = period_from_view_params(params, latest, today)
    filters, filter_notes = filters_from_params(params, options)
    meeting, meeting_notes = meeting_from_params(params)
    return View(preset, period, filters, meeting, period_notes + filter_notes + meeting_notes)


def view_params(view: View) -> dict[str, str | list[str]]:
    """The URL parameters that reproduce a view (the inverse of `view_from_params`)."""
    params: dict[str, str | list[str]] = {
        "from": view.period.start.isoformat(),
        "to": view.period.end.isoformat(),
        "period": view.preset,
    }
    params.update({key: list(values) for key, values in view.filters.items() if values})
    if view.meeting:
        params["meeting"] = "1"
    return params


# ---- the sidebar ----------------------------------------------------------------

WIDGET_KEYS = ("meeting", "period_preset", "period_from", "period_to") + tuple(
    f"filter_{f.key}" for f in SIDEBAR_FILTERS
)
NOTES_KEY = "_view_notes"
LATEST_KEY = "_latest_reported"
PAGE_KEY = "_page"

MEETING_CSS = """<style>
/* Meeting mode: readable from the back of a room (every text at least 16 px). */
.stApp { font-size: 20px; }
.stApp p, .stApp li, .stApp label, .stApp td, .stApp th { font-size: max(1.1rem, 18px); }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * { font-size: 1.15rem !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: 3.4rem !important; line-height: 1.15; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { font-size: 1.15rem !important; }
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * { font-size: 1.05rem !important; }
.stApp h1, .stApp h1 * { font-size: 2.8rem !important; }
.stApp h2, .stApp h2 * { font-size: 2.2rem !important; }
.stApp h3, .stApp h3 * { font-size: 1.8rem !important; }
[data-testid="stTable"] td, [data-testid="stTable"] th { font-size: 1.2rem !important; }
[data-testid="stMain"] [data-testid="stDownloadButton"] { display: none; }
</style>"""


# Every page, whatever the mode: WCAG 2.2 target size (24 px) for the date fields' day, month and year
# parts, and a focus ring on every link and control a keyboard reaches (Streamlit draws none on links).
ACCESSIBLE_CSS = """<style>
[data-testid="stDateInput"] [role="spinbutton"] { display: inline-block; min-width: 24px; min-height: 24px;
  text-align: center; }
.stApp a:focus-visible, .stApp button:focus-visible, .stApp [role="spinbutton"]:focus-visible {
  outline: 3px solid #12436D; outline-offset: 2px; }
</style>"""
PAGE_LINKS_KEY = "page_links"


def page_links(sections: Mapping[str, Sequence[object]]) -> None:
    """The router's pages as links in the sidebar, under their section names (app.py hides Streamlit's menu).

    Streamlit's own menu puts each section's <li> items in a <div> inside the <ul>, which screen readers
    misread (axe: list, listitem); st.page_link draws a plain link a keyboard reaches in order."""
    st.html(ACCESSIBLE_CSS)
    with st.sidebar.container(key=PAGE_LINKS_KEY):
        for section, pages in sections.items():
            st.caption(f"**{section}**")
            for page in pages:
                st.page_link(page)


def _seed_from_url(latest: date | None, options: Mapping[str, Sequence[str]]) -> None:
    """First run of a session: the widgets start from the URL (checked)."""
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    view = view_from_params(params, latest, options)
    st.session_state.meeting = view.meeting
    st.session_state.period_preset = view.preset
    st.session_state.period_from, st.session_state.period_to = view.period.start, view.period.end
    for key in options:
        st.session_state[f"filter_{key}"] = list(view.filters.get(key, []))
    st.session_state[NOTES_KEY] = view.notes


def _keep_widget_state(options: Mapping[str, Sequence[str]]) -> None:
    """Keep the view while its widgets are hidden (meeting mode): Streamlit forgets the state
    of widgets not drawn in a run unless it is written back first. Also drops values that
    are no longer allowed (an establishment that left the data)."""
    for key in WIDGET_KEYS:
        if key in st.session_state:
            value = st.session_state[key]
            if key.startswith("filter_"):
                allowed = options[key.removeprefix("filter_")]
                value = [v for v in value if v in allowed]
            st.session_state[key] = value


def _clear_notes() -> None:
    st.session_state[NOTES_KEY] = []


def _apply_preset() -> None:
    _clear_notes()
    preset = st.session_state.get("period_preset")
    if preset and preset != "custom":
        period = preset_period(preset, st.session_state.get(LATEST_KEY))
        st.session_state.period_from, st.session_state.period_to = period.start, period.end


def _dates_changed() -> None:
    _clear_notes()
    st.session_state.period_preset = "custom"


def _clear_filters() -> None:
    _clear_notes()
    for f in SIDEBAR_FILTERS:
        st.session_state[f"filter_{f.key}"] = []


def option_label(key: str, value: str, names: Mapping[str, str] | None = None) -> str:
    """How a filter value reads in the sidebar (`no_apparent_risk` -> `No apparent risk`)."""
    if key == "establishment_id":
        name = (names or {}).get(value)
        return f"{name} ({value})" if name else value
    if value == NOT_KNOWN or key in ("locality", "ethnic_group", "age_band"):
        return value
    return value.replace("_", " ").capitalize()


def _write_url(view: View) -> None:
    """Our parameters only: other pages' own parameters (e.g. a child id) are left alone."""
    wanted = view_params(view)
    for key in VIEW_PARAMS:
        if key in wanted:
            value = wanted[key]
            if st.query_params.get_all(key) != _as_list(value):
                st.query_params[key] = value
        elif key in st.query_params:
            del st.query_params[key]


def sidebar(page: object | None = None) -> None:
    """The meeting switch, period and filters in the sidebar, seeded from the URL and written back
    to it. Called by app.py on every run, before the page."""
    if page is not None:
        st.session_state[PAGE_KEY] = getattr(page, "url_path", "") or "overview"
    latest = latest_reported(current_engine())
    st.session_state[LATEST_KEY] = latest
    names = establishments()
    options = filter_options(tuple(names))
    if "period_from" not in st.session_state or "meeting" not in st.session_state:
        _seed_from_url(latest, options)
    _keep_widget_state(options)

    meeting = st.sidebar.toggle(
        "Meeting mode",
        key="meeting",
        on_change=_clear_notes,
        help="Big type for a projector: the last full month against the month before, no downloads.",
    )
    theme.use(meeting)
    if meeting:
        st.html(MEETING_CSS)
        period = meeting_period(latest)
        st.sidebar.caption(f"Last full month: {period.label()}, against the month before.")
        active = [FILTER_LABELS[k] for k in options if st.session_state.get(f"filter_{k}")]
        if active:
            st.sidebar.caption("Filters: " + ", ".join(active) + ".")
    else:
        st.sidebar.header("Period")
        st.sidebar.selectbox(
            "Period",
            list(PRESETS),
            format_func=PRESETS.get,
            key="period_preset",
            on_change=_apply_preset,
            label_visibility="collapsed",
        )
        st.sidebar.date_input(
            "From",
            key="period_from",
            min_value=EARLIEST,
            max_value=LATEST,
            format="DD/MM/YYYY",
            on_change=_dates_changed,
        )
        st.sidebar.date_input(
            "To", key="period_to", min_value=EARLIEST, max_value=LATEST, format="DD/MM/YYYY", on_change=_dates_changed
        )
        if selected_period() is None:
            st.sidebar.error("Choose a From date on or before the To date.")
        active = any(st.session_state.get(f"filter_{k}") for k in options)
        with st.sidebar.expander("Filters", expanded=active):
            for f in SIDEBAR_FILTERS:
                st.multiselect(
                    f.label,
                    options[f.key],
                    key=f"filter_{f.key}",
                    placeholder="All",
                    format_func=lambda value, key=f.key: option_label(key, value, names),
                    on_change=_clear_notes,
                )
            st.button("Clear filters", key="clear_filters", on_click=_clear_filters, disabled=not active)
    for note in st.session_state.get(NOTES_KEY, []):
        st.sidebar.warning(f"From the link: {note}")
    _write_url(current_view())


period_sidebar = sidebar  # the name app.py used before the filters landed


def current_view() -> View:
    """The view as the sidebar holds it now (the sidebar's own dates, even in meeting mode)."""
    start, end = st.session_state.get("period_from"), st.session_state.get("period_to")
    if not isinstance(start, date) or not isinstance(end, date) or start > end:
        start, end = st.session_state.get("_last_good_period", (EARLIEST, EARLIEST))
    else:
        st.session_state["_last_good_period"] = (start, end)
    return View(
        preset=st.session_state.get("period_preset") or "custom",
        period=Period(start, end),
        filters=selected_filters(),
        meeting=meeting_mode(),
    )


def selected_period() -> Period | None:
    """The period shown: in meeting mode the last full month; otherwise the sidebar's dates,
    or None while they are not a valid range."""
    if meeting_mode():
        return meeting_period(st.session_state.get(LATEST_KEY))
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
    """Import one uploaded canonical file (the import page uses `loaders.importer.import_uploads` for every format)."""
    return import_uploads(db, [(name, content)], dry_run=dry_run, progress=progress)


def messages_frame(result: ImportResult) -> pd.DataFrame:
    """Every message of an import as a table, errors first, in file order."""
    frame = pd.DataFrame(
        [(m.file, m.row, m.column, m.severity, m.text) for m in result.messages],
        columns=["file", "row", "column", "severity", "text"],
    )
    frame["row"] = frame["row"].astype("Int64")
    return frame.sort_values("severity", kind="stable").reset_index(drop=True)


def selected_filters() -> dict[str, list[str]]:
    """The sidebar filters as `metrics.filters.select_episodes` takes them (key -> allowed values);
    keys with nothing chosen are left out."""
    return {
        f.key: list(st.session_state[f"filter_{f.key}"])
        for f in SIDEBAR_FILTERS
        if st.session_state.get(f"filter_{f.key}")
    }


def meeting_mode() -> bool:
    """True when the big-screen meeting view is switched on (sidebar switch or `meeting=1`)."""
    return bool(st.session_state.get("meeting", False))


def current_page() -> str:
    """The URL path of the page running (for audit subjects and download names)."""
    return st.session_state.get(PAGE_KEY) or "overview"


def filters_for_audit() -> dict:
    """The period and filters in effect, as written to the audit log."""
    period = selected_period()
    shown = {"from": period.start.isoformat(), "to": period.end.isoformat()} if period else {}
    return {**shown, **selected_filters(), **({"meeting": True} if meeting_mode() else {})}


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

    def stop_when_empty(self) -> None:
        """Say so, and stop the page, when no episode is in the period (after the filters)."""
        if self.current.empty:
            st.info(f"No episodes in this period ({self.period.label()}). Choose another period in the sidebar.")
            st.stop()

    def filters_for_audit(self) -> dict:
        return {"from": self.period.start.isoformat(), "to": self.period.end.isoformat(), **self.filters}


def page_view() -> PageView:
    """The period and filters from the sidebar (or meeting mode's last full month) applied to the
    cached episodes; stops the page with a message when the period is not a valid range."""
    period = selected_period()
    if period is None:
        st.warning("Choose a From date on or before the To date in the sidebar.")
        st.stop()
    previous = previous_period(period)
    filters = selected_filters()
    every = episodes()
    try:
        current = select_episodes(every, period.start, period.end, filters)
        before = select_episodes(every, previous.start, previous.end, filters)
    except ValueError as problem:  # cannot happen with checked values; never show a traceback
        st.warning(f"The filters could not be applied ({problem}); showing every episode.")
        filters = {}
        current = select_episodes(every, period.start, period.end)
        before = select_episodes(every, previous.start, previous.end)
    return PageView(
        period=period,
        previous=previous,
        filters=filters,
        episodes=every,
        current=current,
        before=before,
        meeting=meeting_mode(),
    )
