"""The SSDA903 return (CSV tables or XML) imports to exactly the episodes its mapping says."""

from __future__ import annotations

import csv
import re
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
    (
        "903-C-101-2015-03-01",
        "missing",
        "2015-03-01",
        "2015-03-02",
        "residential",
        "1234567",
        "B23 6AA",
        "female",
        "2001-05-01",
        "WBRI",
    ),
    (
        "903-C-101-2015-03-10",
        "away",
        "2015-03-10",
        "2015-03-11",
        "residential",
        "1234567",
        "B23 6AA",
        "female",
        "2001-05-01",
        "WBRI",
    ),
    (
        "903-C-103-2015-04-05",
        "missing",
        "2015-04-05",
        "2015-04-07",
        "kinship",
        None,
        "B1 1AA",
        "female",
        "2002-02-12",
        "BCRB",
    ),
    (
        "903-C-104-2015-04-18",
        "away",
        "2015-04-18",
        None,
        "semi_independent",
        "7654321",
        "B23 6AA",
        "male",
        "2004-06-30",
        "MWBC",
    ),
]


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
        (
            r.episode_id,
            r.category,
            day(r.reported_at),
            day(r.returned_at),
            text(r.placement_type),
            text(r.establishment_id),
            text(r.from_postcode),
            text(r.sex),
            day(r.date_of_birth),
            text(r.ethnicity),
        )
        for r in episodes.itertuples()
    ]


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
    (
        [["C1", "01/01/2005", "M", "10/03/2015", "09/03/2015"]],
        ["missing.csv:2:MIS_END: error: MIS_END '09/03/2015' is before MIS_START '10/03/2015'"],
    ),
    (
        [["C1", "01/01/2005", "M", "10/03/2004", "11/03/2004"]],
        ["missing.csv:2:MIS_START: error: MIS_START '10/03/2004' is before DOB '01/01/2005'"],
    ),
    (
        [["C1", "01/01/2005", "M", "10/03/2015", "20/03/2015"], ["C1", "01/01/2005", "A", "15/03/2015", "16/03/2015"]],
        [
            (
                "missing.csv:3:MIS_START: warning: CHILD C1 period from 15/03/2015 overlaps the one at row 2, "
                "which ends 20/03/2015"
            )
        ],
    ),
    (
        [["C1", "01/01/2005", "M", "10/03/2015", ""], ["C1", "01/01/2005", "M", "15/03/2015", "16/03/2015"]],
        [
            (
                "missing.csv:3:MIS_START: warning: CHILD C1 period from 15/03/2015 overlaps the one at row 2, "
                "which is still open"
            )
        ],
    ),
    (
        [["C1", "01/01/2005", "X", "10/03/2015", "11/03/2015"]],
        [
            (
                "missing.csv:2:MISSING: error: unknown value 'X' (expected one of: missing, absent, away); "
                "MISSING is M (missing) or A (away from placement without authorisation)"
            )
        ],
    ),
    (
        [["C1", "01/01/2005", "M", "31/02/2015", ""]],
        ["missing.csv:2:MIS_START: error: unparseable date '31/02/2015' (expected DD/MM/YYYY)"],
    ),
    ([["C1", "01/01/2005", "M", "", ""]], ["missing.csv:2:MIS_START: error: required field is blank"]),
]


def cell_messages(result) -> list[str]:
    """The messages about cells (a missing table given alone also gets a whole-file warning per absent table)."""
    return [str(m) for m in result.messages if m.row is not None]


@pytest.mark.parametrize(("rows", "expected"), RULE_CASES)
def test_missing_table_rules(sqlite_engine, tmp_path, rows, expected):
    result = import_files(sqlite_engine, [write_missing(tmp_path, rows)], "ssda903", dry_run=True)
    assert cell_messages(result) == expected


def write_tables(folder: Path, tables: dict[str, list[dict[str, str]]]) -> list[Path]:
    """Each table as `<kind>.csv` under its full DfE header, the cells not given blank."""
    paths = []
    for kind, rows in tables.items():
        path = folder / f"{kind}.csv"
        with path.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(ssda903.TABLES[kind])
            writer.writerows([[row.get(c, "") for c in ssda903.TABLES[kind]] for row in rows])
        paths.append(path)
    return paths


