"""The view in the URL (ui.view), and the sidebar that reads and writes it (ui.sidebar).

The period presets' dates are tested in tests/test_metrics_periods.py.

Pure cases first (tables of cases), then the real app through AppTest on the
tiny database of tests/test_app.py: a URL sets the widgets and the numbers,
the widgets write the URL back, meeting mode comes from the URL.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from metrics.periods import Period
from tests.app_support import app_as, run_page
from tests.support import use_app_database
from ui.view import (
    SIDEBAR_FILTERS,
    View,
    filter_options,
    filters_from_params,
    meeting_from_params,
    parse_day,
    period_from_view_params,
    view_from_params,
    view_params,
)

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = filter_options(("EST1", "EST2"))
LATEST = date(2016, 3, 31)
TODAY = date(2026, 11, 23)


@pytest.fixture
def database_url(tmp_path, monkeypatch) -> str:
    return use_app_database(tmp_path, monkeypatch)


# ---- the period ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected_preset", "expected_period", "notes"),
    [
        ({}, "last_12_months", (date(2015, 4, 1), date(2016, 3, 31)), 0),
        ({"period": "last_quarter"}, "last_quarter", (date(2016, 1, 1), date(2016, 3, 31)), 0),
        ({"period": "financial_year"}, "financial_year", (date(2015, 4, 1), date(2016, 3, 31)), 0),
        # dates that match a preset are shown as that preset
        ({"from": "2016-03-01", "to": "2016-03-31"}, "last_month", (date(2016, 3, 1), date(2016, 3, 31)), 0),
        # dates win over a preset that no longer gives them (new data landed since the link was copied)
        (
            {"from": "2016-01-01", "to": "2016-01-31", "period": "last_month"},
            "custom",
            (date(2016, 1, 1), date(2016, 1, 31)),
            0,
        ),
        ({"from": "2015-06-03", "to": "2015-06-09"}, "custom", (date(2015, 6, 3), date(2015, 6, 9)), 0),
        ({"period": "last_century"}, "last_12_months", (date(2015, 4, 1), date(2016, 3, 31)), 1),
        ({"from": "2016-13-01", "to": "2016-03-31"}, "last_12_months", (date(2015, 4, 1), date(2016, 3, 31)), 1),
        (
            {"from": "2016-04-01", "to": "2016-03-01", "period": "last_month"},
            "last_month",
            (date(2016, 3, 1), date(2016, 3, 31)),
            1,
        ),
        ({"period": ["last_quarter", "last_month"]}, "last_quarter", (date(2016, 1, 1), date(2016, 3, 31)), 0),
    ],
)
def test_period_from_the_url(params, expected_preset, expected_period, notes):
    preset, period, found_notes = period_from_view_params(params, LATEST, TODAY)
    assert (preset, (period.start, period.end), len(found_notes)) == (expected_preset, expected_period, notes)


DEFAULT = (date(2014, 4, 1), date(2015, 3, 31))  # the 12 months to the latest episode, 28 March 2015


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"from": "2015-03-01", "to": "2015-03-31"}, (date(2015, 3, 1), date(2015, 3, 31))),
        ({"from": "2015-03-05", "to": "2015-03-05"}, (date(2015, 3, 5), date(2015, 3, 5))),
        ({}, DEFAULT),
        ({"from": "2015-03-01"}, DEFAULT),
        ({"from": "2015-13-01", "to": "2015-03-31"}, DEFAULT),
        ({"from": "01/03/2015", "to": "2015-03-31"}, DEFAULT),
        ({"from": "2015-04-01", "to": "2015-03-01"}, DEFAULT),
        ({"from": "1066-10-14", "to": "2015-03-01"}, DEFAULT),
        ({"from": "2015-3-1", "to": "2015-03-31"}, DEFAULT),
        ({"from": "", "to": "'; drop table episodes"}, DEFAULT),
    ],
)
def test_dates_in_the_url_fall_back_to_the_default_on_anything_invalid(params, expected):
    _, period, _ = period_from_view_params(params, date(2015, 3, 28), TODAY)
    assert (period.start, period.end) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2015-03-01", date(2015, 3, 1)),
        ("2016-02-29", date(2016, 2, 29)),
        ("2015-02-29", None),  # not a leap year
        ("2015-3-1", None),
        ("1999-12-31", None),  # before the supported range
        ("2100-01-01", None),  # after it
        (["2015-03-01"], None),
        (None, None),
    ],
)
def test_parse_day_takes_iso_dates_in_range_only(value, expected):
    assert parse_day(value) == expected


# ---- filters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected", "notes"),
    [
        ({}, {}, 0),
        ({"category": "missing"}, {"category": ["missing"]}, 0),
        ({"category": ["missing", "absent"]}, {"category": ["missing", "absent"]}, 0),
        ({"category": "missing,absent"}, {"category": ["missing", "absent"]}, 0),
        ({"category": ["MISSING", "missing", " Absent "]}, {"category": ["missing", "absent"]}, 0),
        ({"category": "vanished"}, {}, 1),
        ({"category": "missing,vanished,gone"}, {"category": ["missing"]}, 2),
        ({"category": ""}, {}, 0),
        ({"missing_from": "care", "sex": "female"}, {"missing_from": ["care"], "sex": ["female"]}, 0),
        ({"sex": "not known"}, {"sex": ["Not known"]}, 0),
        ({"locality": "West & Central"}, {"locality": ["West & Central"]}, 0),
        ({"locality": ["east", "Out of area"]}, {"locality": ["East", "Out of area"]}, 0),
        ({"locality": "Atlantis"}, {}, 1),
        ({"out_of_area": "Y"}, {"out_of_area": ["yes"]}, 0),
        ({"cse_concern": ["true", "0"]}, {"cse_concern": ["yes", "no"]}, 0),
        ({"cce_concern": "maybe"}, {}, 1),
        ({"establishment_id": "EST2"}, {"establishment_id": ["EST2"]}, 0),
        ({"establishment_id": "EST9"}, {}, 1),
        ({"age_band": ["13-15", "16-17"]}, {"age_band": ["13-15", "16-17"]}, 0),
        ({"ethnic_group": "Asian,Black"}, {"ethnic_group": ["Asian", "Black"]}, 0),
        ({"police_risk": "no_apparent_risk"}, {"police_risk": ["no_apparent_risk"]}, 0),
        ({"placement_type": "residential"}, {"placement_type": ["residential"]}, 0),
        # a filter key that is not in the sidebar, and parameters that are not filters at all
        ({"rag": "red"}, {}, 1),
        ({"child": "C1", "from": "2015-01-01", "embed": "true"}, {}, 0),
        ({"category": "<script>alert(1)</script>"}, {}, 1),
    ],
)
def test_filters_from_the_url_are_checked(params, expected, notes):
    filters, found_notes = filters_from_params(params, OPTIONS)
    assert filters == expected
    assert len(found_notes) == notes


def test_notes_never_carry_markdown_or_markup_from_the_url():
    _, notes = filters_from_params({"category": "[x](http://example.org)<b>"}, OPTIONS)
    assert notes and all(c not in notes[0] for c in "[]()<>") and "http:" not in notes[0]


@pytest.mark.parametrize(
    ("params", "expected", "notes"),
    [
        ({}, False, 0),
        ({"meeting": "1"}, True, 0),
        ({"meeting": "true"}, True, 0),
        ({"meeting": "0"}, False, 0),
        ({"meeting": "please"}, False, 1),
        ({"meeting": ["1"]}, True, 0),
    ],
)
def test_meeting_from_the_url(params, expected, notes):
    meeting, found = meeting_from_params(params)
    assert (meeting, len(found)) == (expected, notes)


@pytest.mark.parametrize(
    "view",
    [
        View("last_12_months", Period(date(2015, 4, 1), date(2016, 3, 31)), {}, False),
        View("last_month", Period(date(2016, 3, 1), date(2016, 3, 31)), {"category": ["missing"]}, True),
        View(
            "custom",
            Period(date(2015, 6, 3), date(2015, 6, 9)),
            {"locality": ["West & Central", "Not known"], "out_of_area": ["yes"], "establishment_id": ["EST1"]},
            False,
        ),
    ],
)
def test_a_view_survives_the_round_trip_through_its_url(view):
    assert view_from_params(view_params(view), LATEST, OPTIONS, TODAY) == view


def test_every_sidebar_filter_is_a_select_episodes_key():
    from metrics.filters import FILTER_KEYS

    assert {f.key for f in SIDEBAR_FILTERS} <= set(FILTER_KEYS)
    assert [f.key for f in SIDEBAR_FILTERS] == [
        "category",
        "missing_from",
        "locality",
        "placement_type",
        "establishment_id",
        "out_of_area",
        "sex",
        "ethnic_group",
        "age_band",
        "police_risk",
        "cse_concern",
        "cce_concern",
    ]


def test_the_view_and_the_periods_import_without_streamlit():
    """ui.view and metrics.periods are plain Python: the pack, the CLI and tests use them without a server."""
    code = "import sys, ui.view, metrics.periods; print('streamlit' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert found.stdout.strip() == "False"


# ---- the app --------------------------------------------------------------------

PAGE = "ui/pages/data_quality.py"
MARCH = {"from": "2015-03-01", "to": "2015-03-31"}


def episodes_shown(at) -> str:
    return {m.label: m.value for m in at.metric}["Episodes in the period"]


def query(at, key):
    value = at.query_params.get(key)
    return [value] if isinstance(value, str) else value


@pytest.mark.usefixtures("database_url")
def test_a_url_with_filters_sets_the_widgets_and_the_numbers():
    everything = run_page(PAGE, params=MARCH)
    filtered = run_page(PAGE, params={**MARCH, "category": "missing,absent", "missing_from": "care"})
    assert (episodes_shown(everything), episodes_shown(filtered)) == ("6", "4")  # E1-E4 (care), not E5 (home)
    assert filtered.multiselect(key="filter_category").value == ["missing", "absent"]
    assert filtered.multiselect(key="filter_missing_from").value == ["care"]
    assert query(filtered, "category") == ["missing", "absent"]
    assert query(filtered, "period") == ["last_month"]
    assert not filtered.sidebar.warning


@pytest.mark.usefixtures("database_url")
def test_invalid_values_in_the_url_are_dropped_with_a_note():
    at = run_page(PAGE, params={**MARCH, "category": "missing,vanished", "sex": "robot", "meeting": "maybe"})
    assert episodes_shown(at) == "3"
    assert at.multiselect(key="filter_sex").value == []
    notes = " ".join(w.value for w in at.sidebar.warning)
    assert "vanished" in notes and "robot" in notes and "Meeting mode" in notes
    assert query(at, "category") == ["missing"]
    assert "sex" not in at.query_params


@pytest.mark.usefixtures("database_url")
def test_changing_a_filter_changes_the_numbers_and_the_url():
    at = run_page(PAGE, params=MARCH)
    at.multiselect(key="filter_category").set_value(["away"]).run()
    assert episodes_shown(at) == "1"
    assert query(at, "category") == ["away"]
    at.button(key="clear_filters").click().run()
    assert episodes_shown(at) == "6"
    assert "category" not in at.query_params


@pytest.mark.usefixtures("database_url")
def test_choosing_a_preset_sets_the_dates_and_editing_a_date_makes_it_custom():
    at = run_page(PAGE, params=MARCH)
    at.selectbox(key="period_preset").set_value("last_quarter").run()
    assert (at.date_input(key="period_from").value, at.date_input(key="period_to").value) == (
        date(2015, 1, 1),
        date(2015, 3, 31),
    )
    assert episodes_shown(at) == "8"
    at.date_input(key="period_from").set_value(date(2015, 3, 10)).run()
    assert at.selectbox(key="period_preset").value == "custom"
    assert episodes_shown(at) == "4"  # E3 to E6
    assert query(at, "period") == ["custom"]


@pytest.mark.usefixtures("database_url")
def test_meeting_mode_from_the_url_shows_the_last_full_month_big_without_controls():
    at = run_page(PAGE, params={"from": "2014-04-01", "to": "2015-03-31", "meeting": "1", "category": "missing"})
    assert at.toggle(key="meeting").value is True
    assert episodes_shown(at) == "3"  # March 2015 (the latest month of the data), missing only
    assert not at.sidebar.date_input and not at.sidebar.multiselect
    assert not at.get("download_button")
    assert not at.expander
    assert query(at, "meeting") == ["1"] and query(at, "category") == ["missing"]
    # switching it off brings back the sidebar's own period and the filters kept while hidden
    at.toggle(key="meeting").set_value(False).run()
    assert at.multiselect(key="filter_category").value == ["missing"]
    assert at.date_input(key="period_from").value == date(2014, 4, 1)
    assert "meeting" not in at.query_params
    assert episodes_shown(at) == "5"  # E1-E3, E7, E8


@pytest.mark.usefixtures("database_url")
def test_meeting_mode_switch_in_the_sidebar():
    at = app_as("analyst", MARCH)
    at.run()
    at.toggle(key="meeting").set_value(True).run()
    assert not at.exception
    assert query(at, "meeting") == ["1"]
    assert not at.sidebar.date_input


def test_only_a_page_comparing_with_the_period_before_chooses_its_episodes(tmp_path, monkeypatch):
    """The sidebar chooses the period's episodes for every page, and the previous period's only when a page asks
    (the Overview's comparisons): at a million episodes each choice is a tenth of a second."""
    from ui import cached

    use_app_database(tmp_path, monkeypatch)
    chosen: list[tuple[date, date]] = []
    choose = cached.select_episodes

    def recorded(episodes, start, end, filters=None):
        chosen.append((start, end))
        return choose(episodes, start, end, filters)

    monkeypatch.setattr(cached, "select_episodes", recorded)
    at = app_as("analyst", {"from": "2015-03-01", "to": "2015-03-31", "category": "missing"})
    at.run()
    at.switch_page("ui/pages/data_quality.py")
    cached._selected.clear()
    chosen.clear()
    at.run()
    assert not at.exception and at.metric
    assert chosen == [(date(2015, 3, 1), date(2015, 3, 31))]
    at.switch_page("ui/pages/overview.py")
    at.run()
    assert not at.exception
    assert (date(2015, 2, 1), date(2015, 2, 28)) in chosen  # the month before, for "compared with"
