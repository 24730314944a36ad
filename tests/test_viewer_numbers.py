"""A viewer never sees a count from 1 to 4, or a percentage built on one, on a tile or caption.

Property test (hypothesis) over random periods and filters on the tiny database of
tests/test_app.py, whose counts are nearly all small: every page a viewer can open is
run in AppTest as a viewer, and each tile's value and help, and each caption, is read.
A percentage tile showing a number is checked against the real return interview
table, worked out here from the episodes.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charts.bars import MEASURE_LABELS
from loaders.database import connect
from loaders.episodes import load_episodes
from metrics.filters import select_episodes
from metrics.return_interviews import return_interviews
from reports.tables import publishable_counts
from tests.app_support import run_page
from tests.support import build_database

VIEWER_PAGES = (
    "ui/pages/overview.py",
    "ui/pages/hotspots.py",
    "ui/pages/repeat_runaways.py",
    "ui/pages/return_interviews.py",
    "ui/pages/childrens_homes.py",
    "ui/pages/data_quality.py",
)
SMALL = re.compile(r"^[1-4]$")
SMALL_IN_TEXT = re.compile(r"(?<![\d,.])[1-4] (episodes?|child|children|returns?)\b|[Oo]f [1-4] |: [1-4]\.$")
# Overview and Return interviews tile label -> return interview measure
RATE_TILES = {
    "Interview offered": "offered",
    "Offered in 72 hours": "offered_within_72h",
    "Interview completed": "completed",
    "Completed in 72 hours": "completed_within_72h",
    "Declined": "declined_of_offered",
} | {label: measure for measure, label in MEASURE_LABELS.items()}


@pytest.fixture(scope="module")
def episodes(tmp_path_factory):
    url = build_database(tmp_path_factory.mktemp("viewer") / "app.db")
    before = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    engine = connect(url)
    yield load_episodes(engine)
    engine.dispose()
    if before is None:
        os.environ.pop("DATABASE_URL")
    else:
        os.environ["DATABASE_URL"] = before


views = st.fixed_dictionaries(
    {
        "start": st.dates(date(2015, 2, 1), date(2015, 3, 31)),
        "days": st.integers(0, 60),
        "category": st.lists(st.sampled_from(["missing", "absent", "away"]), unique=True),
        "missing_from": st.lists(st.sampled_from(["home", "care"]), unique=True, max_size=1),
    }
)


def params_of(view: dict) -> tuple[dict[str, str], date, date, dict[str, list[str]]]:
    start, end = view["start"], min(view["start"] + timedelta(days=view["days"]), date(2015, 3, 31))
    filters = {key: view[key] for key in ("category", "missing_from") if view[key]}
    params = {"from": start.isoformat(), "to": end.isoformat(), **{k: ",".join(v) for k, v in filters.items()}}
    return params, start, end, filters


def built_on_small(rates: pd.DataFrame, measure: str) -> bool:
    row = rates[(rates["group"] == "all") & (rates["measure"] == measure)].iloc[0]
    return any(0 < int(row[column]) < 5 for column in ("count", "denominator"))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(view=views)
def test_a_viewer_sees_no_small_number_on_any_tile_or_caption(episodes, view):
    params, start, end, filters = params_of(view)
    rates = return_interviews(select_episodes(episodes, start, end, filters))
    for page in VIEWER_PAGES:
        at = run_page(page, role="viewer", params=params)
        for tile in at.metric:
            where = f"{page} {params}: {tile.label} = {tile.value!r}"
            assert not SMALL.match(tile.value.replace(",", "")), where
            assert not SMALL_IN_TEXT.search(tile.proto.help or ""), f"{where} help {tile.proto.help!r}"
            if tile.label in RATE_TILES and tile.value.endswith("%"):
                assert not built_on_small(rates, RATE_TILES[tile.label]), where
            if tile.label == "Share persistent":
                assert tile.value in ("*", "–") or not any(
                    SMALL.match(t.value) for t in at.metric if t.label in ("Children", "Persistent runaways")
                ), where
        for text in [c.value for c in at.caption] + [m.value for m in at.markdown] + [s.value for s in at.subheader]:
            assert not SMALL_IN_TEXT.search(text), f"{page} {params}: {text!r}"


def test_a_viewer_of_one_child_sees_no_1_on_the_overview(episodes):
    """The review's case (one home's one episode): Episodes 1, Children 1, Interview offered 100.0%."""
    at = run_page("ui/pages/overview.py", role="viewer", params={"from": "2015-03-20", "to": "2015-03-20"})
    tiles = {tile.label: tile.value for tile in at.metric}
    assert tiles["Episodes"] == "<5" and tiles["Children"] == "<5"
    assert tiles["Interview offered"] == "*"


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (
            {"episodes": 23, "missing": 3, "absent": 20, "away": 0},
            {"episodes": 23, "missing": "<5", "absent": "*", "away": 0},
        ),
        (
            {"episodes": 1, "missing": 1, "absent": 0, "away": 0},
            {"episodes": "<5", "missing": "<5", "absent": 0, "away": 0},
        ),
        (
            {"episodes": 40, "missing": 20, "absent": 20, "away": 0},
            {"episodes": 40, "missing": 20, "absent": 20, "away": 0},
        ),
    ],
)
def test_publishable_counts_hides_a_second_part_of_a_shown_total(counts, expected):
    assert publishable_counts(counts, [("episodes", ("missing", "absent", "away"))]) == expected


def test_publishable_counts_alone_and_in_two_lines():
    counts = {"episodes": 23, "missing": 8, "absent": 15, "away": 0, "home": 21, "care": 2, "children": 3, "alerts": 0}
    lines = [("episodes", ("missing", "absent", "away")), ("episodes", ("home", "care"))]
    assert publishable_counts(counts, lines) == {
        "episodes": 23,
        "missing": 8,
        "absent": 15,
        "away": 0,
        "home": "*",
        "care": "<5",
        "children": "<5",
        "alerts": 0,
    }
