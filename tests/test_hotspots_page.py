"""The Hotspots page through AppTest on a small generated sample: choices from the URL, numbers,
the map's HTML and what a viewer sees."""

from __future__ import annotations

import re

import pytest
import streamlit as st

from charts import maps
from loaders.database import connect
from loaders.episodes import load_episodes
from metrics.filters import select_episodes
from metrics.hotspots import hotspots
from sample_data.build import build
from tests.app_support import run_page

PAGE = "ui/pages/hotspots.py"
PERIOD = {"from": "2014-10-01", "to": "2015-04-30"}


@pytest.fixture(scope="module")
def sample_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('hotspots') / 'sample.db'}"
    engine = connect(url)
    build(engine, episodes=3000)
    engine.dispose()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        yield url


@pytest.fixture(scope="module")
def current(sample_url):
    from datetime import date

    return select_episodes(load_episodes(connect(sample_url)), date(2014, 10, 1), date(2015, 4, 30))


def metrics_of(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def map_html(at) -> str:
    frames = at.get("iframe")
    assert len(frames) == 1
    return frames[0].proto.srcdoc


def test_default_view_is_where_children_went_missing_from_by_district(sample_url, current):
    at = run_page(PAGE, "analyst", PERIOD)
    assert [r.value for r in at.radio] == ["from", "district", "episodes"]
    top = hotspots(current, "from_district")
    assert metrics_of(at)["Episodes"] == f"{len(current):,}"
    assert metrics_of(at)["Busiest postcode district"] == top["place"].iloc[0]
    assert at.query_params["where"] == "from" and at.query_params["areas"] == "district"
    document = map_html(at)
    busiest = top.iloc[0]
    assert f"{busiest['place']}: {busiest['episodes']:,} episodes, {busiest['children']:,} children" in document
    assert "L.circleMarker(" in document
    tables = [d.value for d in at.dataframe]
    assert any(list(t.columns) == ["place", "episodes", "children"] and t.equals(top) for t in tables)
    assert any("name" in t.columns for t in tables)  # by establishment, with names


def test_choices_come_from_the_url(sample_url, current):
    at = run_page(PAGE, "analyst", {**PERIOD, "where": "found", "areas": "sector", "shade": "children"})
    assert [r.value for r in at.radio] == ["found", "sector", "children"]
    found = hotspots(current, "found_sector")
    assert metrics_of(at)["Busiest postcode sector"] == found["place"].iloc[0]
    assert "Children by postcode sector children were found in" in map_html(at)
    not_known = int(current["found_postcode"].isna().sum() + current["found_unknown"].sum())
    assert metrics_of(at)["Place not known"] == f"{not_known:,}"


def test_unknown_choices_in_the_url_fall_back_to_the_defaults(sample_url):
    at = run_page(PAGE, "analyst", {**PERIOD, "where": "moon", "areas": "ward", "shade": "x"})
    assert [r.value for r in at.radio] == ["from", "district", "episodes"]


def test_switching_to_found_redraws_the_map(sample_url):
    at = run_page(PAGE, "analyst", PERIOD)
    at.radio[0].set_value("found").run()
    assert not at.exception
    assert at.query_params["where"] == "found"
    assert "children were found in" in map_html(at)


def test_a_viewer_sees_small_numbers_hidden_on_the_map(sample_url, current):
    counts = hotspots(current, "from_sector")
    small = counts[counts["episodes"].between(1, 4)]
    assert len(small), "the sample should have a sector with fewer than 5 episodes"
    viewer = map_html(run_page(PAGE, "viewer", {**PERIOD, "areas": "sector"}))
    analyst = map_html(run_page(PAGE, "analyst", {**PERIOD, "areas": "sector"}))
    place = small["place"].iloc[0]
    assert f"{place}: fewer than 5 episodes" in viewer
    assert f"{place}: {small['episodes'].iloc[0]} episodes" in analyst
    assert "fewer than 5 (hidden)" in viewer


def test_an_empty_period_says_so(sample_url):
    at = run_page(PAGE, "analyst", {"from": "2030-01-01", "to": "2030-01-31"})
    assert any("No episodes in this period" in i.value for i in at.info)
    assert not at.get("iframe")


def test_missing_leaflet_is_reported_not_a_traceback(sample_url, tmp_path, monkeypatch):
    monkeypatch.setattr(maps, "LEAFLET", tmp_path)
    st.cache_data.clear()
    at = run_page(PAGE, "analyst", PERIOD)
    assert any(re.search("run make setup", e.value) for e in at.error)
    st.cache_data.clear()


def test_meeting_mode_shows_the_map_in_large_type_and_the_ranking_without_tables(sample_url):
    at = run_page(PAGE, "analyst", {"meeting": "1"})
    assert maps.LARGE_STYLE in map_html(at)
    assert len(at.get("vega_lite_chart")) == 1
    assert not at.dataframe and not at.table and not at.tabs
