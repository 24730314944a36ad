"""Sign-in, sessions and roles through AppTest on a real SQLite database with one user per role.

The Done-when of issue 5: a viewer cannot reach any child-level or admin page,
an analyst can reach the child-level ones, and sign-ins, views and exports
leave audit rows.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, fields, make_dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

import loaders.episodes
from config.sections import AuthSettings, OidcSettings
from loaders import sessions
from loaders.database import connect
from loaders.episodes import load_episodes
from loaders.schema import SignInSession
from loaders.users import add_oidc_user, add_user, set_disabled, set_role
from reports.audit import entries, record
from tests.app_support import APP, TIMEOUT, app_as
from tests.browser_support import TEST_USERS, add_test_users
from tests.support import build_database
from ui import auth

ROOT = Path(APP).parent
CHILD_PAGES = [
    "ui/pages/alerts.py",
    "ui/pages/attention.py",
    "ui/pages/interview_clock.py",
    "ui/pages/child_timeline.py",
    "ui/pages/missing_together.py",
]
ADMIN_PAGES = ["ui/pages/import_data.py", "ui/pages/audit_log.py"]
SETTINGS = AuthSettings(idle_minutes=30, session_minutes=600, max_failures=5, lockout_minutes=15)


@pytest.fixture
def database(tmp_path, monkeypatch):
    """The tiny database of tests/test_app.py with TEST_USERS; DATABASE_URL points at it; no sign-in delay."""
    url = add_test_users(build_database(tmp_path / "app.db"))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(auth, "FAILURE_DELAY_SECONDS", 0)
    engine = connect(url)
    yield engine
    engine.dispose()


def fresh_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def submit(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def actions(engine) -> list[tuple[str, str, str]]:
    """(user, action, subject) of every audit row, oldest first."""
    rows = entries(engine).iloc[::-1]
    return list(zip(rows["user"], rows["action"], rows["subject"], strict=True))


def test_nobody_signed_in_sees_only_the_sign_in_form(database):
    at = fresh_app()
    assert [t.value for t in at.title] == ["Sign in"]
    assert [t.label for t in at.text_input] == ["Name", "Password"]
    assert not at.metric and not at.dataframe and not at.sidebar.button


@pytest.mark.parametrize("role", ["viewer", "analyst", "admin"])
def test_signing_in_opens_the_app_in_the_users_role(database, role):
    name, password = TEST_USERS[role]
    at = submit(fresh_app(), name, password)
    user = at.session_state["user"]
    assert (user.name, user.role) == (name, role)
    assert at.metric, "the overview shows after signing in"
    assert any(name in c.value and role in c.value for c in at.sidebar.caption)
    assert actions(database) == [(name, "sign_in", "password")]


@pytest.mark.parametrize(
    ("name", "password"),
    [("test-analyst", "wrong password"), ("nobody", "analyst-password-for-tests"), ("test-analyst", "")],
)
def test_wrong_name_or_password_is_refused_and_recorded(database, name, password):
    at = submit(fresh_app(), name, password)
    assert "user" not in at.session_state
    assert not at.metric
    assert at.error, "a refusal is shown"
    if password:
        assert actions(database) == [(name, "sign_in_failed", "password")]
    else:
        assert actions(database) == []


def test_a_disabled_user_cannot_sign_in(database):
    set_disabled(database, "test-analyst", True)
    at = submit(fresh_app(), *TEST_USERS["analyst"])
    assert "user" not in at.session_state
    assert "do not match an enabled user" in at.error[0].value


def test_repeated_failures_lock_the_name_even_with_the_right_password(database):
    for _ in range(SETTINGS.max_failures):
        user, _message = auth.attempt_sign_in(database, "test-analyst", "guess", SETTINGS)
        assert user is None
    user, message = auth.attempt_sign_in(database, "test-analyst", TEST_USERS["analyst"][1], SETTINGS)
    assert user is None and message.startswith("Too many failed sign-ins")
    other, _ = auth.attempt_sign_in(database, "test-viewer", TEST_USERS["viewer"][1], SETTINGS)
    assert other.role == "viewer", "other names are not locked"
    subjects = [subject for user, action, subject in actions(database) if user == "test-analyst"]
    assert subjects == ["password"] * SETTINGS.max_failures + ["locked"]


def test_a_failure_waits_before_answering(database, monkeypatch):
    monkeypatch.setattr(auth, "FAILURE_DELAY_SECONDS", 0.3)
    started = time.monotonic()
    auth.attempt_sign_in(database, "test-analyst", "guess", SETTINGS)
    assert time.monotonic() - started >= 0.3


MINUTE = 60.0


@pytest.mark.parametrize(
    ("signed_in_ago", "last_seen_ago", "expired"),
    [
        (5 * MINUTE, None, None),
        (31 * MINUTE, None, "without activity"),
        (31 * MINUTE, 29 * MINUTE, None),
        (200 * MINUTE, 31 * MINUTE, "without activity"),
        (599 * MINUTE, 1 * MINUTE, None),
        (601 * MINUTE, 1 * MINUTE, "after 600 minutes"),
    ],
)
def test_session_expiry(signed_in_ago, last_seen_ago, expired):
    now = 1_000_000.0
    last_seen = None if last_seen_ago is None else now - last_seen_ago
    reason = auth.session_expiry(now - signed_in_ago, last_seen, now, SETTINGS)
    assert (reason is None) if expired is None else (expired in reason)


def test_an_expired_session_shows_the_form_with_the_reason(database):
    at = app_as("analyst", name="test-analyst")
    at.session_state["user"] = auth.SignedIn("test-analyst", "analyst", time.time() - 31 * MINUTE)
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in"] and not at.metric
    assert "without activity" in at.info[0].value
    assert actions(database) == [("test-analyst", "session_expired", "")]


def test_using_the_app_keeps_the_session_alive(database):
    at = app_as("analyst")
    at.run()
    first = at.session_state[auth.LAST_SEEN]
    time.sleep(0.05)
    at.run()
    assert at.session_state[auth.LAST_SEEN] > first
    assert at.metric


def test_sign_out_clears_the_session_and_is_recorded(database):
    at = app_as("analyst", name="test-analyst")
    at.run()
    assert "period_from" in at.session_state  # the session holds state before signing out
    at.button(key="sign_out").click()
    at.run()
    assert "user" not in at.session_state and "period_from" not in at.session_state
    assert [t.value for t in at.title] == ["Sign in"]
    assert at.info[0].value == "You have signed out."
    assert actions(database) == [("test-analyst", "sign_out", "")]


# ---- roles ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", CHILD_PAGES + ADMIN_PAGES)
def test_a_viewer_cannot_reach_child_level_or_admin_pages(database, page):
    at = app_as("viewer")
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page)


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_an_analyst_cannot_reach_admin_pages(database, page):
    at = app_as("analyst")
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page)


@pytest.mark.parametrize(("role", "page"), [(r, p) for r in ("analyst", "admin") for p in CHILD_PAGES])
def test_an_analyst_or_admin_reaches_child_level_pages(database, role, page):
    at = app_as(role)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    if "PLACEHOLDER" in (ROOT / page).read_text():
        return  # reached; the page itself is not built yet
    assert not any("analyst" in e.value for e in at.error)
    views = [(user, action) for user, action, subject in actions(database) if subject.startswith(Path(page).stem)]
    assert views and set(views) == {(f"test-{role}", "view")}, "each child-level view leaves an audit record"


def run_page_alone(page: str, role: str) -> AppTest:
    """A page script run on its own (no router), as a page's own role check must hold without app.py."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=TIMEOUT)
    at.session_state["user"] = auth.SignedIn(f"test-{role}", role, time.time())
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", CHILD_PAGES)
def test_child_level_pages_refuse_a_viewer_themselves(database, page):
    if "PLACEHOLDER" in (ROOT / page).read_text():
        pytest.skip(f"{page} is not built yet")
    at = run_page_alone(page, "viewer")
    assert at.error, "the page says it is not for viewers"
    assert not at.dataframe and not at.get("arrow_vega_lite_chart")
    assert actions(database) == [], "a refused view is not a view"


