"""Users who may sign in: argon2 passwords, disabling, the role mapping for the identity provider, the command."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from config.sections import OidcSettings
from loaders import users
from loaders.schema import User
from reports.audit import entries, failed_sign_ins, record
from tests.commands import PROJECT_ROOT, run_module


def stored_hash(engine, name: str) -> str:
    with engine.connect() as connection:
        return connection.execute(select(User.password_hash).where(User.name == name)).scalar_one()


def test_password_is_stored_as_argon2_and_verified(engine):
    password = users.add_user(engine, "ann", "analyst", "correct horse battery")
    assert password == "correct horse battery"
    stored = stored_hash(engine, "ann")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    account = users.verify(engine, "ann", "correct horse battery")
    assert (account.name, account.role) == ("ann", "analyst")
    assert users.lookup(engine, "ann").last_sign_in_at is not None


@pytest.mark.parametrize(
    ("name", "password"), [("ann", "wrong"), ("ann", ""), ("nobody", "correct horse battery"), ("", "x")]
)
def test_wrong_name_or_password_is_refused(engine, name, password):
    users.add_user(engine, "ann", "analyst", "correct horse battery")
    assert users.verify(engine, name, password) is None
    assert users.lookup(engine, "ann").last_sign_in_at is None


def test_disabled_user_cannot_sign_in_until_enabled(engine):
    users.add_user(engine, "vic", "viewer", "correct horse battery")
    users.set_disabled(engine, "vic", True)
    assert users.verify(engine, "vic", "correct horse battery") is None
    users.set_disabled(engine, "vic", False)
    assert users.verify(engine, "vic", "correct horse battery").role == "viewer"


def test_generated_passwords_are_random_and_reset_replaces_the_old_one(engine):
    first = users.add_user(engine, "ann", "analyst")
    second = users.add_user(engine, "bob", "analyst")
    assert len(first) >= 16 and first != second
    new = users.reset_password(engine, "ann")
    assert new != first
    assert users.verify(engine, "ann", first) is None
    assert users.verify(engine, "ann", new).name == "ann"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda e: users.add_user(e, "ann", "analyst"), "already exists"),
        (lambda e: users.add_user(e, "zed", "superuser"), "role must be one of"),
        (lambda e: users.add_user(e, "  ", "viewer"), "1 to 100 characters"),
        (lambda e: users.set_disabled(e, "nobody", True), "no user nobody"),
        (lambda e: users.reset_password(e, "nobody"), "no user nobody"),
        (lambda e: users.set_role(e, "ann", "owner"), "role must be one of"),
    ],
)
def test_refusals(engine, call, message):
    users.add_user(engine, "ann", "analyst")
    with pytest.raises(users.UserError, match=message):
        call(engine)


def test_demo_admin_is_made_only_when_there_are_no_users(engine):
    password = users.ensure_demo_admin(engine)
    assert users.verify(engine, "admin", password).role == "admin"
    assert users.ensure_demo_admin(engine) is None
    assert [a.name for a in users.list_users(engine)] == ["admin"]


def test_identity_provider_users_have_no_password(engine):
    users.add_oidc_user(engine, "ann@council.example", "analyst")
    account = users.lookup(engine, "ann@council.example")
    assert (account.role, account.has_password) == ("analyst", False)
    assert users.verify(engine, "ann@council.example", "") is None
    assert users.verify(engine, "ann@council.example", "anything") is None


MAPPING = OidcSettings(
    groups={"Missing Analysts": "analyst", "Dashboard Admins": "admin", "Typo": "superuser"},
    domains={"council.example": "viewer", "@police.example": "analyst"},
    default_role="",
)


@pytest.mark.parametrize(
    ("email", "groups", "mapping", "expected"),
    [
        ("ann@council.example", [], MAPPING, "viewer"),
        ("ann@COUNCIL.example", [], MAPPING, "viewer"),
        ("ann@council.example", ["missing analysts"], MAPPING, "analyst"),
        ("ann@council.example", ["Dashboard Admins", "Missing Analysts"], MAPPING, "admin"),
        ("pc@police.example", [], MAPPING, "analyst"),
        ("someone@elsewhere.example", [], MAPPING, None),
        ("someone@elsewhere.example", ["Typo"], MAPPING, None),
        ("someone@sub.council.example", [], MAPPING, None),
        ("someone@elsewhere.example", [], replace(MAPPING, default_role="viewer"), "viewer"),
        ("someone@elsewhere.example", [], replace(MAPPING, default_role="owner"), None),
        ("no-at-sign", [], MAPPING, None),
        ("ann@council.example", [], OidcSettings(), None),
    ],
)
def test_identity_provider_role_mapping(email, groups, mapping, expected):
    assert users.oidc_role(email, groups, mapping) == expected


def test_failed_sign_ins_count_within_the_window_and_since_the_last_success(sqlite_engine):
    for _ in range(3):
        record(sqlite_engine, "ann", "sign_in_failed", "password", {})
    record(sqlite_engine, "bob", "sign_in_failed", "password", {})
    an_hour_ago = datetime.now() - timedelta(hours=1)
    assert failed_sign_ins(sqlite_engine, "ann", an_hour_ago) == 3
    assert failed_sign_ins(sqlite_engine, "ann", datetime.now() + timedelta(minutes=1)) == 0
    record(sqlite_engine, "ann", "sign_in", "password", {})
    assert failed_sign_ins(sqlite_engine, "ann", an_hour_ago) == 0


def test_audit_entries_filter_by_user_action_dates_and_text(engine):
    record(engine, "ann", "view", "child_timeline", {"child": "C-0042"})
    record(engine, "bob", "export", "alerts", {"from": "2015-03-01"})
    record(engine, "ann", "sign_in", "password", {})
    assert len(entries(engine)) == 3
    assert entries(engine, users=["ann"])["action"].tolist() == ["sign_in", "view"]
    assert entries(engine, actions=["export"])["user"].tolist() == ["bob"]
    assert entries(engine, text="c-0042")["subject"].tolist() == ["child_timeline"]
    assert entries(engine, text="ALERTS")["user"].tolist() == ["bob"]
    today = datetime.now().date()
    assert len(entries(engine, start=today, end=today)) == 3
    assert entries(engine, end=today - timedelta(days=1)).empty
    assert entries(engine, start=today + timedelta(days=1)).empty


def piped(stdin: str, *args: str, database_url: str) -> subprocess.CompletedProcess:
    """`python -m loaders users ARGS` with `stdin` on its standard input."""
    return subprocess.run(
        [sys.executable, "-m", "loaders", "users", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        timeout=120,
        check=False,
    )


def test_users_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'users.db'}"
    first = run_module("loaders", "users", "ensure-demo", database_url=url)
    assert first.returncode == 0 and first.stdout.startswith("Demo admin: name admin, password ")
    again = run_module("loaders", "users", "ensure-demo", database_url=url)
    assert (again.returncode, again.stdout) == (0, "")

    added = run_module("loaders", "users", "add", "ann", "--role", "analyst", database_url=url)
    assert added.returncode == 0, added.stderr
    password = added.stdout.split("password: ")[1].split()[0]
    taken = run_module("loaders", "users", "add", "ann", "--role", "viewer", database_url=url)
    assert taken.returncode == 1 and "already exists" in taken.stderr
    bad_role = run_module("loaders", "users", "add", "zed", "--role", "owner", database_url=url)
    assert bad_role.returncode == 2

    assert run_module("loaders", "users", "disable", "ann", database_url=url).returncode == 0
    listing = run_module("loaders", "users", "list", database_url=url).stdout.splitlines()
    assert [line.split()[:3] for line in listing[1:]] == [["admin", "admin", "enabled"], ["ann", "analyst", "disabled"]]
    assert password not in "\n".join(listing)

    short = piped("too short\n", "reset", "ann", "--password-stdin", database_url=url)
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    chosen = piped("a long chosen passphrase\n", "add", "vic", "--role", "viewer", "--password-stdin", database_url=url)
    assert chosen.returncode == 0 and "password" not in chosen.stdout.replace("(viewer)", "")

    from loaders.database import connect

    engine = connect(url)
    assert users.verify(engine, "ann", password) is None  # disabled
    users.set_disabled(engine, "ann", False)
    assert users.verify(engine, "ann", password).role == "analyst"
    assert users.verify(engine, "vic", "a long chosen passphrase").role == "viewer"
    engine.dispose()
