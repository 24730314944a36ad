"""The production shape (docs/production.md): several app processes sharing one PostgreSQL.

Migrations run once however many processes start together (an advisory
lock in `loaders.database.migrate`), and two `streamlit run` servers on the
same database both answer and both show the Overview.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.browser_support import add_test_users, open_page, streamlit_server
from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = 4

CONNECT_AT = """
import sys, time
from loaders.database import connect
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # start together
connect(sys.argv[1]).dispose()
"""


@pytest.fixture
def fresh_schema():
    """An empty PostgreSQL schema (no tables, no alembic_version); yields its URL."""
    schema = f"prod_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_processes_starting_together_migrate_once(fresh_schema):
    start_at = time.time() + 4  # after every process has imported its modules
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CONNECT_AT, fresh_schema, str(start_at)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    outputs = [process.communicate(timeout=180)[0] for process in processes]
    assert [p.returncode for p in processes] == [0] * PROCESSES, "\n".join(outputs)
    engine = create_engine(fresh_schema)
    try:
        assert {"episodes", "children", "users", "alembic_version"} <= set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    finally:
        engine.dispose()
    heads = [p.name.split("_")[0] for p in (ROOT / "loaders" / "migrations" / "versions").glob("0*.py")]
    assert versions == [max(heads)]


@pytest.mark.browser
def test_two_servers_on_one_database_both_serve_the_overview(fresh_schema, tmp_path, page):
    subprocess.run(
        [sys.executable, "-m", "sample_data", "build", "--episodes", "2000", "--database", fresh_schema],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, capture_output=True,
    )  # fmt: skip
    add_test_users(fresh_schema)
    with (
        streamlit_server(fresh_schema, tmp_path / "one.log") as one,
        streamlit_server(fresh_schema, tmp_path / "two.log") as two,
    ):
        assert one != two
        for base in (one, two):
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=10) as response:
                assert response.status == 200
            open_page(page, base, "overview", role="viewer", wait=False)
            # the period caption is worked out from the episodes in PostgreSQL
            page.get_by_text("compared with").first.wait_for(timeout=120_000)
            assert page.get_by_text("Children missing from home and care").first.is_visible()
            assert not page.locator('[data-testid="stException"]').count()
