"""The server loads and derives the episodes as it starts (app_server.py, `ui.cached.warm`),
into the cache the pages read: the first Overview after a restart reads no episodes itself."""

from __future__ import annotations

import time
from collections import Counter

import pytest
import streamlit as st
from sqlalchemy import func, select
from streamlit.runtime.caching.cache_data_api import _data_caches

from loaders.database import connect
from loaders.schema import DfeFigure
from tests.app_support import app_as, run_page
from tests.browser_support import add_test_users, open_page, streamlit_server
from tests.support import build_database, use_app_database
from ui import cached

READ_LINE = "loaders.episodes: read "  # loaders.episodes.load_episodes logs each read of the episodes
READY_LINE = "ui.cached: episodes ready"


def wait_for_line(log, line: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while line not in log.read_text():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {line!r} in the server's log:\n{log.read_text()}")
        time.sleep(0.2)


@pytest.mark.browser
def test_the_first_overview_after_a_start_uses_the_episodes_loaded_at_startup(tmp_path, page):
    url = add_test_users(build_database(tmp_path / "app.db"))
    log = tmp_path / "streamlit.log"
    with streamlit_server(url, log) as base:
        wait_for_line(log, READY_LINE)  # before any browser has asked for a page
        open_page(page, base, "overview", role="analyst")
        page.get_by_text("compared with").first.wait_for(timeout=60_000)
        assert not page.locator('[data-testid="stException"]').count()
    text = log.read_text()
    assert text.count(READ_LINE) == 1, text
    assert text.index(READ_LINE) < text.index(READY_LINE)


OVERVIEW_TABLES = ("_findings", "_alert_count", "_process_table")  # ui.cached's tables the Overview reads


def cached_values() -> Counter:
    """How many values each `st.cache_data` function holds, by function name (Streamlit's own cache statistics)."""
    held: Counter = Counter()
    for caches in list(_data_caches._function_caches.values()):
        for cache in list(caches.values()):
            for stats in cache.get_stats().values():
                held.update(stat.cache_name.rsplit(".", 1)[-1] for stat in stats)
    return held


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_warm_works_out_the_overview_the_first_visitor_sees(tmp_path, monkeypatch, role):
    """The default view's Overview after `ui.cached.warm` adds no table of its own: each was worked out at start
    (findings for both kinds of role, the alert counts now and before, the months), with the page's own keys."""
    use_app_database(tmp_path, monkeypatch)
    st.cache_data.clear()  # earlier tests' views would be evicted by this one's (each cache holds a few dozen)
    before = cached_values()
    cached.warm()
    warmed = cached_values()
    assert {name: warmed[name] - before[name] for name in OVERVIEW_TABLES} == {
        "_findings": 2,
        "_alert_count": 2,
        "_process_table": 1,
    }
    at = app_as(role)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Children missing from home and care"  # the Overview ran, with its figures
    assert at.metric
    after = cached_values()
    assert {name: after[name] for name in OVERVIEW_TABLES} == {name: warmed[name] for name in OVERVIEW_TABLES}


def stored_figures(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(DfeFigure)).scalar_one()


def test_warm_stores_the_shipped_dfe_figures_and_the_benchmarks_page_reads_them_from_the_cache(tmp_path, monkeypatch):
    """A new database has no DfE figures: the first use writes the shipped ones into it. The server does it as it
    starts, so the first Benchmarks visit neither writes them nor reads them back."""
    url = use_app_database(tmp_path, monkeypatch)
    engine = connect(url)
    assert stored_figures(engine) == 0
    st.cache_data.clear()
    cached.warm()
    stored = stored_figures(engine)
    assert stored > 10_000  # every council, region and England, several years
    assert cached_values()["_dfe_figures"] == 1
    at = run_page("ui/pages/benchmarks.py", params={"from": "2015-03-01", "to": "2015-03-31"})
    assert at.title[0].value == "Benchmarks: how do we compare?" and at.dataframe
    assert cached_values()["_dfe_figures"] == 1  # the page's read was a hit
    assert stored_figures(engine) == stored
