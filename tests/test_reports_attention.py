"""`python -m reports table escalation|associates|meeting_list`: child-level tables judged on history, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from loaders.database import connect
from loaders.schema import AuditEntry
from tests.commands import run_module
from tests.conftest import _postgres_engine_for_new_schema

HEADER = "episode_id,child_id,category,reported_at,returned_at,missing_from,establishment_id,found_postcode,cse_concern"
ROWS = [
    # C1: four starts ten days apart in 2015, then four five days apart in March 2016: more often
    *[
        f"A{n},C1,missing,{day} 10:00,{day} 12:00,care,H1,,"
        for n, day in enumerate(
            [
                "2016-01-01",
                "2016-01-11",
                "2016-01-21",
                "2016-01-31",
                "2016-02-10",
                "2016-03-02",
                "2016-03-07",
                "2016-03-12",
            ]
        )
    ],
    # C2 leaves H1 with C1 on 2 March (missing together), then goes missing alone on 20 March
    "B1,C2,missing,2016-03-02 10:30,2016-03-02 13:00,care,H1,,",
    "B2,C2,absent,2016-03-20 10:00,2016-03-20 13:00,care,H2,,Y",
]
PERIOD = ["--from", "2016-03-01", "--to", "2016-03-31"]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The rows above imported with the real command into a fresh database of each kind."""
    admin = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'attention.db'}"
    else:
        admin, schema, url = _postgres_engine_for_new_schema()
    csv = tmp_path / "episodes.csv"
    csv.write_text("\n".join([HEADER, *ROWS]) + "\n")
    result = run_module("loaders", "import", str(csv), database_url=url)
    assert result.returncode == 0, result.stdout + result.stderr
    yield url
    if admin is not None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def reports(url, *args):
    return run_module("reports", *args, database_url=url, timeout=120)


def test_escalation_associates_and_meeting_list(database_url):
    escalation = reports(database_url, "table", "escalation", *PERIOD)
    assert escalation.returncode == 0, escalation.stderr
    assert escalation.stdout.splitlines() == [
        "reason,subject,first_met",
        "more_often,C1,2016-03-12",
        "new_exploitation_concern,C2,2016-03-20",
    ]
    linked = reports(database_url, "table", "associates", *PERIOD)
    assert linked.stdout.splitlines()[1].startswith("C1,C2,1,0,2016-03-02")
    meeting = reports(database_url, "table", "meeting_list", *PERIOD)
    lines = meeting.stdout.splitlines()
    assert lines[0] == "child_id,reasons,first_met,triggers,escalation,associates_missing"
    assert {line.split(",")[0] for line in lines[1:]} == {"C1", "C2"}
    assert "associate missing: C2" in next(line for line in lines if line.startswith("C1,"))

    engine = connect(database_url)
    with engine.connect() as connection:
        subjects = [row.subject for row in connection.execute(select(AuditEntry).where(AuditEntry.action == "export"))]
    engine.dispose()
    assert subjects == ["table escalation", "table associates", "table meeting_list"]


def test_child_level_tables_are_never_published(database_url):
    for name in ("escalation", "associates", "meeting_list"):
        refused = reports(database_url, "table", name, *PERIOD, "--publication")
        assert refused.returncode == 1
        assert "cannot be exported for publication" in refused.stderr
