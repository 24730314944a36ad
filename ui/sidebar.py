"""The sidebar every page shares, and what pages read from it.

app.py calls `page_links` and `sidebar` on every run, before the page: the
meeting switch, the period and the filters start from the URL once per
session (checked by `ui.view`) and are written back to it on every run, so a
copied URL reproduces the view. Pages then call `page_view()` for the
period, the one before, and the filtered episodes of each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from charts import theme
from metrics.filters import select_episodes
from metrics.periods import PRESETS, Period, meeting_period, preset_period, previous_period
from ui import data
from ui.view import (
    EARLIEST,
    FILTER_LABELS,
    LATEST,
    SIDEBAR_FILTERS,
    VIEW_PARAMS,
    View,
    as_list,
    filter_options,
    option_label,
    view_from_params,
    view_params,
)

WIDGET_KEYS = ("meeting", "period_preset", "period_from", "period_to") + tuple(
    f"filter_{f.key}" for f in SIDEBAR_FILTERS
)
NOTES_KEY = "_view_notes"
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


# ---- the widgets' state ------------------------------------------------------------


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
        period = preset_period(preset, data.latest_reported())
        st.session_state.period_from, st.session_state.period_to = period.start, period.end


def _dates_changed() -> None:
    _clear_notes()
    st.session_state.period_preset = "custom"


def _clear_filters() -> None:
    _clear_notes()
    for f in SIDEBAR_FILTERS:
        st.session_state[f"filter_{f.key}"] = []


def _write_url(view: View) -> None:
    """Our parameters only: other pages' own parameters (e.g. a child id) are left alone."""
    wanted = view_params(view)
    for key in VIEW_PARAMS:
        if key in wanted:
            value = wanted[key]
            if st.query_params.get_all(key) != as_list(value):
                st.query_params[key] = value
        elif key in st.query_params:
            del st.query_params[key]


# ---- the sidebar ----------------------------------------------------------------------


def _meeting_summary(latest: date | None, options: Mapping[str, Sequence[str]]) -> None:
    """Meeting mode hides the widgets: say which period and filters are shown instead."""
    st.html(MEETING_CSS)
    period = meeting_period(latest)
    st.sidebar.caption(f"Last full month: {period.label()}, against the month before.")
    active = [FILTER_LABELS[k] for k in options if st.session_state.get(f"filter_{k}")]
    if active:
        st.sidebar.caption("Filters: " + ", ".join(active) + ".")


def _period_and_filters(options: Mapping[str, Sequence[str]], names: Mapping[str, str]) -> None:
    """The period preset, the From and To dates, and the filters."""
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


def sidebar(page: object | None = None) -> None:
    """The meeting switch, period and filters in the sidebar, seeded from the URL and written back
    to it. Called by app.py on every run, before the page."""
    if page is not None:
        st.session_state[PAGE_KEY] = getattr(page, "url_path", "") or "overview"
    latest = data.latest_reported()
    names = data.establishments()
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
        _meeting_summary(latest, options)
    else:
        _period_and_filters(options, names)
    for note in st.session_state.get(NOTES_KEY, []):
        st.sidebar.warning(f"From the link: {note}")
    _write_url(current_view())


# ---- what the pages read ------------------------------------------------------------


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
        return meeting_period(data.latest_reported())
    start, end = st.session_state.get("period_from"), st.session_state.get("period_to")
    if not isinstance(start, date) or not isinstance(end, date) or start > end:
        return None
    return Period(start, end)


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
    meeting: bool

    @property
    def before(self) -> pd.DataFrame:
        """In the previous period, passing the filters: chosen when a page first asks for it (the Overview's
        comparisons), not on every page's run (a tenth of a second at a million episodes, after a filter change)."""
        from ui.cached import selected  # shared by every session; ui.cached imports ui.data

        return selected(self.episodes, self.previous.start, self.previous.end, self.filters)

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
    every = data.episodes()
    from ui.cached import selected  # shared by every session; ui.cached imports ui.data

    try:
        current = selected(every, period.start, period.end, filters)
    except ValueError as problem:  # cannot happen with checked values; never show a traceback
        st.warning(f"The filters could not be applied ({problem}); showing every episode.")
        filters = {}
        current = select_episodes(every, period.start, period.end)
    return PageView(
        period=period, previous=previous, filters=filters, episodes=every, current=current, meeting=meeting_mode()
    )