PERIOD = {"CHILD": "C1", "DOB": "01/01/2005", "MISSING": "M", "MIS_START": "10/03/2015", "MIS_END": "11/03/2015"}
PERSON = {"CHILD": "C1", "SEX": "2", "DOB": "01/01/2005", "ETHNIC": "WBRI"}
PLACEMENT = {"CHILD": "C1", "DECOM": "01/01/2015", "PLACE": "K2", "PL_POST": "B23 6AA", "URN": "SC123456"}
# One case per rule of the return, run alone: (rule, tables, the message it gives).
CASES_903 = [
    (
        "unreadable_date",
        {"missing": [{**PERIOD, "MIS_START": "31/02/2015"}]},
        "missing.csv:2:MIS_START: error: unparseable date '31/02/2015' (expected DD/MM/YYYY)",
    ),
    (
        "table_not_given",
        {"missing": [PERIOD], "episodes": [PLACEMENT]},
        "missing.csv::: warning: no SSDA903 header table (CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, MC_DOB) among the "
        "files: every child's sex and ethnicity left blank (date of birth from the missing table)",
    ),
    (
        "overlapping_periods",
        {"missing": [{**PERIOD, "MIS_END": "20/03/2015"}, {**PERIOD, "MIS_START": "15/03/2015"}]},
        "missing.csv:3:MIS_START: warning: CHILD C1 period from 15/03/2015 overlaps the one at row 2, "
        "which ends 20/03/2015",
    ),
    (
        "child_not_in_header",
        {"missing": [PERIOD], "header": [{**PERSON, "CHILD": "C2"}]},
        "missing.csv:2:CHILD: warning: CHILD C1 is not in the header table: sex and ethnicity not known",
    ),
    (
        "header_repeats_child",
        {"missing": [PERIOD], "header": [{**PERSON, "SEX": "1"}, PERSON]},
        "header.csv:2:CHILD: warning: CHILD C1 has other details at header row 3, which are used: "
        "this row's SEX, DOB and ETHNIC are not",
    ),
    (
        "dob_differs_from_header",
        {"missing": [PERIOD], "header": [{**PERSON, "DOB": "02/01/2005"}]},
        "missing.csv:2:DOB: warning: DOB '01/01/2005' differs from the header table's '02/01/2005'",
    ),
    (
        "no_placement_in_force",
        {"missing": [PERIOD], "episodes": [{**PLACEMENT, "DECOM": "01/04/2015"}]},
        "missing.csv:2:MIS_START: warning: CHILD C1: no placement in the episodes table in force on 10/03/2015: "
        "placement postcode, establishment and type left blank",
    ),
    (
        "unknown_placement_code",
        {"missing": [PERIOD], "episodes": [{**PLACEMENT, "PLACE": "Q9"}]},
        "episodes.csv:2:PLACE: warning: PLACE 'Q9' is not an SSDA903 placement code: placement type left blank",
    ),
    (
        "malformed_placement_postcode",
        {"missing": [PERIOD], "episodes": [{**PLACEMENT, "PL_POST": "XX1"}]},
        "episodes.csv:2:PL_POST: warning: PL_POST 'XX1' is not a UK postcode: left blank",
    ),
]


@pytest.mark.parametrize(("code", "tables", "expected"), CASES_903, ids=[case[0] for case in CASES_903])
def test_each_903_rule_alone_gives_its_message(tmp_path, code, tables, expected):
    paths = write_tables(tmp_path, tables)
    read, _ = ssda903.read_tables(paths, [p.name for p in paths])
    placed = ssda903.placements_in_force(read)
    (rule,) = [r for r in ssda903.RULES if r.code == code]
    found = [str(m) for f in rule.check(read, placed) for m in rule.messages(f, "missing.csv")]
    assert found == [expected]


def test_every_903_rule_has_metadata_and_a_case():
    for rule in ssda903.RULES:
        assert rule.severity in ("error", "warning") and rule.message and rule.fields, rule.code
        assert rule.description, rule.code
    assert [r.code for r in ssda903.RULES] == [case[0] for case in CASES_903]


def test_header_and_episode_messages_name_their_own_file(sqlite_engine, tmp_path):
    header = tmp_path / "header.csv"
    header.write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,7,01/01/2005,WBRI,,,\n")
    result = import_files(
        sqlite_engine,
        [write_missing(tmp_path, [["C1", "01/01/2005", "M", "10/03/2015", "11/03/2015"]]), header],
        "ssda903",
        dry_run=True,
    )
    assert cell_messages(result) == [
        "header.csv:2:SEX: error: unknown value '7' (expected one of: female, male, other); SEX is 1 (male) or 2 "
        "(female)"
    ]


@pytest.mark.parametrize(
    ("columns", "kind"),
    [
        (["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"], "missing"),
        (["child", "sex", "dob", "ethnic", "upn", "mother", "mc_dob"], "header"),
        (list(ssda903.TABLES["episodes"]), "episodes"),
        (["CHILD", "DOB", "REVIEW", "REVIEW_CODE"], None),
    ],
)
def test_tables_are_recognised_by_their_columns(columns, kind):
    assert ssda903.table_kind(columns) == kind


