"""The child-level pages (alerts, child timeline, missing together) through AppTest on real SQLite.

Analysts see them and every view leaves an audit row; a viewer is refused
by the router (the pages are not in the navigation) and by each page itself,
and no child id reaches any element the viewer is sent.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from loaders.database import connect
from loaders.store import upsert_episodes
from tests.app_support import app_as, run_page
from tests.support import audit_rows, use_app_database
from ui.auth import SignedIn

ROOT = Path(__file__).resolve().parent.parent
PAGES = (
    "ui/pages/alerts.py",
    "ui/pages/attention.py",
    "ui/pages/interview_clock.py",
    "ui/pages/child_timeline.py",
    "ui/pages/missing_together.py",
    "ui/pages/reconciliation.py",
)
MARCH = {"from": "2015-03-01", "to": "2015-03-31"}
CHILD_ID = re.compile(r"\bC[1-6]\b")


@pytest.fixture
def database_url(tmp_path, monkeypatch) -> str:
    """The tiny database plus a pair of children who went missing together."""
    return use_app_database(tmp_path, monkeypatch, together=True)


def everything_sent(at: AppTest) -> str:
    """The text of every element in the page and sidebar, as the protobufs sent to the browser."""
    texts = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            texts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(texts)


# ---- analysts ----------------------------------------------------------------------


def test_alerts_list_the_child_with_three_missing_episodes_and_audit_the_view(database_url):
    at = run_page("ui/pages/alerts.py", "analyst", MARCH)
    counts = {m.label: m.value for m in at.metric}
    assert counts == {
        "Meeting overdue": "0",
        "3 missing, 90 days": "1",
        "3 absent, 90 days": "0",
        "Missing over 72h": "0",
        "5 from one place": "0",
    }
    assert "No strategy meeting is overdue" in at.success[0].value
    table = at.dataframe[0].value
    assert table["child"].tolist() == ["child_timeline?child=C1&from=2015-03-01&to=2015-03-31&period=last_month"]
    assert pd.Timestamp(table["first_met"].iloc[0]) == pd.Timestamp("2015-03-10")
    assert list(table["episode_ids"].iloc[0]) == ["E1", "E2", "E3"]
    behind = at.dataframe[1].value
    assert behind["episode_id"].tolist() == ["E1", "E2", "E3"]
    rows = audit_rows(database_url)
    assert rows[-1][:3] == ("test-analyst", "view", "alerts")
    assert '"from": "2015-03-01"' in rows[-1][3] and '"as_at": "now"' in rows[-1][3]


def test_alerts_as_at_the_end_of_the_period_is_kept_in_the_url(database_url):
    at = run_page("ui/pages/alerts.py", "analyst", MARCH)
    at.radio[0].set_value("period_end").run()
    assert at.query_params["as_at"] == "period_end"
    assert "as at the end of 31 Mar 2015" in at.caption[0].value
    assert audit_rows(database_url)[-1][3].count('"as_at": "period_end"') == 1


def test_strategy_meeting_overdue_is_at_the_top_in_red(database_url):
    engine = connect(database_url)
    with engine.begin() as connection:  # C1's E3 now lasts 4 days with no strategy meeting
        upsert_episodes(
            connection, pd.DataFrame({"episode_id": ["E3"], "returned_at": pd.to_datetime(["2015-03-14 22:00"])})
        )
    engine.dispose()
    at = run_page("ui/pages/alerts.py", "analyst", MARCH)
    assert len(at.error) == 1
    assert at.error[0].value.startswith("**Strategy meeting overdue: 1 episode.** E3 (C1), overdue since 21 Mar 2015")
    assert at.subheader[0].value == "Strategy meeting overdue: 1"


def test_a_long_alert_table_is_shown_a_page_at_a_time(database_url):
    """1,001 episodes of over 72 hours (and so 1,001 overdue meetings): each of their tables, and the
    episodes behind them, draws a page of 1,000 rows and says which; page 2 draws the last one."""
    reported = pd.date_range("2015-03-01 00:00", periods=1001, freq="35min")
    engine = connect(database_url)
    with engine.begin() as connection:
        upsert_episodes(
            connection,
            pd.DataFrame(
                {
                    "episode_id": [f"L{number}" for number in range(1001)],
                    "child_id": "C2",
                    "category": "missing",
                    "missing_from": "home",
                    "reported_at": reported,
                    "returned_at": reported + pd.Timedelta(days=4),
                }
            ),
        )
    engine.dispose()
    at = run_page("ui/pages/alerts.py", "analyst", MARCH)
    counts = {m.label: m.value for m in at.metric}
    assert (counts["Missing over 72h"], counts["Meeting overdue"]) == ("1,001", "1,001")
    said = [c.value for c in at.caption if c.value.startswith("Showing rows")]
    assert said == ["Showing rows 1 to 1,000 of 1,001; download the table for all of them."] * 4
    assert sum(len(d.value) == 1000 for d in at.dataframe) == 4
    at.number_input[0].set_value(2).run()
    assert [len(d.value) for d in at.dataframe].count(1) == 1  # the first table's page 2: its last alert
    assert "Showing rows 1,001 to 1,001 of 1,001; download the table for all of them." in [c.value for c in at.caption]


def test_alerts_say_when_no_episode_has_a_date_only_time(database_url):
    at = run_page("ui/pages/alerts.py", "analyst", MARCH)
    assert at.caption[1].value == "None of these 8 episodes has a date-only time, so no time limit is in doubt."


def test_alerts_count_a_date_only_episode_that_may_have_lasted_over_72_hours(database_url):
    """E3 reported 10 March and returned 13 March, dates only: it may have lasted 96 hours, so it is
    an alert (and, with no strategy meeting, an overdue one); the note says how many such episodes."""
    engine = connect(database_url)
    with engine.begin() as connection:
        upsert_episodes(
            connection,
            pd.DataFrame(
                {
                    "episode_id": ["E3"],
                    "reported_at": pd.to_datetime(["2015-03-10"]),
                    "reported_at_date_only": [True],
                    "returned_at": pd.to_datetime(["2015-03-13"]),
                    "returned_at_date_only": [True],
                }
            ),
        )
    engine.dispose()
    at = run_page("ui/pages/alerts.py", "analyst", MARCH)
    counts = {m.label: m.value for m in at.metric}
    assert (counts["Missing over 72h"], counts["Meeting overdue"]) == ("1", "1")
    assert at.caption[1].value == (
        "1 of these 8 episodes has a date-only time (a date with no time of day): "
        "a time limit in doubt counts against the deadline and for the alert."
    )


def test_timeline_of_the_child_in_the_url(database_url):
    at = run_page("ui/pages/child_timeline.py", "analyst", {**MARCH, "child": "C1"})
    assert at.selectbox(key="timeline_child").value == "C1"
    facts = {m.label: m.value for m in at.metric}
    assert facts["Episodes, all periods"] == "4"
    assert facts["In the period"] == "4"
    assert (facts["Sex"], facts["Ethnic group"], facts["Missing from"]) == ("female", "White (WBRI)", "care")
    table = at.dataframe[0].value
    assert table["episode_id"].tolist() == ["E1", "E2", "E3", "E4"]
    assert table["duration_hours"].tolist() == [5.0, 10.0, 22.0, 72.0]
    assert table["rhi_outcome"].astype(str).tolist()[:2] == ["completed", "declined"]
    assert audit_rows(database_url)[-1][:3] == ("test-analyst", "view", "child_timeline C1")


def test_timeline_shades_the_period_and_keeps_other_periods(database_url):
    at = run_page("ui/pages/child_timeline.py", "analyst", {"from": "2015-02-01", "to": "2015-02-28", "child": "C2"})
    table = at.dataframe[0].value
    assert table["episode_id"].tolist() == ["E7", "E5"]
    assert table["in_period"].tolist() == [True, False]


def test_timeline_refuses_an_unknown_child_and_offers_the_list(database_url):
    at = run_page("ui/pages/child_timeline.py", "analyst", {**MARCH, "child": "NOPE"})
    assert "No child has that id" in at.warning[0].value
    assert at.selectbox(key="timeline_child").value is None
    assert "child" not in at.query_params
    assert at.selectbox(key="timeline_child").options == ["C1", "C2", "C3", "C4", "C5", "C6"]
    at.selectbox(key="timeline_child").set_value("C3").run()
    assert at.query_params["child"] == "C3"
    assert at.dataframe[0].value["episode_id"].tolist() == ["E6"]
    assert audit_rows(database_url)[-1][2] == "child_timeline C3"


def test_missing_together_pairs_and_network(database_url):
    at = run_page("ui/pages/missing_together.py", "analyst", MARCH)
    assert {m.label: m.value for m in at.metric} == {
        "Times together": "1",
        "Pairs of children": "1",
        "Children": "2",
        "Places": "1",
    }
    nodes = at.dataframe[0].value
    assert sorted(nodes["label"]) == ["B23", "B27", "C5", "C6", "Oak House"]
    pairs = at.dataframe[1].value
    assert pairs["child_a"].str.extract(r"child=(\w+)")[0].tolist() == ["C5"]
    assert pairs["child_b"].str.extract(r"child=(\w+)")[0].tolist() == ["C6"]
    times = at.dataframe[2].value
    assert times[["place", "episode_a", "episode_b", "minutes_apart"]].values.tolist() == [
        ["Oak House", "E9", "E10", 20.0]
    ]
    assert audit_rows(database_url)[-1][:3] == ("test-analyst", "view", "missing_together")


def test_missing_together_says_so_when_nobody_did(database_url):
    at = run_page("ui/pages/missing_together.py", "analyst", {"from": "2015-02-01", "to": "2015-02-28"})
    assert "No two children went missing together" in at.info[0].value
    assert not at.dataframe


# ---- viewers -----------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_viewer_has_no_child_level_page_in_the_navigation(database_url, page):
    at = app_as("viewer", MARCH)
    at.run()
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page)
    assert not CHILD_ID.search(everything_sent(at))


@pytest.mark.parametrize("page", PAGES)
def test_each_page_itself_refuses_a_viewer_and_sends_no_child_id(database_url, page):
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.session_state["user"] = SignedIn("test-viewer", "viewer", time.time())
    for key, value in {**MARCH, "child": "C1"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    assert "This page is for analysts" in at.error[0].value
    assert not at.dataframe and not at.metric and not at.selectbox
    sent = everything_sent(at)
    assert not CHILD_ID.search(sent), CHILD_ID.search(sent)
    assert audit_rows(database_url) == []


@pytest.mark.parametrize("page", PAGES)
def test_meeting_mode_shows_ids_as_text_not_links(database_url, page):
    at = run_page(page, "analyst", {**MARCH, "meeting": "1", "child": "C1"})
    assert not at.dataframe  # plain tables on the big screen
    sent = everything_sent(at)
    assert "child_timeline?child=" not in sent
    if page.endswith("alerts.py"):
        assert at.table[0].value.index.tolist() == ["C1"]
        assert at.table[0].value.index.name == "Child"


def test_missing_together_focus_comes_from_the_url_and_goes_back_to_it(database_url):
    at = run_page("ui/pages/missing_together.py", "analyst", {**MARCH, "focus": "district:B27"})
    assert at.selectbox(key="together_focus").value == "district:B27"
    # B27, the child found there (C6), and what is two links away: C5 and Oak House; not B23 (three links)
    assert sorted(at.dataframe[0].value["label"]) == ["B27", "C5", "C6", "Oak House"]
    assert at.query_params["focus"] == "district:B27"
    assert audit_rows(database_url)[-1][:3] == ("test-analyst", "view", "missing_together district:B27")
    at.selectbox(key="together_focus").set_value("").run()
    assert sorted(at.dataframe[0].value["label"]) == ["B23", "B27", "C5", "C6", "Oak House"]
    assert "focus" not in at.query_params


def test_missing_together_focus_on_no_such_node_shows_everything_and_says_so(database_url):
    at = run_page("ui/pages/missing_together.py", "analyst", {**MARCH, "focus": "child:<script>"})
    assert at.selectbox(key="together_focus").value == ""
    assert "not in this network" in at.warning[0].value
    assert sorted(at.dataframe[0].value["label"]) == ["B23", "B27", "C5", "C6", "Oak House"]
