"""A force's whole missing-person export, as it comes (examples/police_export_force.csv): adults and
other areas left out and counted by reason, names dropped with a warning, postcodes taken from addresses."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from loaders.importer import import_file
from tests.app_support import metrics, run_page
from tests.commands import run_module

ROOT = Path(__file__).resolve().parent.parent
EXPORT, MAPPING = ROOT / "examples" / "police_export_force.csv", ROOT / "examples" / "police_mapping_force.toml"
LEFT_OUT = "left out: 1 Force Area not Birmingham, 2 aged 18 or over at report"


def test_the_example_lands_its_children_only(engine):
    result = import_file(engine, EXPORT, "police", mapping=MAPPING)
    assert result.summary() == f"landed: 3 rows, 3 new, 0 updated, 0 unchanged, 0 errors, 2 warnings; {LEFT_OUT}"
    assert [(m.column, m.severity) for m in result.messages] == [("Forename", "warning"), ("Surname", "warning")]
    episodes = result.preview.set_index("episode_id")
    # MP/15/0202 and MP/15/0205 (18 that very day) are adults; MP/15/0204 is in Solihull's area;
    # MP/15/0206 was reported on their 17th birthday: a child
    assert list(episodes.index) == ["MP/15/0201", "MP/15/0203", "MP/15/0206"]
    assert episodes[["from_postcode", "found_postcode"]].values.tolist() == [
        ["B23 6AA", "B1 1AA"],
        ["B23 6AA", None],
        ["B23 6AA", "B1 1AA"],
    ]
    assert not {"forename", "surname", "home address", "force area"} & set(episodes.columns)


def test_no_name_or_address_is_stored(sqlite_engine, tmp_path):
    import_file(sqlite_engine, EXPORT, "police", mapping=MAPPING)
    database = sqlite3.connect(sqlite_engine.url.database)
    stored = "\n".join(
        str(row)
        for table in ("episodes", "children", "contributions", "import_messages", "imports", "audit_log")
        for row in database.execute(f"select * from {table}")
    )
    for written in ("Amy", "Leah", "Sample", "High Street", "Church Road", "A-7731"):
        assert written not in stored


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("12 High Street, Birmingham", "no UK postcode in the address '12 High Street, Birmingham'"),
        ("12 High Street B23 6AA, c/o B1 1AA", "2 postcodes (B23 6AA, B1 1AA) in the address"),
    ],
)
def test_an_address_without_one_postcode_is_an_error_naming_its_cell(sqlite_engine, tmp_path, address, expected):
    lines = EXPORT.read_text().splitlines()
    lines[1] = lines[1].replace('"12 High Street, Erdington, Birmingham B23 6AA"', f'"{address}"')
    export = tmp_path / "export.csv"
    export.write_text("\n".join(lines) + "\n")
    result = import_file(sqlite_engine, export, "police", mapping=MAPPING)
    assert result.outcome == "refused"
    (error,) = result.errors
    assert (error.file, error.row, error.column) == ("export.csv", 2, "Home Address")
    assert expected in error.text


def test_the_command_and_the_import_page_count_the_rows_left_out(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    done = run_module(
        "loaders", "import", str(EXPORT), "--format", "police", "--mapping", str(MAPPING), database_url=url
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].endswith(LEFT_OUT)

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'page.db'}")
    at = run_page("ui/pages/import_data.py", "admin")
    at.radio(key="import_format").set_value("police").run()
    at.radio(key="import_mapping_choice").set_value("upload").run()
    at.file_uploader(key="import_file_police").upload(EXPORT.name, EXPORT.read_bytes(), "text/csv").run()
    at.file_uploader(key="import_map").upload(MAPPING.name, MAPPING.read_bytes(), "application/toml").run()
    assert metrics(at)["New episodes"] == "3"
    assert "1 Force Area not Birmingham, 2 aged 18 or over at report" in at.info[0].value
    at.button(key="import_confirm").click().run()
    assert at.success[0].value.endswith(LEFT_OUT)
