"""The SSDA903 return (CSV tables or XML) imports to exactly the episodes its mapping says."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from loaders import ssda903
from loaders.episodes import episodes_query, typed_episodes
from loaders.importer import import_files
from tests.commands import run_module

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "ssda903"
TABLES = [SMALL / "missing.csv", SMALL / "header.csv", SMALL / "episodes.csv"]
FAKE = FIXTURES / "ssda903_fake"

# What the small tables must become (episode_id, category, reported_at, returned_at,
# placement_type, establishment_id, from_postcode, sex, date_of_birth, ethnicity).
EXPECTED = [
    ("903-C-101-2015-03-01", "missing", "2015-03-01", "2015-03-02", "residential", "1234567", "B23 6AA",
     "female", "2001-05-01", "WBRI"),
    ("903-C-101-2015-03-10", "away", "2015-03-10", "2015-03-11", "residential", "1234567", "B23 6AA",
     "female", "2001-05-01", "WBRI"),
    ("903-C-103-2015-04-05", "missing", "2015-04-05", "2015-04-07", "kinship", None, "B1 1AA",
     "female", "2002-02-12", "BCRB"),
    ("903-C-104-2015-04-18", "away", "2015-04-18", None, "semi_independent", "7654321", "B23 6AA",
     "male", "2004-06-30", "MWBC"),
]  # fmt: skip


def load_episodes(engine: Engine) -> pd.DataFrame:
    """Episodes read row by row in this process: the frame `loaders.episodes.load_episodes` gives.

    (That one reads SQLite through ADBC in a child process, seconds a call: too slow after every import here.)
    """
    with engine.connect() as connection:
        return typed_episodes(pd.read_sql(episodes_query(), connection))


def stored(engine) -> pd.DataFrame:
    return load_episodes(engine).sort_values("episode_id").reset_index(drop=True)


def as_rows(episodes: pd.DataFrame) -> list[tuple]:
    def day(value):
        return None if pd.isna(value) else value.strftime("%Y-%m-%d")

    def text(value):
        return None if pd.isna(value) else str(value)

    return [
        (r.episode_id, r.category, day(r.reported_at), day(r.returned_at), text(r.placement_type),
         text(r.establishment_id), text(r.from_postcode), text(r.sex), day(r.date_of_birth), text(r.ethnicity))
        for r in episodes.itertuples()
    ]  # fmt: skip


@pytest.mark.parametrize("files", [TABLES, [SMALL / "return.xml"]], ids=["csv", "xml"])
def test_tables_import_to_exactly_the_mapped_episodes(engine, files):
    result = import_files(engine, files, "ssda903")
    assert result.outcome == "landed" and result.messages == [], [str(m) for m in result.messages]
    assert (result.rows, result.inserted) == (4, 4)
    episodes = stored(engine)
    assert as_rows(episodes) == EXPECTED
    assert episodes["missing_from"].eq("care").all() and episodes["source"].eq("ssda903").all()
    assert episodes["reported_at_date_only"].all()
    assert episodes["returned_at_date_only"].tolist() == [True, True, True, False]
    assert episodes.loc[0, "from_district"] == "B23"


def test_reimporting_updates_never_duplicates(sqlite_engine):
    import_files(sqlite_engine, TABLES, "ssda903")
    again = import_files(sqlite_engine, list(reversed(TABLES)), "ssda903")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert len(stored(sqlite_engine)) == 4


def test_validator_fake_csv_tables_import_with_warnings_only(sqlite_engine):
    files = [FAKE / "missing.csv", FAKE / "header.csv", FAKE / "episodes.csv"]
    result = import_files(sqlite_engine, files, "ssda903")
    assert result.outcome == "landed" and not result.errors, [str(m) for m in result.errors]
    assert result.inserted == 43 and len(stored(sqlite_engine)) == 43
    texts = " ".join(m.text for m in result.warnings)
    assert "is not in the ONS postcode directory" in texts and "is not a UK postcode: left blank" in texts
    assert "overlaps" in texts  # child 366621 has two overlapping periods in the fake data
    episodes = stored(sqlite_engine)
    assert set(episodes["category"]) == {"missing", "away"}
    assert episodes["sex"].notna().all() and episodes["date_of_birth"].notna().all()


def test_validator_fake_xml_imports_with_warnings_only(sqlite_engine):
    result = import_files(sqlite_engine, [FAKE / "fake_903.xml"], "ssda903")
    assert result.outcome == "landed" and not result.errors, [str(m) for m in result.errors]
    assert result.inserted == 6 and result.warnings


def write_missing(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "missing.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"], *rows])
    return path


# The return's own rules (903 validator codes 567, 586, 574) and bad cells, at file, row and column.
RULE_CASES = [
    ([["C1", "01/01/2005", "M", "10/03/2015", "09/03/2015"]],
     ["missing.csv:2:MIS_END: error: MIS_END '09/03/2015' is before MIS_START '10/03/2015'"]),
    ([["C1", "01/01/2005", "M", "10/03/2004", "11/03/2004"]],
     ["missing.csv:2:MIS_START: error: MIS_START '10/03/2004' is before DOB '01/01/2005'"]),
    ([["C1", "01/01/2005", "M", "10/03/2015", "20/03/2015"], ["C1", "01/01/2005", "A", "15/03/2015", "16/03/2015"]],
     [("missing.csv:3:MIS_START: warning: CHILD C1 period from 15/03/2015 overlaps the one at row 2, "
      "which ends 20/03/2015")]),
    ([["C1", "01/01/2005", "M", "10/03/2015", ""], ["C1", "01/01/2005", "M", "15/03/2015", "16/03/2015"]],
     [("missing.csv:3:MIS_START: warning: CHILD C1 period from 15/03/2015 overlaps the one at row 2, "
      "which is still open")]),
    ([["C1", "01/01/2005", "X", "10/03/2015", "11/03/2015"]],
     [("missing.csv:2:MISSING: error: unknown value 'X' (expected one of: missing, absent, away); "
      "MISSING is M (missing) or A (away from placement without authorisation)")]),
    ([["C1", "01/01/2005", "M", "31/02/2015", ""]],
     ["missing.csv:2:MIS_START: error: unparseable date '31/02/2015' (expected DD/MM/YYYY)"]),
    ([["C1", "01/01/2005", "M", "", ""]], ["missing.csv:2:MIS_START: error: required field is blank"]),
]  # fmt: skip


@pytest.mark.parametrize(("rows", "expected"), RULE_CASES)
def test_missing_table_rules(sqlite_engine, tmp_path, rows, expected):
    result = import_files(sqlite_engine, [write_missing(tmp_path, rows)], "ssda903", dry_run=True)
    assert [str(m) for m in result.messages] == expected


def test_every_903_rule_has_metadata():
    for rule in ssda903.RULES:
        assert rule.severity in ("error", "warning") and rule.message and rule.columns, rule.name
        assert (rule.check.__doc__ or "").strip(), rule.name


def test_header_and_episode_messages_name_their_own_file(sqlite_engine, tmp_path):
    header = tmp_path / "header.csv"
    header.write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,7,01/01/2005,WBRI,,,\n")
    result = import_files(
        sqlite_engine,
        [write_missing(tmp_path, [["C1", "01/01/2005", "M", "10/03/2015", "11/03/2015"]]), header],
        "ssda903",
        dry_run=True,
    )
    assert [str(m) for m in result.messages] == [
        "header.csv:2:SEX: error: unknown value '7' (expected one of: female, male, other); SEX is 1 (male) or 2 (female)"
    ]


@pytest.mark.parametrize(
    ("columns", "kind"),
    [(["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"], "missing"),
     (["child", "sex", "dob", "ethnic", "upn", "mother", "mc_dob"], "header"),
     (list(ssda903.TABLES["episodes"]), "episodes"),
     (["CHILD", "DOB", "REVIEW", "REVIEW_CODE"], None)],
)  # fmt: skip
def test_tables_are_recognised_by_their_columns(columns, kind):
    assert ssda903.table_kind(columns) == kind


@pytest.mark.parametrize(
    ("code", "placement_type"),
    [("U1", "kinship"), ("U2", "kinship"), ("U3", "kinship"), ("U4", "foster"), ("U5", "foster"),
     ("U6", "foster"), ("K1", "residential"), ("K2", "residential"), ("H5", "semi_independent"),
     ("P2", "semi_independent"), ("K3", "semi_independent"), ("A3", "other"), ("P1", "other"),
     ("R1", "other"), ("S1", "other"), ("T4", "other"), ("Z1", "other"), ("Z11", "other")],
)  # fmt: skip
def test_placement_codes(sqlite_engine, tmp_path, code, placement_type):
    episodes = tmp_path / "episodes.csv"
    header = ",".join(ssda903.TABLES["episodes"])
    episodes.write_text(f"{header}\nC1,01/01/2015,S,C2,N1,{code},PR1,,,,,B23 6AA,\n")
    missing = write_missing(tmp_path, [["C1", "01/01/2005", "M", "10/03/2015", "11/03/2015"]])
    import_files(sqlite_engine, [missing, episodes], "ssda903")
    assert stored(sqlite_engine).loc[0, "placement_type"] == placement_type


def test_without_a_missing_table_nothing_lands(sqlite_engine):
    result = import_files(sqlite_engine, [SMALL / "header.csv"], "ssda903")
    assert result.outcome == "refused"
    assert str(result.errors[-1]).endswith(
        "no SSDA903 missing table (CHILD, DOB, MISSING, MIS_START, MIS_END) among the files"
    )


def test_cli_imports_the_tables_together(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    done = run_module("loaders", "import", *map(str, TABLES), "--format", "ssda903", database_url=url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["landed: 4 rows, 4 new, 0 updated, 0 unchanged, 0 errors, 0 warnings"]
    bad = write_missing(tmp_path, [["C1", "01/01/2005", "M", "10/03/2015", "09/03/2015"]])
    refused = run_module("loaders", "import", str(bad), "--format", "ssda903", database_url=url)
    assert refused.returncode == 1
    assert (
        refused.stdout.splitlines()[0]
        == f"{bad}:2:MIS_END: error: MIS_END '09/03/2015' is before MIS_START '10/03/2015'"
    )
