"""A page that fails unexpectedly (ui/errors.py): the user sees a short message with a reference and
no traceback; the log (logger `ui`) has the traceback; with MISSING_RAISE_PAGE_ERRORS=1, as in every
other test, the failure reaches AppTest's `at.exception` so "no exception" still means the page worked."""

from __future__ import annotations

import logging
import re

import pytest

from tests.app_support import app_as
from ui import display, errors

SECRET = "boom: SELECT child_id FROM episodes"


@pytest.fixture
def broken_overview(tmp_path, monkeypatch):
    """The Overview (the default page) raising where it checks for episodes, on an empty database."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")

    def fail(*args: object) -> None:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(display, "stop_when_empty", fail)


def sent(at) -> str:
    """The text of every element sent to the browser."""
    texts = []

    def walk(node) -> None:
        if getattr(node, "proto", None) is not None:
            texts.append(str(node.proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(texts)


def test_a_failing_page_shows_a_reference_and_logs_the_traceback(broken_overview, monkeypatch, caplog):
    monkeypatch.delenv(errors.RAISE_ENV)
    caplog.set_level(logging.ERROR, logger="ui")
    at = app_as("analyst")
    at.run()
    assert not at.exception
    [message] = [e.value for e in at.error]
    found = re.fullmatch(r"Something went wrong on this page; it has been logged \(reference (\w{8})\)\.", message)
    assert found, message
    assert "boom" not in sent(at) and "Traceback" not in sent(at)
    [record] = [r for r in caplog.records if r.name == "ui"]
    assert found.group(1) in record.getMessage() and "Overview" in record.getMessage()
    assert record.exc_info and SECRET in str(record.exc_info[1])
    assert at.sidebar.button, "the sidebar (sign out, filters) is still drawn"


def test_with_the_test_switch_the_failure_reaches_apptest(broken_overview):
    at = app_as("analyst")
    at.run()
    assert [e.value for e in at.exception] and SECRET in at.exception[0].value
    assert not at.error


def test_stop_and_rerun_are_not_failures(tmp_path, monkeypatch, caplog):
    """st.stop (here: the empty period's message) is not an error: nothing logged, no reference shown."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.delenv(errors.RAISE_ENV)
    at = app_as("analyst")
    at.run()
    assert any("No episodes in this period" in i.value for i in at.info)
    assert not at.error and not [r for r in caplog.records if r.name == "ui"]
