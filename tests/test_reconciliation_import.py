"""Reconciliation on real imports (domain.md section 11): the example police export, the tracker and an
SSDA903 return for the same children give exactly the items the section defines, on SQLite and PostgreSQL.

tests/fixtures/reconcile/missing.csv is written against examples/police_export.csv:
C-101 01/03 matches MP/15/0101 (no item); C-101 14/03 missing, police absent (category);
C-101 25/03 away, no police record (not an item: police never record away);
C-103 05/04 returned 09/04, police 07/04 08:00 (return_time); C-103 20/04, no police record (council_only);
C-102 is in no return and police say home (not compared). A later police export adds
C-104 25/04, which the return does not have (police_only).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

import loaders.reconciliation
import metrics.reconciliation
from config.canonical import CONTRIBUTION_COLUMNS
from loaders import episodes as loaded_episodes
from loaders.importer import import_file, import_files
from loaders.reconciliation import load_contributions, resolve
from loaders.schema import Contribution
from reports.reconciliation import items_in_period, open_items_by_kind_and_month
from sample_data.build import build
from tests.commands import run_module
from tests.support import EXPORT, RETURN, police, ssda903

ROOT = Path(__file__).resolve().parent.parent
TRACKER = ROOT / "examples" / "rhi_tracker.csv"
LATER_ROW = [
    "MP/15/0105",
    "C-104",
    "Missing Person",
    "25/04/2015 02:00",
    "25/04/2015 18:00",
    "Local Authority Care",
    "Supported Lodgings",
    "B23 6AA",
    "B1 1AA",
    "Low Risk",
    "M",
    "30/06/2004",
    "MWBC",
    "",
    "N",
    "N",
]

EXPECTED = [  # kind, child, police episode, council episode
    ("category", "C-101", "MP/15/0102", "903-C-101-2015-03-14"),
    ("return_time", "C-103", "MP/15/0104", "903-C-103-2015-04-05"),
    ("council_only", "C-103", None, "903-C-103-2015-04-20"),
    ("police_only", "C-104", "MP/15/0105", None),
]


def later_export(folder: Path) -> Path:
    """Next month's police export: the example's header, one new row."""
    with EXPORT.open(newline="") as f:
        header = next(csv.reader(f))
    path = folder / "police_export_may.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([header, LATER_ROW])
    return path


def tracker(engine):
    assert import_file(engine, TRACKER).outcome == "landed"


def as_tuples(items: pd.DataFrame) -> list[tuple]:
    rows = items[["kind", "child_id", "police_episode", "council_episode"]].itertuples(index=False)
    return sorted((tuple(None if pd.isna(v) else v for v in row) for row in rows), key=lambda r: (r[1], r[0]))


@pytest.mark.parametrize("order", ["police_first", "ssda903_first"])
def test_imports_give_one_item_per_kind_and_none_for_matching_records(engine, tmp_path, order):
    steps = [police, tracker, ssda903] if order == "police_first" else [ssda903, police, tracker]
    for step in steps:
        step(engine)
    police(engine, later_export(tmp_path))
    items = metrics.reconciliation.reconciliation_items(load_contributions(engine))
    assert as_tuples(items) == sorted(EXPECTED, key=lambda r: (r[1], r[0]))
    # both sides' own values, though the stored episode is one merged row with police values
    category = items.set_index("kind").loc["category"]
    assert (category["police_category"], category["council_category"]) == ("absent", "missing")
    returns = items.set_index("kind").loc["return_time"]
    assert returns["police_returned_at"] == pd.Timestamp("2015-04-07 08:00")
    assert returns["council_returned_at"] == pd.Timestamp("2015-04-09")
    # matching records give nothing: MP/15/0101 with 903-C-101-2015-03-01, C-101's away, C-102 (home)
    named = set(items["police_episode"].dropna()) | set(items["council_episode"].dropna())
    assert not named & {
        "MP/15/0101",
        "903-C-101-2015-03-01",
        "903-C-101-2015-03-25",
        "MP/15/0103",
        "903-C-104-2015-04-18",
    }


def test_every_row_is_kept_under_its_source_once(engine):
    police(engine)
    tracker(engine)
    ssda903(engine)
    police(engine)  # again: replaces its own rows, never duplicates
    assert import_files(engine, RETURN, "ssda903", dry_run=True).outcome == "dry_run"
    with engine.connect() as connection:
        counts = dict(connection.execute(select(Contribution.source, func.count()).group_by(Contribution.source)).all())
        tracked = connection.execute(
            select(Contribution.child_id, Contribution.import_id).where(Contribution.source == "tracker")
        ).all()
    assert counts == {"police": 4, "tracker": 4, "ssda903": 6}
    assert all(child is None and import_id is not None for child, import_id in tracked)  # a tracker gives ids only


def test_every_contribution_column_is_a_column_of_the_table():
    """The one list (config.canonical) names columns the contributions table really has."""
    assert set(CONTRIBUTION_COLUMNS) <= {column.name for column in Contribution.__table__.columns}


def test_resolved_items_are_kept_apart_and_not_counted(engine, tmp_path):
    police(engine)
    ssda903(engine)
    items = items_in_period(engine)
    key = items.loc[items["kind"] == "category", "item_key"].item()
    assert key == "category|MP/15/0102|903-C-101-2015-03-14"
    before = open_items_by_kind_and_month(engine, pd.Timestamp("2015-01-01").date(), pd.Timestamp("2015-12-31").date())
    assert before.values.tolist() == [
        ["council_only", "2015-04", 1],
        ["category", "2015-03", 1],
        ["return_time", "2015-04", 1],
    ]
    resolve(engine, key, "data-officer", "Police upgraded to missing on 15/03; their record is corrected.")
    police(engine)  # a later import keeps the resolution with the same disagreement
    after = items_in_period(engine)
    resolved = after[after["resolved_by"].notna()]
    assert resolved[["item_key", "resolved_by"]].values.tolist() == [[key, "data-officer"]]
    assert resolved["note"].item().startswith("Police upgraded")
    counts = open_items_by_kind_and_month(engine, pd.Timestamp("2015-01-01").date(), pd.Timestamp("2015-12-31").date())
    assert counts.values.tolist() == [["council_only", "2015-04", 1], ["return_time", "2015-04", 1]]
    with pytest.raises(ValueError, match="needs a note"):
        resolve(engine, key, "data-officer", "  ")


def test_reports_table_reconciliation(sqlite_engine):
    police(sqlite_engine)
    ssda903(sqlite_engine)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    args = ["table", "reconciliation", "--from", "2015-01-01", "--to", "2015-12-31"]
    shown = run_module("reports", *args, database_url=url)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        "kind,month,items",
        "council_only,2015-04,1",
        "category,2015-03,1",
        "return_time,2015-04,1",
    ]
    published = run_module("reports", *args, "--publication", database_url=url)
    assert published.stdout.splitlines()[1:] == [
        "council_only,2015-04,<5",
        "category,2015-03,<5",
        "return_time,2015-04,<5",
    ]
    filtered = run_module("reports", *args, "--filter", "sex=female", database_url=url)
    assert filtered.returncode == 1 and "takes no --filter" in filtered.stderr


def test_columnar_read_gives_the_same_contributions(engine, monkeypatch):
    """ADBC's columnar read (a child process on SQLite) and the driver's rows give the same frame, and the same
    items from the sample's police and SSDA903 rows."""
    build(engine, 1500, seed=7)
    monkeypatch.setattr(loaded_episodes, "SQLITE_ARROW_FROM", 0)  # the columnar read even for a small database
    columnar = load_contributions(engine)
    monkeypatch.setattr(loaders.reconciliation, "_arrow_contributions", lambda engine, sql: None)
    rows = load_contributions(engine)
    assert set(columnar["source"]) == {"police", "ssda903"} and columnar["reported_at_date_only"].any()
    assert list(columnar.dtypes.map(str)) == list(rows.dtypes.map(str))
    keys = ["source", "episode_id"]
    columnar, rows = (frame.sort_values(keys, ignore_index=True) for frame in (columnar, rows))
    pd.testing.assert_frame_equal(columnar, rows, check_categorical=False)
    items = metrics.reconciliation.reconciliation_items(columnar)
    assert set(items["kind"]) == set(metrics.reconciliation.KINDS)
    pd.testing.assert_frame_equal(items, metrics.reconciliation.reconciliation_items(rows))
