"""Sign-in, roles and the audit log as a person meets them: `streamlit run` in Debian's Chromium.

A viewer typing the address of a child-level or admin page gets the overview
instead, with no child data; an analyst gets the page. Screenshots of the
sign-in form and the audit log land in /tmp/shots.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from loaders.database import connect
from reports.audit import entries
from tests.browser_support import (
    PAGE_LINKS,
    SHOTS,
    TEST_USERS,
    add_test_users,
    guard_requests,
    open_page,
    page_link_names,
    streamlit_server,
    wait_for_sign_in_or_app,
)
from tests.support import build_database
from ui.auth import COOKIE

pytestmark = pytest.mark.browser

WAIT = 120_000  # ms: the shared test machine can be very slow; a page that never comes still fails
RESTRICTED = ["alerts", "child_timeline?child=C1", "missing_together", "import_data", "audit_log"]


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    """A server on the tiny database with TEST_USERS; yields (base URL, database URL)."""
    folder = tmp_path_factory.mktemp("auth")
    url = add_test_users(build_database(folder / "app.db"))
    with streamlit_server(url, folder / "streamlit.log") as base:
        yield base, url


def settle(page) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=WAIT)
    page.wait_for_timeout(700)


def test_the_sign_in_form_refuses_a_wrong_password_then_signs_in(auth_server, page):
    base, url = auth_server
    page.goto(f"{base}/?from=2015-03-01&to=2015-03-31")
    assert wait_for_sign_in_or_app(page), "the sign-in form comes first"
    page.wait_for_timeout(500)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "sign_in.png"))
    assert page.locator(PAGE_LINKS).count() == 0
    assert page.locator('[data-testid="stMetric"]').count() == 0

    form = page.locator('[data-testid="stForm"]')
    form.get_by_role("textbox", name="Name").fill("test-analyst")
    form.get_by_role("textbox", name="Password").fill("not the password")
    form.get_by_role("button", name="Sign in").click()
    page.get_by_text("do not match an enabled user").wait_for(timeout=WAIT)
    assert page.locator('[data-testid="stMetric"]').count() == 0

    form.get_by_role("textbox", name="Password").fill(TEST_USERS["analyst"][1])
    form.get_by_role("button", name="Sign in").click()
    page.locator('[data-testid="stSidebar"]').get_by_text("test-analyst").wait_for(timeout=WAIT)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=WAIT)
    assert "from=2015-03-01" in page.url
    engine = connect(url)
    assert entries(engine, users=["test-analyst"])["action"].tolist()[:2] == ["sign_in", "sign_in_failed"]
    engine.dispose()
    assert page.outside_requests == [], page.outside_requests


@pytest.mark.parametrize("path", RESTRICTED)
def test_a_viewer_typing_a_restricted_address_gets_no_child_data(auth_server, page, path):
    base, _ = auth_server
    open_page(page, base, path, role="viewer", wait=False)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=WAIT)  # the overview instead
    settle(page)
    assert page.url.split("?")[0].rstrip("/") == base
    nav = page_link_names(page)
    assert "Alerts" not in nav and "Audit log" not in nav and "Import data" not in nav
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert "C1" not in body and "Audit log" not in body
    assert page.locator('[data-testid="stException"]').count() == 0


@pytest.mark.parametrize("path", ["alerts", "child_timeline", "missing_together"])
def test_an_analyst_reaches_the_child_level_pages(auth_server, page, path):
    base, _ = auth_server
    open_page(page, base, path, role="analyst", wait=False)
    page.locator("h1").first.wait_for(timeout=WAIT)
    settle(page)
    assert page.url.split("?")[0].endswith(f"/{path}")
    assert page.locator('[data-testid="stException"]').count() == 0
    nav = page_link_names(page)
    assert "Alerts" in nav and "Audit log" not in nav


def test_admin_reads_and_exports_the_audit_log_and_the_export_is_recorded(auth_server, page):
    base, _ = auth_server
    open_page(page, base, "audit_log", role="admin", wait=False)
    page.get_by_role("heading", name="Audit log").wait_for(timeout=WAIT)
    page.locator('[data-testid="stDataFrame"]').wait_for(timeout=WAIT)
    settle(page)
    page.screenshot(path=str(SHOTS / "audit_log.png"), full_page=True)
    with page.expect_download(timeout=WAIT) as download:
        page.get_by_role("button", name="Download these entries (CSV)").click()
    text = download.value.path().read_text()
    assert text.splitlines()[0] == "at,user,action,subject,filters"
    assert ",test-admin,sign_in,password," in text
    settle(page)  # the click reran the page after recording the export
    search = page.get_by_role("textbox", name="Text in the subject or filters")
    search.fill("audit_log")
    search.press("Enter")
    page.get_by_text("1 entry", exact=True).wait_for(timeout=WAIT)  # the export, whose subject is audit_log
    settle(page)
    page.screenshot(path=str(SHOTS / "audit_log_exported.png"), full_page=True)
    assert page.outside_requests == [], page.outside_requests


def test_sign_out_returns_to_the_form(auth_server, page):
    base, _ = auth_server
    open_page(page, base, "", role="viewer")
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_text("You have signed out.").wait_for(timeout=WAIT)
    assert page.locator('[data-testid="stMetric"]').count() == 0
    assert page.locator(PAGE_LINKS).count() == 0


# ---- one sign-in per browser (the session cookie) --------------------------------------------


def session_cookie(context) -> dict:
    """The session cookie once the page has traded its ticket for it (the page does so after signing in)."""
    for _ in range(WAIT // 250):
        found = [c for c in context.cookies() if c["name"] == COOKIE]
        if found:
            return found[0]
        time.sleep(0.25)
    raise AssertionError(f"no {COOKIE} cookie: {context.cookies()}")


def new_page(browser, cookies: list[dict] | None = None):
    """A page in a browser context of its own (another browser, as far as the server can tell)."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    if cookies:
        context.add_cookies(cookies)
    outside = guard_requests(context)  # every tab of this context
    page = context.new_page()
    page.outside_requests = outside
    return page


