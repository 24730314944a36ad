"""Police exports through a header mapping: the shipped example, YAML, and every refusal naming its file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sqlalchemy import Engine

from loaders.episodes import episodes_query, typed_episodes
from loaders.importer import import_file
from tests.commands import run_module

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPORT = EXAMPLES / "police_export.csv"
MAPPING = EXAMPLES / "police_mapping.toml"


def load_episodes(engine: Engine) -> pd.DataFrame:
    """Episodes read row by row in this process: the frame `loaders.episodes.load_episodes` gives.

    (That one reads SQLite through ADBC in a child process, seconds a call: too slow after every import here.)
    """
    with engine.connect() as connection:
        return typed_episodes(pd.read_sql(episodes_query(), connection))


def stored(engine) -> pd.DataFrame:
    return load_episodes(engine).set_index("episode_id")


def test_example_export_lands_with_every_value_mapped(engine):
    result = import_file(engine, EXPORT, "police", mapping=MAPPING)
    assert result.outcome == "landed" and result.messages == [], [str(m) for m in result.messages]
    assert result.inserted == 4
    episodes = stored(engine)
    assert episodes["source"].eq("police").all()
    assert episodes["category"].astype(str).tolist() == ["missing", "absent", "missing", "missing"]
    assert episodes["police_risk"].astype(str).tolist() == ["high", "no_apparent_risk", "medium", "low"]
    assert episodes["missing_from"].astype(str).tolist() == ["care", "care", "home", "care"]
    first, second = episodes.loc["MP/15/0101"], episodes.loc["MP/15/0102"]
    assert (first["reported_at"], first["returned_at"]) == (
        pd.Timestamp("2015-03-01 14:30"),
        pd.Timestamp("2015-03-02 10:00"),
    )
    # 14-Mar-2015 21:15: the second date format of the mapping
    assert second["reported_at"] == pd.Timestamp("2015-03-14 21:15") and not second["reported_at_date_only"]
    assert first["placement_type"] == "residential" and episodes.loc["MP/15/0104", "placement_type"] == "foster"
    assert first["sex"] == "female" and first["date_of_birth"] == pd.Timestamp("2001-05-01")
    assert first["from_postcode"] == "B23 6AA" and first["found_postcode"] == "B1 1AA"
    assert bool(first["cse_concern"]) and bool(episodes.loc["MP/15/0103", "cce_concern"])
    assert first["safe_and_well_at"] == pd.Timestamp("2015-03-02 12:00")


def test_yaml_mapping_reads_the_same(sqlite_engine, tmp_path):
    as_yaml = tmp_path / "mapping.yaml"
    as_yaml.write_text(yaml.safe_dump(tomllib.loads(MAPPING.read_text())))
    result = import_file(sqlite_engine, EXPORT, "police", mapping=as_yaml)
    assert result.outcome == "landed" and result.messages == [] and result.inserted == 4


def mapping_without(tmp_path: Path, export_column: str) -> Path:
    lines = [line for line in MAPPING.read_text().splitlines() if not line.startswith(f'"{export_column}" =')]
    path = tmp_path / "force.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_unmapped_required_column_is_refused_naming_the_mapping(sqlite_engine, tmp_path):
    result = import_file(sqlite_engine, EXPORT, "police", mapping=mapping_without(tmp_path, "Missing From"))
    assert result.outcome == "refused"
    assert [str(m) for m in result.messages] == [
        (
            "force.toml::missing_from: error: required column missing_from is not mapped: "
            'add \'"<export column>" = "missing_from"\' under [columns] in force.toml'
        )
    ]
    assert load_episodes(sqlite_engine).empty


def test_mapped_column_missing_from_the_export(sqlite_engine, tmp_path):
    export = tmp_path / "export.csv"
    frame = pd.read_csv(EXPORT, dtype=str).drop(columns=["Report Type"])
    frame.to_csv(export, index=False)
    result = import_file(sqlite_engine, export, "police", mapping=MAPPING)
    assert [str(m) for m in result.messages] == [
        "export.csv::Report Type: error: column 'Report Type' named in police_mapping.toml (for category) is not in "
        "the file"
    ]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (
            "Report Type",
            "Found Safe",
            (
                "export.csv:3:Report Type: error: unknown value 'Found Safe' (expected one of: missing, absent, away); "
                "map it under [values.category] in police_mapping.toml"
            ),
        ),
        (
            "Date/Time Found",
            "sometime",
            (
                "export.csv:3:Date/Time Found: error: unparseable date 'sometime' (expected a format listed under "
                "[dates] in police_mapping.toml: %d/%m/%Y %H:%M, %d-%b-%Y %H:%M, %d-%b-%Y, %d/%m/%Y)"
            ),
        ),
        (
            "Date/Time Found",
            "13/03/2015 10:00",
            (
                "export.csv:3:Date/Time Found: error: Date/Time Found '13/03/2015 10:00' is before "
                "Date/Time Reported '14-Mar-2015 21:15'"
            ),
        ),
        ("Home Postcode", "B23 6A", "export.csv:3:Home Postcode: error: malformed postcode 'B23 6A'"),
    ],
)
def test_messages_name_the_export_row_and_column(sqlite_engine, tmp_path, column, value, expected):
    frame = pd.read_csv(EXPORT, dtype=str, keep_default_na=False)
    frame.loc[1, column] = value
    export = tmp_path / "export.csv"
    frame.to_csv(export, index=False)
    result = import_file(sqlite_engine, export, "police", mapping=MAPPING, dry_run=True)
    assert [str(m) for m in result.messages] == [expected]


def test_mapping_to_an_unknown_column_is_refused(sqlite_engine, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(MAPPING.read_text().replace('"Risk Grade" = "police_risk"', '"Risk Grade" = "risk"'))
    result = import_file(sqlite_engine, EXPORT, "police", mapping=bad)
    assert [str(m) for m in result.messages] == [
        "bad.toml::: error: 'Risk Grade' maps to 'risk', which is not a canonical column"
    ]


def test_cli_police_exit_codes(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    landed = run_module(
        "loaders", "import", str(EXPORT), "--format", "police", "--mapping", str(MAPPING), database_url=url
    )
    assert landed.returncode == 0, landed.stderr
    assert landed.stdout.splitlines() == ["landed: 4 rows, 4 new, 0 updated, 0 unchanged, 0 errors, 0 warnings"]
    broken = mapping_without(tmp_path, "Person ID")
    refused = run_module(
        "loaders", "import", str(EXPORT), "--format", "police", "--mapping", str(broken), database_url=url
    )
    assert refused.returncode == 1 and refused.stdout.splitlines()[0].startswith(f"{broken}::child_id: error:")


CONTENT_MAPPING = """
[values.rhi_conducted_by]
"Barnardo's" = "independent_provider"

