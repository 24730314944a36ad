"""The speed work keeps results identical, and the bench's code paths run end to end at a tiny size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from loaders import episodes as loaded
from loaders import store
from sample_data.build import build

ROOT = Path(__file__).resolve().parent.parent


def _row_by_row(engine) -> pd.DataFrame:
    """load_episodes as it was before the columnar read: pandas.read_sql, then typed."""
    with engine.connect() as connection:
        return loaded.typed_episodes(pd.read_sql(loaded.episodes_query(), connection))


def test_columnar_load_gives_the_same_frame(engine, monkeypatch):
    monkeypatch.setattr(loaded, "SQLITE_ARROW_FROM", 0)  # the columnar read even for a small database
    build(engine, 1500, seed=7)
    fast = loaded.load_episodes(engine)
    assert len(fast) == 1500
    pd.testing.assert_frame_equal(fast, _row_by_row(engine))


def test_load_without_adbc_is_the_same(engine, monkeypatch):
    build(engine, 300, seed=8)
    monkeypatch.setattr(loaded, "_arrow_episodes", lambda engine: None)
    pd.testing.assert_frame_equal(loaded.load_episodes(engine), _row_by_row(engine))


def test_bulk_write_stores_what_the_row_by_row_write_stored(engine, monkeypatch):
    """Datetimes (with and without time), flags, blanks and floats survive the driver-level write."""
    monkeypatch.setattr(loaded, "SQLITE_ARROW_FROM", 0)
    episodes = pd.DataFrame(
        {
            "episode_id": ["E1", "E2"],
            "child_id": ["C1", "C1"],
            "category": ["missing", "away"],
            "reported_at": [pd.Timestamp("2015-01-05 10:00:07"), pd.Timestamp("2015-02-01")],
            "reported_at_date_only": [False, True],
            "returned_at": [pd.Timestamp("2015-01-06 11:30"), pd.NaT],
            "missing_from": ["care", "home"],
            "out_of_area": pd.array([True, None], dtype="boolean"),
            "from_easting": [405873.5, float("nan")],
        }
    )
    with engine.begin() as connection:
        store.upsert_children(
            connection, pd.DataFrame({"child_id": ["C1"], "date_of_birth": [pd.Timestamp("2001-02-03")]})
        )
        store.upsert_episodes(connection, episodes)
    frame = loaded.load_episodes(engine).set_index("episode_id")
    assert frame.loc["E1", "reported_at"] == pd.Timestamp("2015-01-05 10:00:07")
    assert frame.loc["E2", "reported_at_date_only"]
    assert pd.isna(frame.loc["E2", "returned_at"])
    assert bool(frame.loc["E1", "out_of_area"])
    assert pd.isna(frame.loc["E2", "out_of_area"])
    assert frame.loc["E1", "from_easting"] == 405873.5
    assert frame.loc["E1", "date_of_birth"] == pd.Timestamp("2001-02-03")
    assert frame.loc["E1", "source"] == "canonical"  # the column default, as SQLAlchemy's insert gave it
    with engine.connect() as connection:
        stored = store.existing_episodes(connection, ["E2", "E1", "E9"], ["category"])
    assert stored["category"].to_dict() == {"E1": "missing", "E2": "away"}


def _bench(tmp_path, **settings) -> dict:
    """Run `python -m bench.run` with `settings` (BENCH_*), writing to tmp_path; its results."""
    env = {
        **os.environ,
        "BENCH_REPEATS": "1",
        "BENCH_RESULTS": str(tmp_path / "results.json"),
        "BENCH_REPORT": str(tmp_path / "benchmarks.md"),
        **settings,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.run"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((tmp_path / "results.json").read_text())


def test_bench_runs_every_measurement_at_a_tiny_size(tmp_path):
    """make bench's code paths without a browser (build, import into both databases beside the machine's
    limits, cold load, pages in AppTest with their content, DuckDB, pack, report) at 2,000 episodes."""
    results = _bench(
        tmp_path,
        BENCH_SIZES="2000",
        BENCH_BROWSER="0",
        BENCH_CROWD="0",
        BENCH_PAGES="overview,benchmarks,reconciliation,attention,interview_clock,trends",
    )
    assert {r["database"] for r in results["import"]} == {"sqlite", "postgresql"}
    assert all(r["rows_per_s"] > 0 for r in results["import"])
    assert {r["limit"] for r in results["import_limits"]} == {"duckdb read_csv", "postgresql copy"}
    assert all(r["rows_per_s"] > 0 for r in results["import_limits"])
    assert [r["rows"] for r in results["load_episodes"]] == [2000, 2000]
    pages = results["pages"][0]["pages"]
    assert set(pages) == {"overview", "benchmarks", "reconciliation", "attention", "interview_clock", "trends"}
    assert pages["overview"]["metrics_median_s"] > 0
    assert all(page["with_data"] for page in pages.values()), {k: p.get("messages") for k, p in pages.items()}
    assert all(r["same_counts"] for r in results["duckdb"])
    assert results["pack"][0]["bytes"] > 0
    report = (tmp_path / "benchmarks.md").read_text()
    assert "## Targets (issue 17)" in report and "| overview |" in report and "limit: postgresql copy" in report


@pytest.mark.browser
def test_bench_browser_and_many_sessions_at_a_tiny_size(tmp_path):
    """The browser's code paths once: a first visit after a restart, sidebar clicks, a second tab by the
    cookie, and one session at once on one process and on the production shape (nginx when installed)."""
    results = _bench(
        tmp_path,
        BENCH_SIZES="",
        BENCH_SAMPLE_EPISODES="2000",
        BENCH_PAGES="overview,hotspots",
        BENCH_SESSIONS="1",
    )
    (measured,) = results["browser"]
    assert measured["first_visit_s"] > 0 and measured["new_tab_signed_in_s_median_s"] > 0
    assert set(measured["pages"]) == {"overview", "hotspots"}
    assert [shape["shape"] for shape in results["crowd"]] == ["one process", "production"]
    for shape in results["crowd"]:
        (level,) = shape["levels"]
        assert level["sessions"] == 1 and level["server_runs"] > 0
        assert {"overview", "hotspots"} <= set(level["server_by_page_median_s"])
    assert "## Many users at once" in (tmp_path / "benchmarks.md").read_text()
