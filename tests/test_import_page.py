"""The Import page in AppTest: every format, messages, the preview of changes, confirm, audit."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import loaders.episodes as episodes_module
from tests.app_support import app_as, metrics, run_page
from ui.auth import SignedIn

ROOT = Path(__file__).resolve().parent.parent
PAGE = "ui/pages/import_data.py"
SSDA903 = ROOT / "tests" / "fixtures" / "ssda903"


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    """A fresh SQLite file for the app, episodes read row by row in this process (the ADBC read runs in a
    child process, seconds a run; `test_adbc_reads_do_not_lose_a_confirmed_import` covers that path)."""
    url = f"sqlite:///{tmp_path / 'page.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(episodes_module, "_arrow_episodes", lambda engine: None)
    return url


def rows(url: str, sql: str) -> list[tuple]:
    """Query the database from another process, as a second user of the file would (a write the app
    made must be on disk, not only visible to the app's own connections)."""
    script = (
        "import json, sys, sqlite3; c = sqlite3.connect(sys.argv[1]); "
        "print(json.dumps(c.execute(sys.argv[2]).fetchall()))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, url.removeprefix("sqlite:///"), sql], capture_output=True, text=True, check=True
    )
    return [tuple(r) for r in json.loads(done.stdout)]


def test_police_export_with_the_example_mapping_previews_then_lands(database):
    at = run_page(PAGE, "admin")
    at.radio(key="import_format").set_value("police").run()
    content = (ROOT / "examples" / "police_export.csv").read_bytes()
    at.file_uploader(key="import_file_police").upload("police_export.csv", content, "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    assert metrics(at) == {"New episodes": "4", "Updated": "0", "Unchanged": "0", "Errors": "0", "Warnings": "0"}
    assert any(e.label.startswith("New episodes: 4") for e in at.expander)
    preview = at.dataframe[0].value
    assert list(preview["episode_id"]) == ["MP/15/0101", "MP/15/0102", "MP/15/0103", "MP/15/0104"]
    assert rows(database, "select count(*) from episodes") == [(0,)]  # the check wrote nothing

    at.button(key="import_confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success[0].value.startswith("Imported: landed: 4 rows, 4 new")
    assert rows(database, "select count(*) from episodes") == [(4,)]
    assert rows(database, "select user_name, action, subject from audit_log where action = 'import'") == [
        ("test-admin", "import", "police_export.csv")
    ]


def test_ssda903_tables_together(database):
    at = run_page(PAGE, "admin")
    at.radio(key="import_format").set_value("ssda903").run()
    files = [
        (p.name, p.read_bytes(), "text/csv")
        for p in (SSDA903 / n for n in ("missing.csv", "header.csv", "episodes.csv"))
    ]
    at.file_uploader(key="import_files_ssda903").set_value(files).run()
    assert not at.exception, [e.value for e in at.exception]
    assert metrics(at)["New episodes"] == "4" and metrics(at)["Errors"] == "0"
    at.button(key="import_confirm").click().run()
    assert rows(database, "select count(*) from episodes where source = 'ssda903'") == [(4,)]


def test_refused_file_shows_every_message_and_no_confirm(database):
    at = run_page(PAGE, "admin")
    bad = (ROOT / "tests" / "fixtures" / "one_error_per_rule.csv").read_bytes()
    at.file_uploader(key="import_file_canonical").upload("bad.csv", bad, "text/csv").run()
    assert metrics(at)["Errors"] == "11"
    messages = at.dataframe[0].value
    assert isinstance(messages, pd.DataFrame) and len(messages) == 12
    assert list(messages.columns) == ["file", "row", "column", "severity", "text"]
    assert at.error[0].value.startswith("This file is refused: fix the 11 error(s)")
    assert "import_confirm" not in [b.key for b in at.button]  # nothing to confirm


def test_police_without_a_mapping_waits_for_one(database):
    at = run_page(PAGE, "admin")
    at.radio(key="import_format").set_value("police").run()
    at.radio(key="import_mapping_choice").set_value("upload").run()
    content = (ROOT / "examples" / "police_export.csv").read_bytes()
    at.file_uploader(key="import_file_police").upload("police_export.csv", content, "text/csv").run()
    assert at.info[0].value == "Choose or upload the header mapping for this export."
    mapping = (ROOT / "examples" / "police_mapping.toml").read_bytes()
    at.file_uploader(key="import_map").upload("force.toml", mapping, "application/toml").run()
    assert metrics(at)["New episodes"] == "4"


def test_analyst_cannot_import(database):
    """The router does not offer the page to an analyst, and the page itself refuses one opened directly."""
    at = app_as("analyst")
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
    direct = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    direct.session_state["user"] = SignedIn("test-analyst", "analyst", time.time())
    direct.run()
    assert direct.error[0].value == "Only admins may open this page." and not direct.file_uploader


def test_adbc_reads_do_not_lose_a_confirmed_import(tmp_path, monkeypatch):
    monkeypatch.setattr("loaders.episodes.SQLITE_ARROW_FROM", 0)  # the columnar (ADBC) read, as at scale
    url = f"sqlite:///{tmp_path / 'page.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    at = run_page(PAGE, "admin")
    at.radio(key="import_format").set_value("police").run()
    content = (ROOT / "examples" / "police_export.csv").read_bytes()
    at.file_uploader(key="import_file_police").upload("police_export.csv", content, "text/csv").run()
    at.button(key="import_confirm").click().run()
    assert rows(url, "select count(*) from episodes") == [(4,)]