def test_the_audit_log_page_refuses_a_viewer_and_an_analyst_itself(database):
    for role in ("viewer", "analyst"):
        at = run_page_alone("ui/pages/audit_log.py", role)
        assert [e.value for e in at.error] == ["Only admins may open this page."]
        assert not at.dataframe


# ---- the audit log ---------------------------------------------------------------------


def test_audit_records_the_signed_in_user(database):
    def page():
        from ui import auth

        auth.audit("view", "child_timeline", {"child": "C1", "from": "2015-03-01"})

    at = AppTest.from_function(page, default_timeout=TIMEOUT)
    at.session_state["user"] = auth.SignedIn("test-analyst", "analyst", time.time())
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    row = entries(database).iloc[0]
    assert (row["user"], row["action"], row["subject"]) == ("test-analyst", "view", "child_timeline")
    assert row["filters"] == '{"child": "C1", "from": "2015-03-01"}'


def test_admin_filters_the_audit_log_and_its_export_is_recorded(database):
    record(database, "test-analyst", "view", "child_timeline", {"child": "C1"})
    record(database, "test-analyst", "export", "alerts", {"from": "2015-03-01"})
    record(database, "test-viewer", "sign_in", "password", {})
    at = app_as("admin", name="test-admin")
    at.run()
    at.switch_page("ui/pages/audit_log.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Audit log"]
    assert len(at.dataframe[0].value) == 3

    at.multiselect[0].select("test-analyst").run()
    assert at.dataframe[0].value["action"].tolist() == ["export", "view"]
    at.text_input[0].input("c1").run()
    assert at.dataframe[0].value["subject"].tolist() == ["child_timeline"]

    at.download_button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    exported = entries(database, actions=["audit_export"])
    assert exported["user"].tolist() == ["test-admin"]
    assert '"users": ["test-analyst"]' in exported["filters"].iloc[0] and '"text": "c1"' in exported["filters"].iloc[0]


