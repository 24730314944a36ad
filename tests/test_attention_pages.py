"""Who to discuss and the 72-hour clock (analysts only) through AppTest on the tiny database.

Viewers are refused by both, as by every child-level page (tests/test_child_pages.py, PAGES).
"""

from __future__ import annotations

import pytest

from tests.app_support import run_page
from tests.support import audit_rows, use_app_database

MARCH = {"from": "2015-03-01", "to": "2015-03-31"}


@pytest.fixture
def database_url(tmp_path, monkeypatch) -> str:
    """The tiny database plus a pair of children who went missing together."""
    return use_app_database(tmp_path, monkeypatch, together=True)


def test_who_to_discuss_lists_the_meeting_and_audits_the_view(database_url):
    at = run_page("ui/pages/attention.py", "analyst", MARCH)
    tiles = {m.label: m.value for m in at.metric}
    # C1's last three episodes lasted 10, 22 and 72 hours: longer each time; C5 and C6 left Oak House together
    assert tiles == {
        "Children to discuss": "1",
        "Escalating": "1",
        "Associate went missing": "0",
        "Pairs of associates": "1",
    }
    agenda = at.dataframe[0].value
    assert agenda["child_id"].str.contains("child=C1").tolist() == [True]
    assert agenda["reasons"].tolist() == ["alert: 3_missing_in_90_days; escalating: longer"]
    assert audit_rows(database_url)[-1][:3] == ("test-analyst", "view", "attention (who to discuss)")


def test_72_hour_clock_lists_returned_children_waiting_overdue_first(database_url):
    at = run_page("ui/pages/interview_clock.py", "analyst", MARCH)
    # as at the end of March: C1's E3 and E4, and C5's and C6's E9 and E10, returned with no interview
    assert {m.label: m.value for m in at.metric}["Waiting"] == "4"
    table = at.dataframe[0].value
    assert table["episode_id"].tolist() == ["E3", "E4", "E9", "E10"]
    assert table["status"].tolist() == ["overdue"] * 4
    assert table["hours_left"].tolist() == pytest.approx([-412.0, -246.0, -70.0, -69.0])
    assert audit_rows(database_url)[-1][:3] == ("test-analyst", "view", "interview_clock (72-hour clock)")
