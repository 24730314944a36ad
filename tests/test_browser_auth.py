"""Sign-in, roles and the audit log as a person meets them: `streamlit run` in Debian's Chromium.

A viewer typing the address of a child-level or admin page gets the overview
instead, with no child data; an analyst gets the page. Screenshots of the
sign-in form and the audit log land in /tmp/shots.
"""

from __future__ import annotations

import pytest

from loaders.database import connect
from reports.audit import entries
from tests.browser_support import (
    PAGE_LINKS,
    SHOTS,
    TEST_USERS,
    add_test_users,
    open_page,
    page_link_names,
    streamlit_server,
    wait_for_sign_in_or_app,
)
from tests.test_app import build_database

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
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for(timeout=WAIT)
    assert page.locator('[data-testid="stMetric"]').count() == 0
    assert page.locator(PAGE_LINKS).count() == 0
