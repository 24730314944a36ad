"""Application logging (config/logging.py): imports and sign-ins are logged, a password never is,
and the configuration writes the project's records to stderr at the level MISSING_LOG_LEVEL names."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.sections import AuthSettings
from loaders.importer import import_file
from loaders.users import add_user
from ui import auth

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ROOT / "tests" / "fixtures" / "clean.csv"
SETTINGS = AuthSettings(max_failures=2, lockout_minutes=15)
PASSWORD = "correct-horse-battery-staple"
WRONG = "not-the-password-9481"


def test_an_import_is_logged_with_its_file_rows_and_outcome(sqlite_engine, caplog):
    with caplog.at_level(logging.INFO, logger="loaders.importer"):
        result = import_file(sqlite_engine, CLEAN, user="clerk")
    assert result.outcome == "landed"
    (record,) = [r for r in caplog.records if r.name == "loaders.importer"]
    assert record.levelno == logging.INFO
    assert record.getMessage() == (
        f"import {result.import_id} of 'clean.csv' (csv) by 'clerk': landed, {result.rows} rows, "
        f"{result.inserted} new, 0 updated, 0 errors, {len(result.warnings)} warnings"
    )


def test_a_refused_import_is_logged_as_refused(sqlite_engine, tmp_path, caplog):
    bad = tmp_path / "bad.csv"
    bad.write_text(CLEAN.read_text().replace(",missing,", ",vanished,", 1))
    with caplog.at_level(logging.INFO, logger="loaders.importer"):
        result = import_file(sqlite_engine, bad)
    assert result.outcome == "refused"
    (record,) = [r for r in caplog.records if r.name == "loaders.importer"]
    assert "of 'bad.csv' (csv) by 'cli': refused" in record.getMessage()
    assert f"{len(result.errors)} errors" in record.getMessage()


def test_sign_ins_are_logged_by_name_and_never_with_the_password(sqlite_engine, caplog, monkeypatch):
    monkeypatch.setattr(auth, "FAILURE_DELAY_SECONDS", 0)
    add_user(sqlite_engine, "alice", "analyst", PASSWORD)
    with caplog.at_level(logging.INFO, logger="ui.auth"):
        auth.attempt_sign_in(sqlite_engine, "alice", WRONG, SETTINGS)
        auth.attempt_sign_in(sqlite_engine, "alice", WRONG, SETTINGS)
        auth.attempt_sign_in(sqlite_engine, "alice", PASSWORD, SETTINGS)  # locked: two failures already
        auth.attempt_sign_in(sqlite_engine, "bob", PASSWORD, SETTINGS)
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "ui.auth"]
    assert lines == [
        ("WARNING", "sign-in refused for 'alice': wrong name or password"),
        ("WARNING", "sign-in refused for 'alice': wrong name or password"),
        ("WARNING", "sign-in refused for 'alice': locked out after repeated failures"),
        ("WARNING", "sign-in refused for 'bob': wrong name or password"),
    ]
    assert PASSWORD not in caplog.text and WRONG not in caplog.text


def test_a_successful_sign_in_is_logged_with_the_role(sqlite_engine, caplog):
    add_user(sqlite_engine, "carol", "admin", PASSWORD)
    with caplog.at_level(logging.INFO, logger="ui.auth"):
        user, _ = auth.attempt_sign_in(sqlite_engine, "carol", PASSWORD, SETTINGS)
    assert user is not None
    assert [r.getMessage() for r in caplog.records if r.name == "ui.auth"] == ["sign-in: 'carol' as admin"]
    assert PASSWORD not in caplog.text


def logged_by_a_new_process(level: str | None) -> subprocess.CompletedProcess:
    """A fresh Python that configures logging and logs at every level from a project logger and
    from a library's, as the app's process would."""
    code = (
        "import logging, config.logging; config.logging.configure(); "
        "log = logging.getLogger('loaders.importer'); "
        "log.debug('a debug line'); log.info('an info line'); log.error('an error line'); "
        "logging.getLogger('tornado.access').warning('a library line')"
    )
    env = {k: v for k, v in os.environ.items() if k != "MISSING_LOG_LEVEL"}
    if level is not None:
        env["MISSING_LOG_LEVEL"] = level
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)


def test_the_configuration_writes_project_records_to_stderr_at_info_by_default():
    done = logged_by_a_new_process(None)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert [line.split(" ", 2)[2] for line in lines[:2]] == [
        "INFO loaders.importer: an info line",
        "ERROR loaders.importer: an error line",
    ]
    assert "a debug line" not in done.stderr
    assert lines[2] == "a library line"  # not ours: Python's last-resort handler, unformatted


@pytest.mark.parametrize(("level", "shown"), [("debug", 3), ("ERROR", 1)])
def test_missing_log_level_sets_the_level(level, shown):
    done = logged_by_a_new_process(level)
    assert done.returncode == 0, done.stderr
    assert len([line for line in done.stderr.splitlines() if " loaders.importer: " in line]) == shown


def test_an_unknown_level_is_refused_naming_the_variable():
    done = logged_by_a_new_process("LOUD")
    assert done.returncode != 0
    assert "MISSING_LOG_LEVEL: not a logging level: 'LOUD'" in done.stderr
