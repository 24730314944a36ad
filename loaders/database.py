"""The one way to reach the database: make an engine and bring its tables up to date."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text

import config
from loaders.store import detach_staging

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_SECONDS = 600  # a million-row import holds the write lock for about a minute


def make_engine(url: str | None = None) -> Engine:
    """An engine for `url` (default: `DATABASE_URL`, else the embedded SQLite file)."""
    url = url or config.database_url()
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    sqlite = url.startswith("sqlite")
    # A second writer (two imports at once) waits for the first instead of failing with "database is locked".
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS} if sqlite else {})
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkin", detach_staging)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Foreign keys on; WAL so the app can read while an import writes; with WAL, NORMAL sync
    keeps the file consistent (a power cut can lose only the last commit) and a 256 MB page
    cache keeps the indexes of a million-row import in memory (100k rows: 3.9 s of inserts before)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-262144")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


# Any fixed number: the PostgreSQL advisory lock every app process takes while migrating.
MIGRATION_LOCK = 7_311_947


def migrate(engine: Engine) -> None:
    """Apply every Alembic migration not yet applied (safe to call at every start).

    On PostgreSQL the migration runs under a transaction-level advisory lock,
    so several app processes starting together against one database migrate
    once: the first applies the revisions, the others wait, then find nothing
    to do (without it two could both try to create the same tables).
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def connect(url: str | None = None) -> Engine:
    """An engine whose tables are migrated to the latest version."""
    engine = make_engine(url)
    migrate(engine)
    return engine