@pytest.mark.parametrize(
    ("code", "placement_type"),
    [
        ("U1", "kinship"),
        ("U2", "kinship"),
        ("U3", "kinship"),
        ("U4", "foster"),
        ("U5", "foster"),
        ("U6", "foster"),
        ("K1", "residential"),
        ("K2", "residential"),
        ("H5", "semi_independent"),
        ("P2", "semi_independent"),
        ("K3", "semi_independent"),
        ("A3", "other"),
        ("P1", "other"),
        ("R1", "other"),
        ("S1", "other"),
        ("T4", "other"),
        ("Z1", "other"),
        ("Z11", "other"),
    ],
)
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
        f"{bad}:2:MIS_END: error: MIS_END '09/03/2015' is before MIS_START '10/03/2015'" in refused.stdout.splitlines()
    )


# ---- issue 12: no silent misreads, same-day periods --------------------------------------------


def two_digit_years(text: str) -> str:
    """Every DD/MM/YYYY date written DD/MM/YY, as Social Finance's synthesizer writes DEC."""
    return re.sub(r"\b(\d{2}/\d{2}/)\d{2}(\d{2})\b", r"\1\2", text)


def with_two_digit_dec(source: Path, target: Path) -> list[tuple[int, str]]:
    """The episodes table with its DEC cells in two-digit years; returns (row, cell) of each one changed."""
    with source.open(newline="") as f:
        rows = list(csv.reader(f))
    dec = rows[0].index("DEC")
    changed = []
    for number, row in enumerate(rows[1:], start=2):
        if row[dec]:
            row[dec] = two_digit_years(row[dec])
            changed.append((number, row[dec]))
    with target.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    return changed


@pytest.mark.parametrize("data", ["small", "validator_fake"])
def test_two_digit_dec_years_refuse_the_return_naming_every_cell(engine, tmp_path, data):
    folder = SMALL if data == "small" else FAKE
    episodes = tmp_path / "episodes.csv"
    changed = with_two_digit_dec(folder / "episodes.csv", episodes)
    result = import_files(engine, [folder / "missing.csv", folder / "header.csv", episodes], "ssda903")
    assert result.outcome == "refused" and changed
    assert [str(m) for m in result.errors] == [
        f"episodes.csv:{row}:DEC: error: unparseable date '{cell}' (expected DD/MM/YYYY)" for row, cell in changed
    ]
    assert stored(engine).empty


def test_two_digit_dec_years_in_the_xml_return_are_refused(sqlite_engine, tmp_path):
    xml = tmp_path / "return.xml"
    xml.write_text(
        re.sub(
            r"<DEC>([^<]+)</DEC>", lambda m: f"<DEC>{two_digit_years(m[1])}</DEC>", (SMALL / "return.xml").read_text()
        )
    )
    result = import_files(sqlite_engine, [xml], "ssda903")
    assert [str(m) for m in result.errors] == [
        "return.xml:1:DEC: error: unparseable date '01/01/15' (expected DD/MM/YYYY)"
    ]


EPISODES_HEADER = ",".join(ssda903.TABLES["episodes"])


# One bad date in each date column of each table: an error at its file, row and column, and nothing lands.
BAD_DATES = [
    ("missing", ["C1", "01/01/05", "M", "10/03/2015", "11/03/2015"], "missing.csv:2:DOB", "01/01/05"),
    ("missing", ["C1", "01/01/2005", "M", "2015-03-10", "11/03/2015"], "missing.csv:2:MIS_START", "2015-03-10"),
    ("missing", ["C1", "01/01/2005", "M", "10/03/2015", "11/03/15"], "missing.csv:2:MIS_END", "11/03/15"),
    ("missing", ["C1", "01/01/2005", "M", "10/03/2015", "1/4/2015"], "missing.csv:2:MIS_END", "1/4/2015"),
    ("header", "C1,2,2005-01-01,WBRI,,,", "header.csv:2:DOB", "2005-01-01"),
    ("episodes", "C1,2015-02-31,S,C2,N1,K2,PR1,,,,,B23 6AA,1234567", "episodes.csv:2:DECOM", "2015-02-31"),
    ("episodes", "C1,31/02/2015,S,C2,N1,K2,PR1,,,,,B23 6AA,1234567", "episodes.csv:2:DECOM", "31/02/2015"),
    ("episodes", "C1,01/01/2015,S,C2,N1,K2,PR1,25/05/19,,,,B23 6AA,1234567", "episodes.csv:2:DEC", "25/05/19"),
]


