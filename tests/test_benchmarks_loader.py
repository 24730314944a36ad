"""The DfE's national figures: the shipped files, a newer DfE file loaded into the database on
SQLite and PostgreSQL, files refused naming file, row and column, and suppressed cells kept."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from loaders.benchmarks import (
    DFE_COLUMNS,
    MEASURES,
    SHIPPED_FIGURES,
    dfe_figures,
    load_benchmarks,
    read_shipped_file,
    shipped_figures,
    statistical_neighbours,
)
from tests.commands import run_module

BIRMINGHAM = "E08000025"


def figure(figures: pd.DataFrame, year: int, area: str, measure: str) -> tuple[str, float | None]:
    row = figures[(figures["year"] == year) & (figures["area_code"] == area) & (figures["measure"] == measure)]
    assert len(row) == 1, (year, area, measure)
    number = row["number"].iloc[0]
    return row["value"].iloc[0], (None if pd.isna(number) else float(number))


def dfe_row(year, level, area_code, area_name, measure, number, region_code="", old_la_code="") -> list[str]:
    """A row in the DfE's current layout."""
    country = ("E92000001", "England")
    region_name = {"E12000005": "West Midlands", "": ""}[region_code]
    la = (old_la_code, area_name, area_code) if level == "Local authority" else ("", "", "")
    return [str(year), level, *country, region_code, region_name, *la, measure, number]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


NEWER = [
    dfe_row(2025, "National", "E92000001", "England", MEASURES[1], "13,500"),
    dfe_row(2025, "Regional", "E12000005", "West Midlands", MEASURES[1], "1400", "E12000005"),
    dfe_row(2025, "Local authority", BIRMINGHAM, "Birmingham", MEASURES[1], "290", "E12000005", "330"),
    dfe_row(2025, "Local authority", BIRMINGHAM, "Birmingham", MEASURES[6], "c", "E12000005", "330"),
    dfe_row(2025, "Local authority", BIRMINGHAM, "Birmingham", MEASURES[7], "z", "E12000005", "330"),
    dfe_row(2025, "Local authority", BIRMINGHAM, "Birmingham", MEASURES[11], "low", "E12000005", "330"),
    dfe_row(2025, "Local authority", BIRMINGHAM, "Birmingham", MEASURES[12], ":", "E12000005", "330"),
    dfe_row(2025, "Local authority", BIRMINGHAM, "Birmingham", MEASURES[5], "x", "E12000005", "330"),
]


def test_shipped_figures_cover_2015_to_2024_with_birmingham_as_published():
    read = read_shipped_file()
    assert read.errors == []
    figures = shipped_figures()
    assert sorted(figures["year"].unique()) == list(range(2015, 2025))
    assert set(figures["level"]) == {"national", "regional", "local_authority"}
    # SFR41/2016 (old layout, mapped to today's names) and the 2024 release, as published
    assert figure(figures, 2016, BIRMINGHAM, "Children who had a missing incident during the year") == ("127", 127.0)
    assert figure(figures, 2016, BIRMINGHAM, "Children looked after during the year") == ("2672", 2672.0)
    assert figure(figures, 2015, BIRMINGHAM, "Children missing at 31 March") == ("x", None)
    assert figure(figures, 2024, BIRMINGHAM, "Number of missing incidents during the year") == ("2039", 2039.0)
    # a 2015-2017 release published no percentages: no figure, never a 0
    assert figures[(figures["year"] == 2016) & (figures["measure"] == MEASURES[2])].empty
    # every suppressed or unavailable cell is kept as printed, with no number
    symbols = figures[figures["number"].isna()]["value"]
    assert set(symbols) == {"c", "x", "z", "k", ".."}
    assert len(symbols) > 2000


def test_statistical_neighbours_ship_both_groupings():
    groups = statistical_neighbours()
    birmingham = groups[(groups["old_la_code"] == "330")].sort_values(["grouping", "rank"])
    assert list(birmingham[birmingham["grouping"] == "2025"]["neighbour_old_la_code"])[:3] == ["892", "352", "380"]
    assert list(birmingham[birmingham["grouping"] == "2021"]["neighbour_old_la_code"])[:3] == ["821", "333", "336"]
    assert birmingham.groupby("grouping").size().to_dict() == {"2021": 10, "2025": 10}


def test_shipped_figures_load_into_the_database_at_first_use(engine):
    stored = dfe_figures(engine, 2016)
    assert figure(stored, 2016, BIRMINGHAM, "Number of missing incidents during the year") == ("807", 807.0)
    assert figure(stored, 2016, "E92000001", "Children who had a missing incident during the year") == ("8670", 8670.0)
    assert len(dfe_figures(engine)) == len(shipped_figures())  # a second use loads nothing again


