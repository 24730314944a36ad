"""Work shared by every session: the episodes loaded when the server starts.

Streamlit's caches live in the server process, so what one session works
out here every later session reads without working it out again.
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

import config
from charts import maps, network
from config.sections import TriggerThresholds
from loaders import boundaries
from loaders.benchmarks import dfe_figures, dfe_version
from loaders.episodes import data_version
from loaders.reconciliation import load_resolutions
from metrics.attention import AttentionSettings, attention_tables, history_until
from metrics.briefing import Briefing, child_briefing
from metrics.children import alerts_with_episodes, children_network, node_episodes
from metrics.filters import select_episodes
from metrics.findings import Finding
from metrics.findings import findings as findings_of
from metrics.periods import default_period, previous_period
from metrics.process_control import ProcessControlSettings, process_control_table
from metrics.together import (
    PairRows,
    found_together_rows,
    missing_together_rows,
    rows_among,
    together_children_of,
)
from metrics.trend import trend_window
from metrics.triggers import trigger_counts, triggers
from reports.benchmarks import Benchmarks, benchmarks_for
from reports.reconciliation import all_items, items_started_in, with_resolutions
from ui import data

if TYPE_CHECKING:
    from ui.sidebar import PageView

log = logging.getLogger(__name__)


def warm() -> None:
    """Load and derive the episodes (the sidebar's establishments and latest month, the default view's
    episodes and its Overview tables, the pairs missing and found together), then the reconciliation items, into
    the pages' own caches.

    Run in a thread as the server starts (app_server.py). A session arriving meanwhile waits
    for this load (Streamlit holds one lock per cached value) rather than starting another.
    A failure is logged only: the first session then loads them itself, and shows any error.
    """
    started = time.perf_counter()
    try:
        episodes = data.episodes()
        data.establishments()
        # The default view (the sidebar's first period, no filters) is what the first visitor's Overview chooses.
        period = default_period(data.latest_reported())
        for chosen in (period, previous_period(period)):
            selected(episodes, chosen.start, chosen.end, {})
        _warm_overview(episodes, period)
        settings = config.settings()
        pair_rows(episodes, "missing", settings.missing_together.window_minutes)
        pair_rows(episodes, "found", settings.associates.found_window_hours)
    except Exception:  # noqa: BLE001 - a server without its database still starts and says why on the page
        log.exception("loading the episodes at startup failed")
        return
    log.info(
        "episodes ready: %d, loaded and derived at startup in %.1f s", len(episodes), time.perf_counter() - started
    )
    started = time.perf_counter()
    try:
        url = config.database_url()
        items = len(_reconciliation_items(url, data_version(data.engine(url))))
    except Exception:  # noqa: BLE001 - the Reconciliation page works them out itself, and shows any error
        log.exception("comparing the police and council records at startup failed")
        return
    log.info("reconciliation items ready: %d, worked out at startup in %.1f s", items, time.perf_counter() - started)
    try:
        benchmark_figures()
    except Exception:  # noqa: BLE001 - the Benchmarks page loads them itself, and shows any error
        log.exception("loading the DfE figures at startup failed")


def _warm_overview(episodes: pd.DataFrame, period) -> None:
    """The Overview's own tables for the default view, as ui/pages/overview.py asks for them (findings for
    both kinds of role, the alert counts now and before, the months): the first visitor's page, which
    otherwise worked them out inside the first session (seconds at a million episodes)."""
    from metrics.trend import trend_window
    from ui.sidebar import PageView

    settings = config.settings()
    view = PageView(
        period=period,
        previous=previous_period(period),
        filters={},
        episodes=episodes,
        current=selected(episodes, period.start, period.end, {}),
        meeting=False,
    )
    for suppress_below in (None, settings.publication.suppress_below):
        findings(view, settings.process_control, suppress_below)
    alert_count(view, settings.triggers, previous=False, as_of=None)
    alert_count(view, settings.triggers, previous=True, as_of=period.start)
    process_table(view, "episodes", *trend_window(period.start, period.end), settings.process_control)


# ---- tables shared by every session ----------------------------------------------
# Each is worked out once per data version and view, then read by every session. The episodes
# frame is passed unhashed (a leading underscore): at a million episodes hashing it would cost
# more than a hit saves. It is keyed instead by the data version it was loaded for and its
# identity (one cached frame per version, see ui.data).


def _frame_key(episodes: pd.DataFrame) -> tuple:
    url = config.database_url()
    return (url, data_version(data.engine(url)), id(episodes), len(episodes))


@st.cache_data(show_spinner=False, max_entries=32)
def _findings(frame, start, end, filters, settings, suppress_below, _view) -> list[Finding]:
    return findings_of(window(_view, *trend_window(start, end)), start, end, settings, suppress_below)


def findings(view: PageView, settings: ProcessControlSettings, suppress_below: int | None) -> list[Finding]:
    """`metrics.findings.period_findings` for the view (the Overview's written findings), on the episodes of the
    trend window that the Trends page and the Overview's months share (`window`)."""
    return _findings(
        _frame_key(view.episodes),
        view.period.start,
        view.period.end,
        view.filters,
        settings,
        suppress_below,
        view,
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def _attention(frame, start, end, filters, settings, as_of, _episodes) -> tuple:
    history = history_until(_episodes, end, filters, places=False)
    pairs = (
        rows_among(_episodes, pair_rows(_episodes, "missing", settings.window_minutes), history),
        rows_among(_episodes, pair_rows(_episodes, "found", settings.found_window_hours), history),
    )
    return attention_tables(history, start, end, settings, as_of, pairs)


def attention(view: PageView, settings: AttentionSettings, as_of: datetime) -> tuple:
    """The Who to discuss page's tables for the view: (meeting list, escalating children, associates).

    A resource, not data: pickling the associate table (a million rows at a million episodes) on every
    store and hit cost more than working it out. Analysts only, so no role in the key; nothing may
    change the tables in place."""
    start, end = view.period.start, view.period.end
    return _attention(_frame_key(view.episodes), start, end, view.filters, settings, as_of, view.episodes)


@st.cache_data(show_spinner="Loading the DfE figures…", max_entries=2)
def _dfe_figures(url: str, version: tuple[int, str]) -> pd.DataFrame:
    return dfe_figures(data.engine(url))


def benchmark_figures() -> tuple[tuple[int, str], pd.DataFrame]:
    """(version, every DfE figure stored) for the Benchmarks page, kept per version. Loaded at server start
    (`warm`): the first use of a database writes the shipped figures into it, which with reading them back
    was most of the first Benchmarks visit (1.3 s of 1.8 at a million episodes)."""
    url = config.database_url()
    version = dfe_version(data.engine(url))
    return version, _dfe_figures(url, version)


@st.cache_data(show_spinner=False, max_entries=32)
def _benchmarks(frame, figures_key, year, la_code, council_name, grouping, threshold, _episodes, _figures):
    return benchmarks_for(
        _episodes, _figures, year, la_code=la_code, council_name=council_name, grouping=grouping, threshold=threshold
    )


def benchmarks(
    episodes: pd.DataFrame,
    figures: pd.DataFrame,
    figures_version: object,
    year: int,
    *,
    la_code: str,
    council_name: str,
    grouping: str,
    threshold: int | None,
) -> Benchmarks:
    """`reports.benchmarks.benchmarks_for` (the Benchmarks page), keyed on both data versions."""
    return _benchmarks(
        _frame_key(episodes), figures_version, year, la_code, council_name, grouping, threshold, episodes, figures
    )


def _view_key(view: PageView) -> tuple:
    """What `view.current` is made from: the episodes, the period and the filters."""
    return (_frame_key(view.episodes), view.period.start, view.period.end, view.filters)


@st.cache_resource(show_spinner=False, max_entries=8)
def _alerts(view_key, thresholds, as_of, _current) -> tuple[pd.DataFrame, pd.DataFrame]:
    # a resource, read and never changed by the page: at a million episodes pickling the tables (as st.cache_data
    # stores them) and unpickling them on every run cost more than a second; analysts only, so no suppression
    return alerts_with_episodes(triggers(_current, thresholds, as_of=as_of), _current)


def alerts(view: PageView, thresholds: TriggerThresholds, as_of: date | datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Alerts page's children and the episodes behind them, for the view's period as at `as_of`."""
    return _alerts(_view_key(view), thresholds, as_of, view.current)


@st.cache_resource(show_spinner=False, max_entries=8)
def _together(view_key, window, _current, _episodes) -> tuple[PairRows, pd.DataFrame, tuple | None]:
    # a resource, read and never changed by the page; analysts only, so no suppression
    rows = rows_among(_episodes, pair_rows(_episodes, "missing", window), _current)
    children = together_children_of(_current, rows)
    return rows, children, children_network(children, _current) if len(rows.a) else None


def together(view: PageView, window: int) -> tuple[PairRows, pd.DataFrame, tuple | None]:
    """The pairs of episodes missing together in the view as rows of `view.current` (their table made only for
    the rows shown: `pairs_among`), the pairs of children (`together_children`) and their network (nodes, edges;
    None without pairs)."""
    return _together(_view_key(view), window, view.current, view.episodes)


@st.cache_resource(show_spinner=False, max_entries=4)
def _pair_rows(frame, kind, window, _episodes) -> PairRows:
    return missing_together_rows(_episodes, window) if kind == "missing" else found_together_rows(_episodes, window)


def pair_rows(episodes: pd.DataFrame, kind: str, window: int) -> PairRows:
    """`metrics.together.missing_together_rows` (kind "missing", `window` in minutes) or `found_together_rows`
    ("found", in hours) of all the episodes, once per data version and window for the whole server: a view's
    pairs are those both of whose episodes it holds (`pairs_among`), so Missing together and Who to discuss
    no longer find them again after each filter change. A resource: nothing may change it in place."""
    return _pair_rows(_frame_key(episodes), kind, window, episodes)


@st.cache_data(show_spinner=False, max_entries=32)
def _network_document(view_key, nodes, edges, label, font_px, _current) -> tuple[str, int]:
    return network.network_html(nodes, edges, node_episodes(nodes, _current), label=label, font_px=font_px)


def network_document(
    view: PageView, nodes: pd.DataFrame, edges: pd.DataFrame, label: str, font_px: float
) -> tuple[str, int]:
    """`charts.network.network_html` of the Missing together page's shown network (at most a few hundred
    nodes, so hashed as they are) with each node's episodes in the view: its layout took most of the page."""
    return _network_document(_view_key(view), nodes, edges, label, font_px, view.current)


@st.cache_data(show_spinner=False, max_entries=64)
def _process_table(frame, first, last, filters, measure, settings, _view) -> pd.DataFrame:
    return process_control_table(window(_view, first, last), measure, first, last, settings)


def process_table(
    view: PageView, measure: str, first: date, last: date, settings: ProcessControlSettings
) -> pd.DataFrame:
    """`metrics.process_control.process_control_table` of one measure over the months `first` to `last`
    of the view's filtered episodes (the Trends page's charts, and the Overview's episodes by month)."""
    return _process_table(_frame_key(view.episodes), first, last, view.filters, measure, settings, view)


@st.cache_data(show_spinner=False, max_entries=64)
def _alert_count(view_key, previous, as_of, thresholds, _episodes) -> int:
    return sum(trigger_counts(_episodes, thresholds, as_of=as_of).values())


def alert_count(view: PageView, thresholds: TriggerThresholds, *, previous: bool, as_of: date | None) -> int:
    """How many alerts (the council's `[triggers]`) the view's period, or the period before, has: the Overview's
    tile, counted as the Alerts page counts them."""
    return _alert_count(_view_key(view), previous, as_of, thresholds, view.before if previous else view.current)


@st.cache_resource(show_spinner=False, max_entries=4)
def _selected(frame, start, end, filters, _episodes, _halves=None) -> pd.DataFrame:
    # _halves: the episodes already chosen for two adjacent periods making up start to end, with these filters
    return pd.concat(_halves) if _halves is not None else select_episodes(_episodes, start, end, filters)


def selected(episodes: pd.DataFrame, start: date, end: date, filters: dict | None = None) -> pd.DataFrame:
    """`metrics.filters.select_episodes`, one frame per period and filters for the whole server: every page
    run chose the view's episodes twice (this period and the one before), the largest metric cost of most
    pages at a million episodes. A resource, as the episodes are: nothing may change it in place."""
    return _selected(_frame_key(episodes), start, end, filters or {}, episodes)


def window(view: PageView, first: date, last: date) -> pd.DataFrame:
    """The view's filtered episodes from `first` to `last` (the trend window: Trends, the Overview's findings and
    months), as `selected` gives them. When those months are the previous period then the period (a 12-month
    view) and filters are set, the two frames the sidebar chose are put together: the same rows in the same
    order, a sixth of the time of choosing them again at a million episodes (without filters choosing is a slice)."""
    halves = (
        (view.before, view.current)
        if view.filters and (first, last) == (view.previous.start, view.period.end)
        else None
    )
    return _selected(_frame_key(view.episodes), first, last, view.filters, view.episodes, halves)


@st.cache_resource(show_spinner="Comparing police and council records…", max_entries=2)
def _reconciliation_items(url: str, version: tuple[int, int]) -> pd.DataFrame:
    """Every reconciliation item, worked out once per data version (an import) for the whole server: reading
    the contributions was seconds at 100,000 episodes. A resource: nothing may change it in place."""
    return all_items(data.engine(url))


@st.cache_data(show_spinner=False, max_entries=16)
def _reconciliation_period(url: str, version: tuple[int, int], start: date, end: date) -> pd.DataFrame:
    return items_started_in(_reconciliation_items(url, version), start, end)


def reconciliation_items(start: date, end: date) -> pd.DataFrame:
    """`reports.reconciliation.items_in_period` for the Reconciliation page: the items are kept per data version
    and period; the resolutions are read on every run, so a mark shows at once (in every session)."""
    url = config.database_url()
    engine = data.engine(url)
    return with_resolutions(_reconciliation_period(url, data_version(engine), start, end), load_resolutions(engine))


@st.cache_resource(show_spinner=False, max_entries=2)
def _children(frame, _episodes) -> tuple[list[str], dict[str, np.ndarray]]:
    ids = _episodes["child_id"]
    codes, uniques = pd.factorize(ids.astype(str) if not isinstance(ids.dtype, pd.CategoricalDtype) else ids)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    rows = {str(child): order[bounds[i] : bounds[i + 1]] for i, child in enumerate(uniques)}
    return sorted(rows), rows


def children(episodes: pd.DataFrame) -> tuple[list[str], dict[str, np.ndarray]]:
    """`metrics.children.child_ids` of the episodes, and each child's row positions: worked out once per
    data version, so the Child timeline reads one child's rows instead of scanning a million."""
    return _children(_frame_key(episodes), episodes)


@st.cache_data(show_spinner=False, max_entries=64)
def _briefing(frame, child_id, as_of, settings, _episodes) -> Briefing:
    return child_briefing(_episodes, child_id, as_of, settings)


def briefing(episodes: pd.DataFrame, child_id: str, as_of: date, settings: AttentionSettings) -> Briefing:
    """`metrics.briefing.child_briefing` (the Child timeline's briefing), once per data version, child and date."""
    return _briefing(_frame_key(episodes), child_id, as_of, settings, episodes)


# ---- the hotspot map's layers -------------------------------------------------------


@st.cache_resource(show_spinner=False)
def areas(level: str, postcode_areas: tuple[str, ...], lad_codes: tuple[str, ...]) -> gpd.GeoDataFrame:
    """`loaders.boundaries.areas` of a level for the authority's postcode areas and districts, read once."""
    return boundaries.areas(level, postcode_areas=postcode_areas, lad_codes=lad_codes)


@st.cache_resource(show_spinner=False)
def drawn_areas(level: str, postcode_areas: tuple[str, ...], lad_codes: tuple[str, ...]) -> maps.DrawnAreas:
    """The areas of a level as the map draws them (`charts.maps.drawn_areas`): once per geography, not per view."""
    return maps.drawn_areas(areas(level, postcode_areas, lad_codes))


@st.cache_resource(show_spinner=False, max_entries=4)
def _home_positions(frame, _episodes) -> pd.DataFrame:
    return maps.home_positions(_episodes)


def home_positions(episodes: pd.DataFrame) -> pd.DataFrame:
    """`charts.maps.home_positions` of all the episodes, once per data version (a resource: read, never changed)."""
    return _home_positions(_frame_key(episodes), episodes)