@pytest.mark.parametrize(("table", "row", "where", "cell"), BAD_DATES)
def test_every_date_of_every_table_is_checked(sqlite_engine, tmp_path, table, row, where, cell):
    missing_row = row if table == "missing" else ["C1", "01/01/2005", "M", "10/03/2015", "11/03/2015"]
    header = tmp_path / "header.csv"
    header.write_text(
        f"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n{row if table == 'header' else 'C1,2,01/01/2005,WBRI,,,'}\n"
    )
    episodes = tmp_path / "episodes.csv"
    placement = row if table == "episodes" else "C1,01/01/2015,S,C2,N1,K2,PR1,,,,,B23 6AA,1234567"
    episodes.write_text(f"{EPISODES_HEADER}\n{placement}\n")
    result = import_files(sqlite_engine, [write_missing(tmp_path, [missing_row]), header, episodes], "ssda903")
    assert [str(m) for m in result.errors] == [f"{where}: error: unparseable date '{cell}' (expected DD/MM/YYYY)"]
    assert result.outcome == "refused" and stored(sqlite_engine).empty


@pytest.mark.parametrize("absent", ["header", "episodes"])
def test_a_return_without_its_header_or_episodes_table_lands_with_a_warning_naming_it(sqlite_engine, absent):
    files = [f for f in TABLES if f.stem != absent]
    result = import_files(sqlite_engine, files, "ssda903")
    assert result.outcome == "landed" and not result.errors
    blank = {
        "header": "every child's sex and ethnicity left blank (date of birth from the missing table)",
        "episodes": "every period's placement postcode, establishment and placement type left blank",
    }[absent]
    assert [str(m) for m in result.warnings] == [
        f"missing.csv::: warning: no SSDA903 {absent} table ({', '.join(ssda903.TABLES[absent])}) among the files: "
        f"{blank}"
    ]


def test_two_periods_of_one_child_on_one_day_are_two_episodes(engine, tmp_path):
    rows = [
        ["C1", "01/01/2005", "M", "10/03/2015", ""],  # open: last
        ["C1", "01/01/2005", "A", "10/03/2015", "12/03/2015"],
        ["C1", "01/01/2005", "M", "10/03/2015", "11/03/2015"],  # ends first: first
        ["C1", "01/01/2005", "M", "10/03/2015", "11/03/2015"],  # same end: then by row
        ["C2", "01/01/2006", "M", "10/03/2015", "11/03/2015"],
    ]
    missing = write_missing(tmp_path, rows)
    first = import_files(engine, [missing], "ssda903")
    assert first.outcome == "landed" and not first.errors, [str(m) for m in first.errors]
    assert first.inserted == 5
    episodes = stored(engine).set_index("episode_id")
    assert episodes["returned_at"].dt.strftime("%d/%m/%Y").fillna("open").to_dict() == {
        "903-C1-2015-03-10": "11/03/2015",
        "903-C1-2015-03-10-2": "11/03/2015",
        "903-C1-2015-03-10-3": "12/03/2015",
        "903-C1-2015-03-10-4": "open",
        "903-C2-2015-03-10": "11/03/2015",
    }
    assert episodes.loc["903-C1-2015-03-10-3", "category"] == "away"
    again = import_files(engine, [missing], "ssda903")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)
    assert len(stored(engine)) == 5


def test_an_unknown_placement_code_is_left_blank_with_a_warning_not_read_as_other(sqlite_engine, tmp_path):
    episodes = tmp_path / "episodes.csv"
    episodes.write_text(f"{EPISODES_HEADER}\nC1,01/01/2015,S,C2,N1,U44,PR1,,,,,B23 6AA,\n")
    missing = write_missing(tmp_path, [["C1", "01/01/2005", "M", "10/03/2015", "11/03/2015"]])
    result = import_files(sqlite_engine, [missing, episodes], "ssda903")
    assert "episodes.csv:2:PLACE: warning: PLACE 'U44' is not an SSDA903 placement code: placement type left blank" in [
        str(m) for m in result.warnings
    ]
    episode = stored(sqlite_engine).loc[0]
    assert pd.isna(episode["placement_type"]) and episode["from_postcode"] == "B23 6AA"


def test_a_child_repeated_in_the_header_table_with_other_details_is_named(sqlite_engine, tmp_path):
    header = tmp_path / "header.csv"
    header.write_text(
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,2,01/01/2005,WBRI,,,\nC2,1,01/01/2006,WBRI,,,\n"
        "C1,1,01/01/2005,WBRI,,,\nC2,1,01/01/2006,WBRI,,,\n"
    )
    missing = write_missing(tmp_path, [["C1", "01/01/2005", "M", "10/03/2015", "11/03/2015"]])
    result = import_files(sqlite_engine, [missing, header], "ssda903")
    assert [str(m) for m in result.warnings if m.file == "header.csv"] == [
        (
            "header.csv:2:CHILD: warning: CHILD C1 has other details at header row 4, which are used: "
            "this row's SEX, DOB and ETHNIC are not"
        )
    ]
    assert stored(sqlite_engine).loc[0, "sex"] == "male"