# ---- the identity provider ---------------------------------------------------------------


def test_identity_provider_sign_in_is_off_by_default():
    assert auth.oidc_enabled() is False


def test_identity_provider_role_comes_from_the_users_table_first(database, monkeypatch):
    mapping = OidcSettings(domains={"council.example": "viewer"}, groups={"Analysts": "analyst"}, default_role="")
    monkeypatch.setattr(auth, "oidc_settings", lambda: mapping)
    add_oidc_user(database, "boss@council.example", "admin")
    add_user(database, "gone@council.example", "analyst")
    set_disabled(database, "gone@council.example", True)
    assert auth.oidc_role_for(database, "boss@council.example", []) == ("admin", "users")
    assert auth.oidc_role_for(database, "gone@council.example", ["Analysts"])[0] is None
    assert auth.oidc_role_for(database, "new@council.example", ["Analysts"]) == ("analyst", "mapping")
    assert auth.oidc_role_for(database, "new@council.example", []) == ("viewer", "mapping")
    role, reason = auth.oidc_role_for(database, "new@elsewhere.example", [])
    assert role is None and "no role" in reason


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        (None, "", ""),
        ("http://localhost:8501/", "", ""),
        ("http://localhost:8501/alerts?from=2015-03-01", "", "alerts"),
        ("https://council.example/missing/alerts", "missing", "alerts"),
        ("https://council.example/missing/", "missing", ""),
    ],
)
def test_requested_page_is_read_from_the_url(url, base, expected):
    assert auth.requested_page(url, base) == expected


def test_audit_rows_written_after_loading_episodes_reach_the_database_file(database, monkeypatch):
    """The app loads episodes then records views on the same engine; another process must see the rows."""
    monkeypatch.setattr(loaders.episodes, "SQLITE_ARROW_FROM", 0)  # the columnar (ADBC) read, as at scale
    load_episodes(database)
    record(database, "test-analyst", "view", "alerts", {})
    path = database.url.database
    seen = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sqlite3; print(sqlite3.connect({path!r}).execute('select count(*) from audit_log').fetchone()[0])",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert seen.stdout.strip() == "1"


# ---- the lockout under concurrent attempts --------------------------------------------


def test_concurrent_wrong_passwords_are_counted_up_to_the_limit_then_lock(engine, monkeypatch):
    """Twelve browsers guessing one name at once: the count and the check are one step, so at most
    `max_failures` guesses are checked and the right password is refused afterwards (both databases)."""
    monkeypatch.setattr(auth, "FAILURE_DELAY_SECONDS", 0)
    add_user(engine, "ann", "analyst", "the right passphrase")
    start = threading.Barrier(12)

    def guess(_):
        start.wait()
        return auth.attempt_sign_in(engine, "ann", "a wrong guess", SETTINGS)

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(guess, range(12)))
    assert all(user is None for user, _message in results)
    subjects = [subject for _user, action, subject in actions(engine) if action == "sign_in_failed"]
    assert subjects.count("password") == SETTINGS.max_failures, subjects
    assert subjects.count("locked") == 12 - SETTINGS.max_failures
    user, message = auth.attempt_sign_in(engine, "ann", "the right passphrase", SETTINGS)
    assert user is None and message.startswith("Too many failed sign-ins")


# ---- the stored session behind the browser's cookie -----------------------------------------


def stored_sessions(engine) -> list:
    with engine.connect() as connection:
        return connection.execute(select(SignInSession.__table__).order_by(SignInSession.session_id)).all()


