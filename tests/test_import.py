"""Importing files into real SQLite and PostgreSQL databases, and the import command."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from loaders.episodes import load_episodes
from loaders.importer import import_file
from loaders.schema import AuditEntry, Child, Episode, Establishment, Import, ImportMessage
from tests.commands import run_module

FIXTURES = Path(__file__).parent / "fixtures"
CLEAN = FIXTURES / "clean.csv"
BAD = FIXTURES / "one_error_per_rule.csv"

BAD_MESSAGES = [
    "bad.csv:2:child_id: error: required field is blank",
    "bad.csv:3:category: error: unknown value 'lost' (expected one of: missing, absent, away)",
    "bad.csv:4:reported_at: error: unparseable date '31/02/2015 14:30' (expected YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM)",
    "bad.csv:5:returned_at: error: returned_at '2015-03-01 10:00' is before reported_at '2015-03-01 14:30'",
    "bad.csv:6:rhi_offered_at: error: rhi_offered_at '2015-03-01' is before returned_at '2015-03-02 10:00'",
    "bad.csv:7:rhi_completed_at: error: rhi_outcome is completed but rhi_completed_at is blank",
    "bad.csv:8:returned_at: error: date '2099-03-02 10:00' is in the future",
    "bad.csv:9:date_of_birth: error: child is 18 or over at reported_at (aged 24)",
    "bad.csv:10:from_postcode: error: malformed postcode 'B23 6A'",
    "bad.csv:11:episode_id: error: episode_id 'E0001' repeated (first at row 2)",
    "bad.csv:12:cse_concern: error: unparseable boolean 'perhaps' (expected Y/N, yes/no, true/false or 1/0)",
    "bad.csv:13:found_postcode: warning: postcode 'B99 9ZZ' is not in the ONS postcode directory",
]


def count(engine, model) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def imports(engine) -> pd.DataFrame:
    with engine.connect() as connection:
        return pd.read_sql(select(Import).order_by(Import.import_id), connection)


def stored_episodes(engine) -> pd.DataFrame:
    return load_episodes(engine).drop(columns=["import_id"], errors="ignore").reset_index(drop=True)


def test_clean_file_lands(engine):
    result = import_file(engine, CLEAN, user="tester")
    assert result.outcome == "landed", [str(m) for m in result.messages]
    assert (result.rows, result.inserted, result.updated, result.unchanged) == (5, 5, 0, 0)
    assert result.messages == []
    assert result.summary() == "landed: 5 rows, 5 new, 0 updated, 0 unchanged, 0 errors, 0 warnings"
    assert (count(engine, Episode), count(engine, Child), count(engine, Establishment)) == (5, 3, 1)
    episodes = load_episodes(engine).set_index("episode_id")
    first = episodes.loc["E0001"]
    assert first["reported_at"] == pd.Timestamp("2015-03-01 14:30")
    assert (first["from_district"], first["from_sector"], first["from_lad"]) == ("B23", "B23 6", "E08000025")
    assert first["sex"] == "female" and first["ethnicity"] == "WBRI" and first["establishment_name"] == "Home A"
    assert episodes.loc["E0002", "category"] == "absent" and episodes.loc["E0002", "reported_at"] == pd.Timestamp(
        "2015-03-02 21:15"
    )
    assert bool(episodes.loc["E0003", "reported_at_date_only"]) and not bool(
        episodes.loc["E0001", "reported_at_date_only"]
    )
    assert bool(episodes.loc["E0003", "out_of_area"]) and not bool(episodes.loc["E0002", "out_of_area"])
    assert pd.isna(episodes.loc["E0004", "returned_at"]) and pd.isna(episodes.loc["E0004", "out_of_area"])
    assert episodes.loc["E0005", "reported_at"] == pd.Timestamp("2015-06-01 18:45:30")
    record = imports(engine).iloc[-1]
    assert (record["outcome"], record["rows"], record["inserted"], record["file_name"], record["file_format"]) == (
        "landed",
        5,
        5,
        "clean.csv",
        "csv",
    )
    assert len(record["content_hash"]) == 64 and record["imported_by"] == "tester"


def test_importing_again_changes_nothing(engine):
    import_file(engine, CLEAN)
    before = stored_episodes(engine)
    again = import_file(engine, CLEAN)
    assert (again.outcome, again.inserted, again.updated, again.unchanged) == ("landed", 0, 0, 5)
    assert count(engine, Episode) == 5
    pd.testing.assert_frame_equal(stored_episodes(engine), before)


def test_editing_one_row_reports_one_updated(engine, tmp_path):
    import_file(engine, CLEAN)
    rows = list(csv.reader(CLEAN.open()))
    rows[3][rows[0].index("returned_at")] = "2015-04-12"  # E0003 returned a day later
    edited = tmp_path / "edited.csv"
    csv.writer(edited.open("w", newline="")).writerows(rows)
    result = import_file(engine, edited)
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 4)
    assert load_episodes(engine).set_index("episode_id").loc["E0003", "returned_at"] == pd.Timestamp("2015-04-12")
    assert count(engine, Episode) == 5


def test_file_with_errors_is_refused_whole(engine):
    import_file(engine, CLEAN)
    before = stored_episodes(engine)
    result = import_file(engine, BAD, display_name="bad.csv")
    assert result.outcome == "refused"
    assert [str(m) for m in result.messages] == BAD_MESSAGES
    assert result.summary() == "refused: 12 rows, 0 new, 0 updated, 0 unchanged, 11 errors, 1 warnings"
    pd.testing.assert_frame_equal(stored_episodes(engine), before)
    record = imports(engine).iloc[-1]
    assert (record["outcome"], record["errors"], record["warnings"], record["file_name"]) == (
        "refused",
        11,
        1,
        "bad.csv",
    )
    with engine.connect() as connection:
        stored = connection.execute(
            select(ImportMessage.row, ImportMessage.column, ImportMessage.severity)
            .where(ImportMessage.import_id == int(record["import_id"]))
            .order_by(ImportMessage.message_id)
        ).all()
    assert [(r, c, s) for r, c, s in stored] == [(m.row, m.column, m.severity) for m in result.messages]


def test_xlsx_with_real_date_cells_matches_csv(engine, tmp_path):
    """Excel holds dates as numbers with a format; they must read as the same episodes as the CSV."""
    frame = pd.read_csv(CLEAN, dtype=str, keep_default_na=False)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([c.upper() for c in frame.columns])
    for number, row in enumerate(frame.itertuples(index=False), start=2):
        for position, (column, value) in enumerate(zip(frame.columns, row, strict=True), start=1):
            cell = sheet.cell(row=number, column=position)
            if (column.endswith("_at") or column == "date_of_birth") and value:
                has_time = ":" in value
                cell.value = pd.to_datetime(
                    value, format="%d/%m/%Y" if "/" in value and not has_time else None, dayfirst="/" in value
                ).to_pydatetime()
                # Excel keeps a date as a number; only its format says whether a time was meant.
                cell.number_format = "dd/mm/yyyy hh:mm:ss" if has_time else "dd/mm/yyyy"
            elif column == "cce_concern" and value in ("1", "0"):
                cell.value = int(value)
            else:
                cell.value = value or None
    path = tmp_path / "clean.xlsx"
    workbook.save(path)

    first = import_file(engine, path)
    assert (first.outcome, first.inserted) == ("landed", 5), [str(m) for m in first.messages]
    assert imports(engine).iloc[-1]["file_format"] == "xlsx"
    again = import_file(engine, CLEAN)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)


def test_dry_run_changes_nothing(engine):
    result = import_file(engine, CLEAN, dry_run=True)
    assert (result.outcome, result.inserted, result.updated, result.unchanged) == ("dry_run", 5, 0, 0)
    assert (count(engine, Episode), count(engine, Child), count(engine, Establishment)) == (0, 0, 0)
    assert imports(engine)["outcome"].tolist() == ["dry_run"]
    refused = import_file(engine, BAD, dry_run=True)
    assert refused.outcome == "dry_run" and len(refused.errors) == 11
    assert count(engine, Episode) == 0


def test_progress_advances_to_the_end(engine):
    seen: list[tuple[float, str]] = []
    import_file(engine, CLEAN, progress=lambda fraction, stage: seen.append((fraction, stage)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0 and len(seen) >= 4


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty.csv::: error: cannot read file: no header row"),
        (b"PK\x03\x04\x00\x00garbage", "empty.csv::: error: cannot read file: not a CSV file (binary content)"),
    ],
)
def test_unreadable_file_is_refused(sqlite_engine, tmp_path, content, expected):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    result = import_file(sqlite_engine, path)
    assert result.outcome == "refused" and [str(m) for m in result.messages] == [expected]


def run_cli(*args: str, database_url: str) -> subprocess.CompletedProcess:
    return run_module("loaders", *args, database_url=database_url)


def test_cli_lands_then_refuses(engine):
    url = engine.url.render_as_string(hide_password=False)
    landed = run_cli("import", str(CLEAN), database_url=url)
    assert landed.returncode == 0, landed.stderr
    assert landed.stdout.splitlines() == ["landed: 5 rows, 5 new, 0 updated, 0 unchanged, 0 errors, 0 warnings"]
    refused = run_cli("import", str(BAD), database_url=url)
    assert refused.returncode == 1
    lines = refused.stdout.splitlines()
    assert lines[:-1] == [m.replace("bad.csv", str(BAD), 1) for m in BAD_MESSAGES]
    assert lines[-1] == "refused: 12 rows, 0 new, 0 updated, 0 unchanged, 11 errors, 1 warnings"
    assert count(engine, Episode) == 5


@pytest.mark.parametrize(
    ("args", "stderr_has"),
    [
        (["import"], "the following arguments are required: FILE"),
        (["import", str(CLEAN), "--format", "xml"], "invalid choice: 'xml'"),
        (["import", str(CLEAN), "--format", "police"], "--format police needs --mapping FILE"),
        (["import", str(CLEAN), "--format", "police", "--mapping", "no_map.toml"], "no such file: no_map.toml"),
        (["import", str(CLEAN), "--format", "ssda903", "--mapping", "m.toml"], "--mapping applies to --format police"),
        (["import", "no_such_file.csv"], "no such file: no_such_file.csv"),
        ([], "required: COMMAND"),
    ],
)
def test_cli_bad_usage_exits_2(tmp_path, args, stderr_has):
    done = run_cli(*args, database_url=f"sqlite:///{tmp_path / 'cli.db'}")
    assert done.returncode == 2 and stderr_has in done.stderr and done.stdout == ""


def test_cli_dry_run_exit_codes(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    clean = run_cli("import", "--dry-run", str(CLEAN), database_url=url)
    assert clean.returncode == 0 and clean.stdout.splitlines()[-1].startswith("dry_run: 5 rows, 5 new")
    bad = run_cli("import", "--dry-run", str(BAD), database_url=url)
    assert bad.returncode == 1 and bad.stdout.splitlines()[-1].endswith("11 errors, 1 warnings")


def test_every_real_import_is_in_the_audit_log(engine):
    """Landed and refused imports leave an audit row naming who, what and the outcome; a dry run does not."""
    import_file(engine, CLEAN, user="data-officer", dry_run=True)
    import_file(engine, CLEAN, user="data-officer")
    import_file(engine, BAD, user="data-officer")
    with engine.connect() as connection:
        rows = connection.execute(
            select(AuditEntry.user_name, AuditEntry.action, AuditEntry.subject, AuditEntry.filters).order_by(
                AuditEntry.audit_id
            )
        ).all()
    assert [(r.user_name, r.action, r.subject) for r in rows] == [
        ("data-officer", "import", CLEAN.name),
        ("data-officer", "import", BAD.name),
    ]
    assert [json.loads(r.filters)["outcome"] for r in rows] == ["landed", "refused"]
    assert json.loads(rows[0].filters)["rows"] == 5


CONTENT_FILE = """episode_id,child_id,category,reported_at,returned_at,missing_from,placement_type,rhi_offered_at,rhi_outcome,rhi_completed_at,rhi_conducted_by,rhi_late_reason,push_factors,pull_factors,disclosures,follow_up
E1,C1,missing,2015-03-01 14:30,2015-03-02 10:00,care,residential,2015-03-02 12:00,completed,2015-03-07 10:00,Independent_Provider,staff_capacity;Notified_Late,placement_unhappy,parties_adults;friends_peers,self_harm; CSE,mash_referral;strategy_meeting
E2,C2,absent,2015-03-03 09:00,2015-03-03 18:00,home,,2015-03-04 09:00,completed,2015-03-04 16:00,early_help,,family_conflict;school,,none,none
"""  # noqa: E501 (a file's lines as a council writes them)


def test_file_with_every_content_column_lands(engine, tmp_path):
    """The six return interview content columns land, `;`-joined in vocabulary order, on both databases."""
    path = tmp_path / "content.csv"
    path.write_text(CONTENT_FILE)
    result = import_file(engine, path)
    assert result.outcome == "landed", [str(m) for m in result.messages]
    stored = load_episodes(engine).set_index("episode_id")
    assert stored.loc[
        "E1", ["rhi_conducted_by", "rhi_late_reason", "push_factors", "pull_factors", "disclosures", "follow_up"]
    ].tolist() == [
        "independent_provider",
        "staff_capacity;notified_late",
        "placement_unhappy",
        "friends_peers;parties_adults",
        "cse;self_harm",
        "mash_referral;strategy_meeting",
    ]
    assert stored.loc["E2", "push_factors"] == "family_conflict;school" and pd.isna(stored.loc["E2", "pull_factors"])


def test_bad_content_value_refuses_the_file(engine, tmp_path):
    path = tmp_path / "content.csv"
    path.write_text(CONTENT_FILE.replace("self_harm; CSE", "self_harm;grooming"))
    result = import_file(engine, path)
    assert result.outcome == "refused" and count(engine, Episode) == 0
    assert [str(m) for m in result.messages] == [
        (
            "content.csv:2:disclosures: error: unknown value 'grooming' in 'self_harm;grooming' (several values "
            "separated "
            "by ';', each one of: cse, cce_county_lines, trafficking, self_harm, sexual_assault, physical_harm, "
            "substance_misuse, criminal_activity, none)"
        )
    ]