def test_signed_in_once_a_refresh_a_new_tab_and_a_copied_link_need_no_password(auth_server, browser):
    base, url = auth_server
    page = new_page(browser)
    open_page(page, base, "", role="analyst")
    cookie = session_cookie(page.context)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]  # plain http here
    assert "test-analyst" not in cookie["value"] and len(cookie["value"]) >= 40
    with connect(url).connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM sessions WHERE user_name = 'test-analyst'")).all()
    assert cookie["value"] not in {row.token_hash for row in stored}, "only the hash is stored"

    page.reload()
    assert not wait_for_sign_in_or_app(page), "a refresh keeps the sign-in"
    tab = page.context.new_page()
    tab.goto(f"{base}/child_timeline?child=C1&from=2015-03-01")  # a copied link, in a new tab
    assert not wait_for_sign_in_or_app(tab), "a new tab keeps the sign-in"
    tab.locator('[data-testid="stSidebar"]').get_by_text("test-analyst").wait_for(timeout=WAIT)
    assert tab.url.split("?")[0].endswith("/child_timeline") and "child=C1" in tab.url
    other = new_page(browser)
    other.goto(base)
    assert wait_for_sign_in_or_app(other), "another browser still signs in"
    assert page.outside_requests == other.outside_requests == [], "nothing leaves this machine, in any tab"
    page.context.close()
    other.context.close()


def test_a_tab_trades_its_ticket_once_however_often_the_page_is_drawn(auth_server, browser):
    """The ticket is sent until the session shows it claimed; a page drawn again (a rerun, a sidebar click) sends
    a ticket already sent no more: every extra one is refused and logged as a possible attack."""
    base, _ = auth_server
    page = new_page(browser)
    claims: list[int] = []
    page.on("response", lambda r: claims.append(r.status) if r.url.endswith("/_session/claim") else None)
    open_page(page, base, "?from=2015-03-01&to=2015-03-31", role="analyst")
    session_cookie(page.context)
    for title in ("Hotspots", "Trends", "Overview"):
        page.locator(PAGE_LINKS).get_by_role("link", name=title, exact=True).first.click()
        settle(page)
    assert claims == [204], f"one claim, answered with the cookie: {claims}"
    page.context.close()


def test_sign_out_ends_the_session_and_the_old_cookie_no_longer_works(auth_server, browser):
    base, _ = auth_server
    page = new_page(browser)
    open_page(page, base, "", role="viewer")
    cookie = session_cookie(page.context)
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_text("You have signed out.").wait_for(timeout=WAIT)
    page.reload()
    assert wait_for_sign_in_or_app(page), "signed out in this browser"
    replay = new_page(browser, cookies=[cookie])  # someone who copied the cookie before sign-out
    replay.goto(base)
    assert wait_for_sign_in_or_app(replay), "the old cookie signs nobody in"
    page.context.close()
    replay.context.close()


def test_sign_out_everywhere_ends_the_other_browsers_too(auth_server, browser):
    base, _ = auth_server
    first, second = new_page(browser), new_page(browser)
    open_page(first, base, "", role="admin")
    open_page(second, base, "", role="admin")
    session_cookie(first.context), session_cookie(second.context)
    first.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out everywhere").click()
    first.get_by_text("You have signed out everywhere.").wait_for(timeout=WAIT)
    second.reload()
    assert wait_for_sign_in_or_app(second), "the other browser's session ended too"
    first.context.close()
    second.context.close()


def test_an_idle_session_still_expires(auth_server, browser):
    base, url = auth_server
    page = new_page(browser)
    open_page(page, base, "", role="viewer")
    session_cookie(page.context)
    context = page.context
    page.close()  # its last run must not touch the session after the clock is turned back below
    engine = connect(url)
    with engine.begin() as connection:  # 31 minutes without use, as far as the server knows
        connection.execute(
            text("UPDATE sessions SET last_seen_at = :then WHERE user_name = 'test-viewer' AND ended_at IS NULL"),
            {"then": datetime.now() - timedelta(minutes=31)},
        )
    tab = context.new_page()
    tab.goto(base)
    assert wait_for_sign_in_or_app(tab), "the idle limit still applies to a new tab"
    tab.get_by_text("without activity").wait_for(timeout=WAIT)
    assert entries(engine, users=["test-viewer"])["action"].iloc[0] == "session_expired"
    engine.dispose()
    context.close()