def test_signing_in_stores_a_session_and_the_page_claims_its_cookie(database):
    at = submit(fresh_app(), *TEST_USERS["analyst"])
    [row] = stored_sessions(database)
    assert (row.user_name, row.token_hash, row.ended_at) == ("test-analyst", None, None) and row.claim_hash
    assert at.session_state["user"].session_id == row.session_id
    scripts = [h.value for h in at.html]
    assert any("/_session/claim" in body for body in scripts), scripts
    assert row.claim_hash not in " ".join(scripts), "the page gets the ticket, the table only its hash"


def claim_posts(at) -> list[str]:
    return [h.value for h in at.html if "/_session/claim" in h.value]


def test_the_page_sends_its_ticket_again_until_the_cookie_is_claimed(database):
    """A run cut short by a rerun may never reach the browser: the ticket goes out again on the next run,
    and stops once the server has traded it for the cookie."""
    at = submit(fresh_app(), *TEST_USERS["analyst"])
    first = claim_posts(at)
    assert first
    at.run()
    assert claim_posts(at) == first, "not claimed yet: the same ticket again"
    ticket = first[0].split("body: ")[1].split(",")[0].strip('"')
    assert sessions.claim(database, ticket, datetime.now()) is not None
    at.run()
    assert claim_posts(at) == [] and at.metric, "claimed: nothing more to send"


def test_a_signed_in_tab_survives_the_auth_module_reloaded_under_it(database):
    """Streamlit reloads a changed source file under live sessions (with its file watcher on): the session then
    holds a SignedIn of the old class, which the reloaded module's isinstance does not know (a TypeError on every
    signed-in tab in a bench run while code changed). Here the old class is a copy of it."""
    at = submit(fresh_app(), *TEST_USERS["analyst"])
    old_class = make_dataclass("SignedIn", [(f.name, f.type, f) for f in fields(auth.SignedIn)], frozen=True)
    at.session_state["user"] = old_class(**asdict(at.session_state["user"]))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric and at.session_state["user"].name == "test-analyst"


def test_a_session_ended_elsewhere_signs_this_tab_out_on_its_next_click(database):
    at = submit(fresh_app(), *TEST_USERS["analyst"])
    assert at.metric
    sessions.end_all(database, "test-analyst", datetime.now())
    at.run()
    assert [t.value for t in at.title] == ["Sign in"] and not at.metric
    assert "signed out" in at.info[0].value
    assert any("/_session/forget" in h.value for h in at.html), "the dead cookie is deleted"


def test_disabling_a_user_ends_their_open_session(database):
    at = submit(fresh_app(), *TEST_USERS["analyst"])
    set_disabled(database, "test-analyst", True)
    at.run()
    assert [t.value for t in at.title] == ["Sign in"] and not at.metric


def test_a_role_changed_by_an_admin_applies_on_the_next_click(database):
    at = submit(fresh_app(), *TEST_USERS["analyst"])
    set_role(database, "test-analyst", "viewer")
    at.run()
    assert at.session_state["user"].role == "viewer"
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("ui/pages/alerts.py")


def test_sign_out_everywhere_ends_every_session_of_the_user(database):
    first = submit(fresh_app(), *TEST_USERS["analyst"])
    second = submit(fresh_app(), *TEST_USERS["analyst"])
    other = submit(fresh_app(), *TEST_USERS["viewer"])
    first.button(key="sign_out_everywhere").click()
    first.run()
    assert first.info[0].value == "You have signed out everywhere."
    ended = {row.user_name: row.ended_at for row in stored_sessions(database) if row.ended_at}
    assert set(ended) == {"test-analyst"} and len([r for r in stored_sessions(database) if r.ended_at]) == 2
    second.run()
    assert [t.value for t in second.title] == ["Sign in"]
    other.run()
    assert other.metric, "another user's session goes on"
    assert ("test-analyst", "sign_out", "everywhere") in actions(database)


def test_the_sign_in_form_preloads_every_first_page_script_this_streamlit_has():
    """Each name in FIRST_PAGE_SCRIPTS is one file of the pinned Streamlit's bundle: an upgrade that renames or
    splits one shows here, rather than as a sign-in that silently preloads less."""
    found = auth._first_page_scripts()
    assert [name.split(".")[0] for name in found] == list(auth.FIRST_PAGE_SCRIPTS)


def test_the_sign_in_form_asks_the_browser_for_those_scripts(database):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    scripts = " ".join(element.proto.body for element in at.get("html"))
    assert all(name in scripts for name in auth._first_page_scripts())