[values.disclosures]
"Sexual exploitation" = "cse"
"County lines" = "cce_county_lines"
"Nothing disclosed" = "none"
"""


def test_content_columns_map_each_value(sqlite_engine, tmp_path):
    """Interview content in an export: each `;`-separated value goes through [values.<column>]; an
    unmapped one is refused naming the export's row, column and value."""
    mapping = tmp_path / "force.toml"
    mapping.write_text(
        MAPPING.read_text().replace(
            "[columns]\n", '[columns]\n"Interviewer" = "rhi_conducted_by"\n"Concerns Disclosed" = "disclosures"\n'
        )
        + CONTENT_MAPPING
    )
    frame = pd.read_csv(EXPORT, dtype=str, keep_default_na=False)
    frame["Interviewer"] = ["Barnardo's", "", "police", ""]
    frame["Concerns Disclosed"] = ["Sexual exploitation; County lines", "", "Nothing disclosed", ""]
    export = tmp_path / "export.csv"
    frame.to_csv(export, index=False)
    result = import_file(sqlite_engine, export, "police", mapping=mapping)
    assert result.outcome == "landed", [str(m) for m in result.messages]
    episodes = stored(sqlite_engine)
    assert episodes.loc["MP/15/0101", ["rhi_conducted_by", "disclosures"]].tolist() == [
        "independent_provider",
        "cse;cce_county_lines",
    ]
    assert episodes.loc["MP/15/0103", ["rhi_conducted_by", "disclosures"]].tolist() == ["police", "none"]
    frame.loc[0, "Concerns Disclosed"] = "Sexual exploitation;Gangs"
    frame.to_csv(export, index=False)
    refused = import_file(sqlite_engine, export, "police", mapping=mapping, dry_run=True)
    assert [str(m) for m in refused.messages] == [
        (
            "export.csv:2:Concerns Disclosed: error: unknown value 'gangs' in 'Sexual exploitation;Gangs' (several "
            "values separated by "
            "';', each one of: cse, cce_county_lines, trafficking, self_harm, sexual_assault, physical_harm, "
            "substance_misuse, criminal_activity, none); map it under [values.disclosures] in force.toml"
        )
    ]
