"""Shared fixtures: real databases (SQLite always, PostgreSQL at 127.0.0.1:5432/test).

`make test` starts PostgreSQL when it is not running. Set
`TEST_POSTGRES_URL` to use another server. When no server answers, the
PostgreSQL cases fail rather than skip, unless `ALLOW_NO_POSTGRES=1`.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from loaders.database import connect

# browser fixtures (server, sample_server, browser, page) for every test module
pytest_plugins = ["tests.browser_support"]

# A page's unexpected error reaches AppTest's `at.exception` instead of the user's short message (ui/errors.py).
os.environ["MISSING_RAISE_PAGE_ERRORS"] = "1"

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/test")


def _postgres_engine_for_new_schema():
    """A fresh schema in the test database, so tests never see each other's rows."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:
        admin.dispose()
        if os.environ.get("ALLOW_NO_POSTGRES") == "1":
            pytest.skip(f"PostgreSQL not reachable: {error}")
        raise
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    return admin, schema, url


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        eng = connect(f"sqlite:///{tmp_path / 'test.db'}")
        yield eng
        eng.dispose()
        return
    admin, schema, url = _postgres_engine_for_new_schema()
    eng = connect(url)
    yield eng
    eng.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_engine(tmp_path):
    """A migrated, empty SQLite database, for tests that need only one kind."""
    eng = connect(f"sqlite:///{tmp_path / 'test.db'}")
    yield eng
    eng.dispose()