def test_a_newer_dfe_file_is_loaded_with_its_symbols_kept(engine, tmp_path):
    path = write_csv(tmp_path / "dfe_2025.csv", list(DFE_COLUMNS), NEWER)
    result = load_benchmarks(engine, path)
    assert result.errors == []
    stored = dfe_figures(engine, 2025)
    assert figure(stored, 2025, "E92000001", MEASURES[1]) == ("13,500", 13500.0)
    assert figure(stored, 2025, BIRMINGHAM, MEASURES[1]) == ("290", 290.0)
    for measure, symbol in (
        (MEASURES[6], "c"),
        (MEASURES[7], "z"),
        (MEASURES[11], "low"),
        (MEASURES[12], ":"),
        (MEASURES[5], "x"),
    ):
        assert figure(stored, 2025, BIRMINGHAM, measure) == (symbol, None)
    assert stored[stored["area_code"] == BIRMINGHAM]["old_la_code"].unique().tolist() == ["330"]
    # the shipped years are still there, and loading the file again replaces, never duplicates
    assert len(dfe_figures(engine, 2016)) > 0
    load_benchmarks(engine, path)
    assert len(dfe_figures(engine, 2025)) == len(NEWER)


def test_a_newer_file_replaces_only_the_figures_it_holds(engine, tmp_path):
    revised = [dfe_row(2024, "Local authority", BIRMINGHAM, "Birmingham", MEASURES[3], "2100", "E12000005", "330")]
    load_benchmarks(engine, write_csv(tmp_path / "revised.csv", list(DFE_COLUMNS), revised))
    stored = dfe_figures(engine, 2024)
    assert figure(stored, 2024, BIRMINGHAM, MEASURES[3]) == ("2100", 2100.0)
    assert figure(stored, 2024, BIRMINGHAM, MEASURES[1]) == ("281", 281.0)  # other measures kept
    assert figure(stored, 2024, "E08000026", MEASURES[3]) == ("778", 778.0)  # other councils (Coventry) kept
    assert len(stored) == len(shipped_figures().query("year == 2024"))  # replaced, not added


def test_wrong_columns_are_refused_naming_file_row_and_column(engine, tmp_path):
    header = [c if c != "new_la_code" else "la_code" for c in DFE_COLUMNS if c != "cla_group"]
    path = write_csv(tmp_path / "wrong.csv", header, [row[:10] + row[11:] for row in NEWER])
    result = load_benchmarks(engine, path, "wrong.csv")
    assert result.errors[0].startswith("wrong.csv:1:new_la_code: error: column missing")
    assert [e.split(": error")[0] for e in result.errors] == ["wrong.csv:1:new_la_code", "wrong.csv:1:cla_group"]
    assert dfe_figures(engine, 2025).empty  # nothing landed


def test_bad_cells_are_refused_naming_row_and_column(engine, tmp_path):
    rows = [list(row) for row in NEWER]
    rows[1][-1] = "12a"  # row 3 of the file
    rows[2][-1] = ""  # row 4
    rows[3][0] = "2024/25"  # row 5
    rows[4][1] = "County"  # row 6
    result = load_benchmarks(engine, write_csv(tmp_path / "bad.csv", list(DFE_COLUMNS), rows), "bad.csv")
    assert [e.split(": error")[0] for e in result.errors] == [
        "bad.csv:3:number",
        "bad.csv:4:number",
        "bad.csv:5:time_period",
        "bad.csv:6:geographic_level",
    ]
    assert "'12a' is neither a number nor a DfE symbol" in result.errors[0]
    assert dfe_figures(engine, 2025).empty


def test_command_loads_a_file_and_refuses_a_bad_one(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    good = write_csv(tmp_path / "good.csv", list(DFE_COLUMNS), NEWER)
    done = run_module("loaders", "benchmarks", str(good), database_url=url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"loaded: {len(NEWER)} figures for years ending March 2025"
    bad = write_csv(tmp_path / "bad.csv", ["time_period", "number"], [["2025", "1"]])
    refused = run_module("loaders", "benchmarks", str(bad), database_url=url)
    assert refused.returncode == 1
    assert f"{bad}:1:geographic_level: error: column missing" in refused.stdout
    assert refused.stdout.strip().endswith("nothing loaded")
    missing = run_module("loaders", "benchmarks", str(tmp_path / "nowhere.csv"), database_url=url)
    assert missing.returncode == 2


def test_shipped_file_is_small_and_says_where_it_came_from():
    assert SHIPPED_FIGURES.stat().st_size < 1_000_000
    readme = (SHIPPED_FIGURES.parent / "README.md").read_text()
    for fact in (
        "Open Government Licence v3.0",
        "BenGoodair/childrens_social_care_data",
        "dfe-analytical-services/CSC_outcomes_and_enablers",
        "Extracted:",
    ):
        assert fact in readme
