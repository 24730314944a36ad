"""A 12-month view with filters: its trend window (24 months) is the previous period's episodes then the period's,
put together from the two frames the sidebar chose (`ui.cached.window`). The Trends tables and the Overview's
findings must be those of the window's episodes chosen afresh."""

from __future__ import annotations

from datetime import date

import pytest

import config
from loaders.database import connect
from loaders.episodes import load_episodes
from metrics.filters import select_episodes, with_derived
from metrics.findings import period_findings
from metrics.process_control import MEASURES, process_control_table
from tests.app_support import run_page
from tests.support import build_database

# March 2015 to February 2016 from home: E5 in the period, E7 and E8 (February 2015) in the period before
YEAR = {"from": "2015-03-01", "to": "2016-02-29", "missing_from": "home"}
FIRST, LAST = date(2014, 3, 1), date(2016, 2, 29)
FILTERS = {"missing_from": ["home"]}


@pytest.fixture
def database_url(tmp_path, monkeypatch) -> str:
    url = build_database(tmp_path / "window.db")
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def chosen_afresh(url: str):
    engine = connect(url)
    try:
        every = with_derived(load_episodes(engine), config.settings().authority.lad_codes)
    finally:
        engine.dispose()
    return every, select_episodes(every, FIRST, LAST, FILTERS)


def test_trends_of_a_filtered_year_count_both_halves_of_the_window(database_url):
    at = run_page("ui/pages/trends.py", params=YEAR)
    _, window = chosen_afresh(database_url)
    shown = [frame.value for frame in at.dataframe]
    assert len(shown) == len(MEASURES)
    episodes = shown[0].set_index("month")["value"]
    assert len(episodes) == 24 and episodes["2015-02"] == 2 and episodes["2015-03"] == 1
    settings = config.settings().process_control
    for table, measure in zip(shown, MEASURES, strict=True):
        expected = process_control_table(window, measure, FIRST, LAST, settings)
        assert table["month"].tolist() == expected["month"].tolist(), measure
        assert table["value"].tolist() == expected["value"].tolist(), measure
        assert table["signals"].tolist() == expected["signals"].map("; ".join).tolist(), measure


def test_overview_findings_of_a_filtered_year_are_those_of_every_episode(database_url):
    at = run_page("ui/pages/overview.py", params=YEAR)
    every, _ = chosen_afresh(database_url)
    expected = period_findings(every, date(2015, 3, 1), LAST, FILTERS, config.settings().process_control)
    assert expected, "the view has findings to compare"
    text = "\n".join(m.value for m in at.markdown)
    for finding in expected:
        assert finding.sentence.replace("$", "\\$") in text
