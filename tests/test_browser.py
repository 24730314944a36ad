"""The app as a user sees it: `streamlit run` driven by Debian's Chromium through Playwright.

Every request that is not to localhost is blocked and recorded, so the test
also proves the dashboard works offline (no fonts, telemetry or CDNs).
Screenshots land in /tmp/shots for a person to look at.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.test_app import build_database

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path("/tmp/shots")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_healthy(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run app.py` on a free port against a fixture database."""
    url = build_database(tmp_path_factory.mktemp("browser") / "app.db")
    port = _free_port()
    log = (tmp_path_factory.getbasetemp() / "streamlit.log").open("w")
    environment = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A page that refuses, and records, every request leaving this machine."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    outside: list[str] = []

    def guard(route):
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.outside_requests = outside
    yield page
    context.close()


def _wait_for_app(page) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        ' && document.querySelectorAll(\'[data-testid="stMetric"], [data-testid="stFileUploader"]\').length > 0',
        timeout=30_000,
    )
    page.wait_for_timeout(500)


def test_import_page_renders_offline_as_the_first_request(server, page):
    """First in this file on purpose: a fresh server's first request is a deep link (see app.py)."""
    page.goto(f"{server}/import_data?from=2015-03-01&to=2015-03-31")
    _wait_for_app(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "import.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_role("heading", name="Import data").count() == 1
    assert page.locator('[data-testid="stFileUploader"]').count() == 1
    assert page.locator('[data-testid="stSidebar"] [data-testid="stDateInput"]').count() == 2
    assert page.outside_requests == [], page.outside_requests


def test_overview_renders_headlines_offline(server, page):
    page.goto(f"{server}/?from=2015-03-01&to=2015-03-31")
    _wait_for_app(page)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stDataFrame\"] canvas').length >= 2", timeout=30_000
    )
    page.wait_for_timeout(1000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "overview.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    metrics = {label.strip(): value.strip() for label, value in zip(labels, values, strict=True)}
    assert {k: metrics.get(k) for k in ("Episodes", "Children", "Persistent runaways", "Interview offered")} == {
        "Episodes": "6",
        "Children": "3",
        "Persistent runaways": "1",
        "Interview offered": "60.0%",
    }
    assert "from=2015-03-01" in page.url and "to=2015-03-31" in page.url
    assert page.outside_requests == [], page.outside_requests


def test_import_page_checks_an_uploaded_file(server, page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("episode_id,child_id,category,reported_at,missing_from\nE20,C9,vanished,2015-03-29 10:00,home\n")
    page.goto(f"{server}/import_data")
    _wait_for_app(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(bad))
    page.get_by_text("This file is refused").wait_for(timeout=30_000)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stDataFrame\"] canvas').length >= 2", timeout=30_000
    )
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "import_refused.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    errors = page.locator('[data-testid="stMetric"]', has_text="Errors").locator('[data-testid="stMetricValue"]')
    assert errors.inner_text().strip() == "1"
    assert page.outside_requests == [], page.outside_requests
