"""Browser test plumbing: `streamlit run` servers, Debian's Chromium through Playwright.

tests/conftest.py registers this module as a plugin, so its fixtures are
available to every test module. Every request that is not to localhost is blocked
and recorded in `page.outside_requests`, so tests also prove the dashboard
works offline (no fonts, telemetry, tiles or CDNs).

- `server`: a fresh server on the tiny hand-written database of tests/test_app.py (module scope).
- `sample_server`: a server on the default sample database (session scope, built once).
- `open_page(page, base, path, role="analyst")`: go to a page, sign in through the form as the
  test user of `role` (TEST_USERS, created in each server's database) and wait until it settles.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.support import build_database

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
PAGE_LINKS = ".st-key-page_links"  # the sidebar's links to the pages a user may open (sidebar.page_links)
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
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


class ServerAddress(str):
    """A server's base URL that also knows its process id (bench/run.py reads its memory) and the
    URL of its database (tests read what the app wrote, e.g. audit rows)."""

    pid: int
    database: str


@contextmanager
def streamlit_server(url: str, log_path: Path, seconds: float = 60):
    """`streamlit run app.py` on a free port against the database at `url`; yields its base URL.

    Also used by scripts/screenshots.py and bench/run.py, so every tool starts the app one way.
    """
    port = free_port()
    log = log_path.open("w")
    environment = {**os.environ, "DATABASE_URL": url}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app_server.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = ServerAddress(f"http://127.0.0.1:{port}")
    base.pid, base.database = process.pid, url
    try:
        wait_until_healthy(base, process, seconds)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# One user per role in every test server's database: role -> (name, password).
TEST_USERS = {role: (f"test-{role}", f"{role}-password-for-tests") for role in ("viewer", "analyst", "admin")}


def add_test_users(url: str) -> str:
    """Create TEST_USERS in the database at `url` (once); returns the url."""
    from loaders.database import connect
    from loaders.users import add_user, lookup

    engine = connect(url)
    for role, (name, password) in TEST_USERS.items():
        if lookup(engine, name) is None:
            add_user(engine, name, role, password)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server on the tiny hand-written database of tests/test_app.py."""
    folder = tmp_path_factory.mktemp("browser")
    with streamlit_server(add_test_users(build_database(folder / "app.db")), folder / "streamlit.log") as base:
        yield base


@pytest.fixture(scope="session")
def sample_database(tmp_path_factory) -> str:
    """The default sample database, built once per test session; returns its URL."""
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    subprocess.run(
        [sys.executable, "-m", "sample_data", "build"],
        check=True,
        cwd=ROOT,
        capture_output=True,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{path}"},
    )
    return add_test_users(f"sqlite:///{path}")


@pytest.fixture(scope="module")
def sample_server(sample_database, tmp_path_factory):
    """A server on the sample database (one per test module)."""
    folder = tmp_path_factory.mktemp("sample-server")
    with streamlit_server(sample_database, folder / "streamlit.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def guard_requests(target) -> list[str]:
    """Refuse, and list, every request from a Playwright page or context that leaves this machine."""
    outside: list[str] = []

    def guard(route):
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    target.route("**/*", guard)
    return outside


@pytest.fixture
def page(browser):
    """A page that refuses, and records, every request leaving this machine."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.outside_requests = guard_requests(page)
    yield page
    context.close()


def wait_for_app(page) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        ' && document.querySelectorAll(\'[data-testid="stMetric"], [data-testid="stFileUploader"]\').length > 0',
        timeout=30_000,
    )
    page.wait_for_timeout(500)


def open_expander(page, title: str) -> None:
    """Click an expander open and wait for its opening animation to end. The animation moves what
    is below for about half a second; a click in it can press the mouse on a button and lift it off
    (flaky `expect_download` timeouts: the click went to their common parent)."""
    details = page.locator('[data-testid="stExpander"] details', has_text=title).first
    details.locator("summary").click()
    details.evaluate(STILL_FOR_20_FRAMES)


STILL_FOR_20_FRAMES = """async (element) => {
  const frame = () => new Promise(resolve => requestAnimationFrame(resolve));
  let last = '', still = 0;
  for (let frames = 0; still < 20; frames++) {
    if (frames > 600) throw new Error('still moving after 600 frames');
    await frame();
    const moving = element.getAnimations({subtree: true}).some(a => a.playState === 'running');
    const r = element.getBoundingClientRect(), box = [r.x, r.y, r.width, r.height].join();
    still = box === last && !moving ? still + 1 : 0;
    last = box;
  }
}"""


def sign_in(page, role: str = "analyst", credentials: tuple[str, str] | None = None) -> None:
    """Fill in and send the sign-in form as the test user of `role` (or with the given name and password)."""
    name, password = credentials or TEST_USERS[role]
    form = page.locator('[data-testid="stForm"]')
    form.get_by_role("textbox", name="Name").fill(name)
    form.get_by_role("textbox", name="Password").fill(password)
    form.get_by_role("button", name="Sign in").click()


def wait_for_sign_in_or_app(page) -> bool:
    """Wait until the page shows the sign-in form (True) or the signed-in app with its sidebar (False)."""
    page.wait_for_selector(
        f'[data-testid="stForm"] input[type="password"], {PAGE_LINKS}', state="attached", timeout=60_000
    )  # attached: a meeting-mode link opens with the sidebar folded away
    return page.locator('[data-testid="stForm"] input[type="password"]').count() > 0


def open_page(page, base: str, path: str = "", role: str = "analyst", wait: bool = True) -> None:
    """Go to `base/path` (path may carry a query string), sign in as `role` and wait until the app has settled.

    The form shows only when this browser context has no live session cookie yet (after
    one sign-in, later loads go straight to the app); signing in keeps the URL, so the
    page and its query string are the ones asked for.
    """
    page.goto(f"{base}/{path.lstrip('/')}")
    if wait_for_sign_in_or_app(page):
        sign_in(page, role)
        page.wait_for_selector('[data-testid="stForm"] input[type="password"]', state="detached", timeout=60_000)
    if wait:
        wait_for_app(page)


def page_link_names(page) -> str:
    """The text of the sidebar's page links, once they are drawn (a run draws the section names first)."""
    page.locator(f"{PAGE_LINKS} a").first.wait_for(state="attached", timeout=60_000)
    return "\n".join(page.locator(f"{PAGE_LINKS} a").all_inner_texts())
