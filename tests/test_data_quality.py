"""Data quality: field completeness on the episodes each field applies to, unresolved postcodes,
and the page showing them with the import history (on the tiny database of tests/test_app.py)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from config.canonical import CANONICAL_COLUMNS
from loaders.database import connect
from loaders.episodes import load_episodes
from loaders.importer import import_uploads
from metrics.filters import select_episodes
from metrics.quality import COMPLETENESS_COLUMNS, UNRESOLVED_COLUMNS, completeness, poorly_filled, unresolved_postcodes
from tests.app_support import run_page
from tests.support import build_database


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    url = build_database(tmp_path / "app.db")
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def march(url: str) -> pd.DataFrame:
    return select_episodes(load_episodes(connect(url)), date(2015, 3, 1), date(2015, 3, 31))


@pytest.mark.parametrize(
    ("field", "applies_to", "episodes", "known", "percent_known"),
    [
        ("episode_id", "all episodes", 6, 6, 100.0),
        ("returned_at", "all episodes", 6, 5, 83.3),  # E6 still open
        ("placement_type", "care episodes", 5, 0, 0.0),
        ("rhi_offered_at", "returned missing and absent episodes", 5, 3, 60.0),  # E1, E2, E5 of E1-E5
        ("rhi_outcome", "returned missing and absent episodes", 5, 3, 60.0),
        ("rhi_completed_at", "episodes with interview completed", 2, 2, 100.0),
        ("safe_and_well_at", "returned missing episodes", 3, 0, 0.0),
        ("strategy_meeting_at", "missing episodes over 72 hours or still open", 0, 0, np.nan),
        ("found_postcode", "returned episodes", 5, 0, 0.0),
        ("sex", "all episodes", 6, 6, 100.0),
        ("police_risk", "missing and absent episodes", 5, 0, 0.0),
    ],
)
def test_completeness_counts_the_episodes_a_field_applies_to(
    database, field, applies_to, episodes, known, percent_known
):
    table = completeness(march(database)).set_index("field")
    row = table.loc[field]
    assert (row["applies_to"], row["episodes"], row["known"], row["not_known"]) == (
        applies_to,
        episodes,
        known,
        episodes - known,
    )
    assert row["percent_known"] == percent_known or (np.isnan(percent_known) and np.isnan(row["percent_known"]))


def test_completeness_lists_every_canonical_field_in_file_order(database):
    table = completeness(march(database))
    assert list(table.columns) == list(COMPLETENESS_COLUMNS)
    assert table["field"].tolist() == list(CANONICAL_COLUMNS)


def postcode_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["from_postcode", "from_unknown", "found_postcode", "found_unknown", "reported_at", "ethnicity"]
    ).assign(reported_at=lambda f: pd.to_datetime(f["reported_at"]))


FRAME = postcode_frame(
    [
        ("B23 6AA", False, "B99 9ZZ", True, "2015-03-01 10:00", "WBRI"),
        ("B99 9ZZ", True, None, False, "2015-03-02 10:00", "REFU"),
        ("B99 9ZZ", True, "B23 6AA", False, "2015-03-05 10:00", None),
        (None, False, "B98 8ZZ", True, "2015-03-04 10:00", "NOBT"),
    ]
)


def test_a_postcode_not_in_the_directory_is_not_known():
    assert completeness_of(FRAME, "from_postcode") == (1, 4)
    assert completeness_of(FRAME, "ethnicity") == (1, 4)  # refused and not obtained are not known


def completeness_of(frame: pd.DataFrame, field: str) -> tuple[int, int]:
    from metrics.quality import known_values

    return int(known_values(frame, field).sum()), len(frame)


def test_unresolved_postcodes_most_episodes_first_with_dates():
    table = unresolved_postcodes(FRAME)
    assert list(table.columns) == list(UNRESOLVED_COLUMNS)
    assert table[["postcode", "where", "episodes"]].values.tolist() == [
        ["B99 9ZZ", "missing from", 2],
        ["B98 8ZZ", "found at", 1],
        ["B99 9ZZ", "found at", 1],
    ]
    first = table.iloc[0]
    assert (first["first_reported"], first["last_reported"]) == (
        pd.Timestamp("2015-03-02 10:00"),
        pd.Timestamp("2015-03-05 10:00"),
    )


def test_no_unresolved_postcodes_is_an_empty_table_with_the_columns():
    table = unresolved_postcodes(FRAME.assign(from_unknown=False, found_unknown=False))
    assert table.empty and list(table.columns) == list(UNRESOLVED_COLUMNS)


UNKNOWN_POSTCODE_CSV = (
    "episode_id,child_id,category,reported_at,returned_at,missing_from,from_postcode,found_postcode\n"
    "E30,C1,missing,2015-03-30 10:00,2015-03-30 18:00,care,B99 9ZZ,B23 6AA\n"
)


def test_page_shows_completeness_unresolved_postcodes_and_imports(database):
    result = import_uploads(connect(database), [("march.csv", UNKNOWN_POSTCODE_CSV.encode())], dry_run=False)
    assert result.outcome == "landed"
    at = run_page("ui/pages/data_quality.py", "analyst", {"from": "2015-03-01", "to": "2015-03-31"})
    shown = {m.label: m.value for m in at.metric}
    assert shown["Episodes in the period"] == "7"
    assert shown["Unresolved postcodes"] == "1"
    assert shown["Last import"] == "landed"
    frames = [frame.value for frame in at.dataframe]
    fields = next(f for f in frames if "percent_known" in f)
    assert fields.set_index("field").loc["from_postcode", ["episodes", "known"]].tolist() == [7, 0]
    postcodes = next(f for f in frames if "postcode" in f)
    assert postcodes[["postcode", "where", "episodes"]].values.tolist() == [["B99 9ZZ", "missing from", 1]]
    history = next(f for f in frames if "outcome" in f)
    assert history[["file_name", "outcome", "inserted"]].values.tolist() == [["march.csv", "landed", 1]]


def test_a_viewer_sees_the_import_history_but_not_the_postcode_list(database):
    import_uploads(connect(database), [("march.csv", UNKNOWN_POSTCODE_CSV.encode())], dry_run=False)
    at = run_page("ui/pages/data_quality.py", "viewer", {"from": "2015-03-01", "to": "2015-03-31"})
    frames = [frame.value for frame in at.dataframe]
    assert not any("postcode" in f for f in frames)
    assert any("outcome" in f for f in frames)
    assert sum("Not shown to viewers" in i.value for i in at.info) >= 2


@pytest.mark.parametrize(
    ("percents", "below", "called_out"),
    [
        ([100.0, 89.9, 90.0, 0.0], 90.0, ["b", "d"]),  # exactly 90% known is well filled
        ([100.0, 89.9, 90.0, 0.0], 50.0, ["d"]),
        ([float("nan"), 95.0], 90.0, []),  # a field that applies to no episode is not called out
    ],
)
def test_poorly_filled_fields_are_under_the_line(percents, below, called_out):
    fields = pd.DataFrame({"field": list("abcd")[: len(percents)], "percent_known": percents})
    assert poorly_filled(fields, below)["field"].tolist() == called_out
