"""The child's briefing: what it holds (pure), and the command that writes it (one page, audited)."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
from docx import Document
from sqlalchemy import select

from loaders.database import connect
from loaders.schema import AuditEntry
from metrics.attention import AttentionSettings
from metrics.briefing import child_briefing
from tests.commands import run_module
from tests.support import make_episodes

SETTINGS = AttentionSettings()


def rows():
    return [
        # C1 leaves H1 with C2 (associates); C3 goes missing from H1 the next day: not an associate
        {
            "child_id": "C1",
            "establishment_id": "H1",
            "reported_at": "2015-03-01 22:30",
            "returned_at": "2015-03-02 09:00",
            "found_postcode": "B23 6AA",
            "police_risk": "high",
            "cse_concern": True,
            "rhi_outcome": "completed",
            "rhi_completed_at": "2015-03-03 10:00",
        },
        {
            "child_id": "C2",
            "establishment_id": "H1",
            "reported_at": "2015-03-01 23:00",
            "returned_at": "2015-03-02 08:00",
        },
        {"child_id": "C3", "establishment_id": "H1", "reported_at": "2015-03-02 23:00"},
        {
            "child_id": "C1",
            "category": "absent",
            "reported_at": "2015-05-10",
            "returned_at": "2015-05-11",
            "police_risk": "low",
        },
        {
            "child_id": "C1",
            "reported_at": "2014-01-10 10:00",
            "returned_at": "2014-01-10 12:00",
        },  # before the 12 months
    ]


def test_briefing_holds_the_childs_pattern_and_only_their_associates():
    briefing = child_briefing(make_episodes(*rows()), "C1", date(2015, 5, 31), SETTINGS)
    assert briefing.period == (date(2014, 6, 1), date(2015, 5, 31))
    assert briefing.by_month["month"].tolist()[0] == "2014-06" and len(briefing.by_month) == 12
    assert briefing.by_month.set_index("month").loc["2015-03"].tolist() == [1, 0, 0]
    assert briefing.by_month.set_index("month").loc["2015-05"].tolist() == [0, 1, 0]
    assert briefing.associates["associate"].tolist() == ["C2"]
    assert dict(zip(briefing.times_of_day["band"], briefing.times_of_day["episodes"], strict=True)) == {
        "00:00-05:59": 0,
        "06:00-11:59": 0,
        "12:00-17:59": 0,
        "18:00-23:59": 1,
        "Not known": 1,
    }
    assert briefing.found["place"].tolist() == ["B23 6"]
    # risk history covers every episode, latest first, including the one before the 12 months
    assert briefing.risk_history["police_risk"].tolist() == ["low", "high", "Not known"]
    assert briefing.risk_history["exploitation"].tolist()[1] == "CSE"
    assert briefing.facts["episodes_in_period"] == 2 and briefing.facts["episodes"] == 3


def test_a_child_with_no_associate_or_found_postcode():
    briefing = child_briefing(make_episodes(*rows()[2:3]), "C3", date(2015, 5, 31), SETTINGS)
    assert briefing.associates.empty and briefing.found.empty
    # still missing at the end of May: over 72 hours, and no strategy meeting
    assert briefing.alerts["trigger"].tolist() == ["missing_over_72_hours", "strategy_meeting_overdue"]
    assert briefing.durations.set_index("band")["episodes"]["Not known"] == 1


def test_unknown_child_is_refused():
    with pytest.raises(KeyError):
        child_briefing(make_episodes(*rows()), "C9", date(2015, 5, 31), SETTINGS)


@pytest.fixture
def database_url(tmp_path):
    csv = tmp_path / "episodes.csv"
    header = "episode_id,child_id,category,reported_at,returned_at,missing_from,establishment_id"
    lines = [
        "E1,C1,missing,2015-03-01 22:30,2015-03-02 09:00,care,H1",
        "E2,C2,missing,2015-03-01 23:00,2015-03-02 08:00,care,H1",
        "E3,C3,missing,2015-03-02 23:00,2015-03-03 08:00,care,H1",
    ]
    url = f"sqlite:///{tmp_path / 'briefing.db'}"
    csv.write_text("\n".join([header, *lines]) + "\n")
    assert run_module("loaders", "import", str(csv), database_url=url).returncode == 0
    return url


def all_text(container) -> str:
    """Every paragraph of a document or cell, tables inside tables included."""
    parts = [p.text for p in container.paragraphs]
    for table in container.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(all_text(cell))
    return "\n".join(parts)


def run_briefing(url: str, *args: str) -> subprocess.CompletedProcess:
    return run_module("reports", "briefing", *args, database_url=url)


def test_briefing_command_writes_one_page_and_audits_it(database_url, tmp_path):
    docx = tmp_path / "C1.docx"
    result = run_briefing(database_url, "C1", "--out", str(docx), "--as-of", "2015-03-31")
    assert result.returncode == 0, result.stderr
    text = all_text(Document(docx))
    assert "Briefing: child C1" in text
    assert "C2" in text  # the associate
    assert "C3" not in text  # another child, not an associate, is never named
    pdf = tmp_path / "C1.pdf"
    assert run_briefing(database_url, "C1", "--out", str(pdf)).returncode == 0
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in pages
    engine = connect(database_url)
    with engine.connect() as connection:
        subjects = [r.subject for r in connection.execute(select(AuditEntry).where(AuditEntry.action == "export"))]
    engine.dispose()
    assert subjects == ["briefing C1 C1.docx", "briefing C1 C1.pdf"]


def test_briefing_of_an_unknown_child_is_refused(database_url, tmp_path):
    result = run_briefing(database_url, "C9", "--out", str(tmp_path / "C9.docx"))
    assert result.returncode == 1
    assert "no episodes for child 'C9'" in result.stderr
