"""The server loads and derives the episodes as it starts (app_server.py, `ui.cached.warm`),
into the cache the pages read: the first Overview after a restart reads no episodes itself."""

from __future__ import annotations

import time

import pytest

from tests.browser_support import add_test_users, open_page, streamlit_server
from tests.support import build_database

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
