"""The Streamlit app through AppTest, on a real SQLite database of hand-written episodes.

The episodes (tests.support.build_database) are chosen so every headline
number differs between March 2015 (the period under test), February 2015
(the period before) and the default period (the 12 months to March 2015).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from loaders.database import connect
from loaders.history import import_history
from loaders.importer import import_uploads
from tests.app_support import app_as
from tests.support import use_app_database
from ui.data import messages_frame

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60


@pytest.fixture
def database_url(tmp_path, monkeypatch) -> str:
    return use_app_database(tmp_path, monkeypatch)


def run_app(params: dict[str, str] | None = None) -> AppTest:
    """The app signed in as an analyst (unsuppressed numbers), with the URL's query parameters."""
    at = app_as("analyst", params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics_by_label(at: AppTest) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


# ---- overview page ----------------------------------------------------------

MARCH = {"from": "2015-03-01", "to": "2015-03-31"}


def test_overview_headlines_for_march_against_february(database_url):
    at = run_app(MARCH)
    shown = metrics_by_label(at)
    expected = {
        "Episodes": ("6", "+4 on previous period"),
        "Children": ("3", "+1 on previous period"),
        "Persistent runaways": ("1", "+1 on previous period"),
        "Open episodes": ("1", "+1 on previous period"),
        "Alerts": ("1", "+1 on previous period"),  # C1's third missing episode in 90 days
        "Missing": ("3", "+1 on previous period"),
        "Absent": ("2", "+2 on previous period"),
        "Away": ("1", "+1 on previous period"),
        "From home": ("1", "-1 on previous period"),
        "From care": ("5", "+5 on previous period"),
        "Interview offered": ("60.0%", "+10.0 points"),
        "Offered in 72 hours": ("60.0%", "+10.0 points"),
        "Interview completed": ("40.0%", "-10.0 points"),
        "Declined": ("33.3%", "+33.3 points"),
        "Completed in 72 hours": ("40.0%", "-10.0 points"),
    }
    assert {label: shown[label] for label in expected} == expected
    assert "1 Mar 2015 to 31 Mar 2015, compared with 1 Feb 2015 to 28 Feb 2015." in [c.value for c in at.caption]


def test_overview_monthly_chart_is_a_process_chart_of_24_months_to_the_period_end(database_url):
    at = run_app(MARCH)
    [months] = [frame.value for frame in at.dataframe if "month" in frame.value.columns]
    assert len(months) == 24 and (months["month"].iloc[0], months["month"].iloc[-1]) == ("2013-04", "2015-03")
    assert months["value"].tolist()[-3:] == [0, 2, 6]
    assert {"mean", "lower_limit", "upper_limit", "signals"} <= set(months.columns)
    [spec] = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    assert " ".join(spec["title"]["text"]).startswith("Episodes: March 2015 is beyond the upper process limit")
    assert len(at.get("vega_lite_chart")) == 1  # no from postcodes: no district chart, a message instead
    assert any("known from postcode" in i.value for i in at.info)


@pytest.mark.parametrize(
    ("params", "episodes", "shown_from", "shown_to"),
    [
        (MARCH, "6", date(2015, 3, 1), date(2015, 3, 31)),
        ({"from": "2015-02-01", "to": "2015-02-28"}, "2", date(2015, 2, 1), date(2015, 2, 28)),
        ({}, "8", date(2014, 4, 1), date(2015, 3, 31)),
        ({"from": "2015-02-30", "to": "2015-03-31"}, "8", date(2014, 4, 1), date(2015, 3, 31)),
        ({"from": "2015-04-01", "to": "2015-03-01"}, "8", date(2014, 4, 1), date(2015, 3, 31)),
        ({"from": "yesterday", "to": "today"}, "8", date(2014, 4, 1), date(2015, 3, 31)),
    ],
)
def test_query_params_set_the_period_and_are_written_back(database_url, params, episodes, shown_from, shown_to):
    at = run_app(params)
    assert metrics_by_label(at)["Episodes"][0] == episodes
    assert (at.date_input(key="period_from").value, at.date_input(key="period_to").value) == (shown_from, shown_to)
    assert (at.query_params["from"], at.query_params["to"]) in (
        ([shown_from.isoformat()], [shown_to.isoformat()]),
        (shown_from.isoformat(), shown_to.isoformat()),
    )


def test_changing_the_period_in_the_sidebar_updates_headlines_and_url(database_url):
    at = run_app(MARCH)
    at.date_input(key="period_from").set_value(date(2015, 2, 1))
    at.date_input(key="period_to").set_value(date(2015, 2, 28)).run()
    assert metrics_by_label(at)["Episodes"] == ("2", "+2 on previous period")
    assert str(at.query_params["from"]).strip("[]'") == "2015-02-01"


def test_from_after_to_in_the_sidebar_asks_for_a_valid_range(database_url):
    at = run_app(MARCH)
    at.date_input(key="period_from").set_value(date(2015, 4, 1)).run()
    assert not at.metric
    assert any("on or before" in w.value for w in at.warning)


def test_empty_period_says_so(database_url):
    at = run_app({"from": "2016-01-01", "to": "2016-01-31"})
    assert not at.metric
    assert any("No episodes in this period" in i.value for i in at.info)


def test_empty_database_renders(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = run_app()
    assert any("No episodes in this period" in i.value for i in at.info)


# ---- import page -------------------------------------------------------------

GOOD_CSV = (
    "episode_id,child_id,category,reported_at,returned_at,missing_from,sex\n"
    "E9,C5,missing,2015-03-29 10:00,2015-03-29 18:00,home,female\n"
    "E10,C5,absent,30/03/2015 21:00,31/03/2015 08:00,home,female\n"
    "E1,C1,missing,2015-03-02 10:00,2015-03-02 16:00,care,female\n"
)
BAD_CSV = (
    "episode_id,child_id,category,reported_at,returned_at,missing_from\n"
    "E11,C6,vanished,2015-03-29 10:00,,home\n"
    "E12,C6,missing,2015-03-29 10:00,2015-03-28 10:00,home\n"
)


def open_import_page() -> AppTest:
    at = app_as("admin")
    at.switch_page("ui/pages/import_data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_import_page_refuses_a_bad_file_and_lists_every_error(database_url):
    at = open_import_page()
    at.file_uploader[0].set_value(("bad.csv", BAD_CSV.encode(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    messages = at.dataframe[0].value
    assert list(messages.columns) == ["file", "row", "column", "severity", "text"]
    errors = messages[messages["severity"] == "error"]
    assert set(zip(errors["row"], errors["column"], strict=True)) >= {(2, "category"), (3, "returned_at")}
    assert set(errors["file"]) == {"bad.csv"}
    assert any("refused" in e.value for e in at.error)
    assert not [b for b in at.button if b.label == "Confirm import"]
    history = import_history(connect(database_url))
    assert history["outcome"].tolist()[:1] == ["dry_run"]
    assert history["file_name"].tolist()[:1] == ["bad.csv"]


def test_import_page_checks_then_imports_a_good_file(database_url):
    at = open_import_page()
    at.file_uploader[0].set_value(("good.csv", GOOD_CSV.encode(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = metrics_by_label(at)
    assert (shown["New episodes"][0], shown["Updated"][0], shown["Unchanged"][0], shown["Errors"][0]) == (
        "2",
        "1",
        "0",
        "0",
    )
    [confirm] = [b for b in at.button if b.label == "Confirm import"]
    confirm.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value.startswith("Imported: landed") for s in at.success)
    history = at.dataframe[-1].value
    assert history["outcome"].tolist()[:2] == ["landed", "dry_run"]
    assert history["inserted"].tolist()[0] == 2

    overview = run_app(MARCH)
    assert metrics_by_label(overview)["Episodes"][0] == "8"


def test_import_history_lists_newest_first_with_counts(database_url):
    engine = connect(database_url)
    first = import_uploads(engine, [("bad.csv", BAD_CSV.encode())], dry_run=True)
    second = import_uploads(engine, [("good.csv", GOOD_CSV.encode())], dry_run=False)
    assert (first.outcome, second.outcome) == ("dry_run", "landed")
    history = import_history(engine, limit=1)
    assert len(history) == 1
    assert history.iloc[0][["file_name", "outcome", "inserted", "updated", "errors"]].tolist() == [
        "good.csv",
        "landed",
        2,
        1,
        0,
    ]


def test_messages_frame_puts_errors_first():
    from loaders.importer import ImportResult, Message

    result = ImportResult(
        outcome="refused",
        messages=[
            Message("f.csv", 2, "postcode", "warning", "not in the directory"),
            Message("f.csv", 3, "category", "error", "unknown value"),
            Message("f.csv", None, None, "error", "no rows"),
        ],
        rows=2,
        inserted=0,
        updated=0,
        unchanged=0,
    )
    frame = messages_frame(result)
    assert frame["severity"].tolist() == ["error", "error", "warning"]
    assert frame["row"].tolist()[:1] == [3] and pd.isna(frame["row"].iloc[1])
