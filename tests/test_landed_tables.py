"""What an import stores stays exactly what it stored before the import was made faster.

Two files land in a fresh database (600 episodes in every accepted spelling: UK and ISO dates, date-only
times, seconds, untidy postcodes, one not in the directory, yes/no words, mixed case; then an update of
60 of them and 20 new ones), and every stored cell of episodes, children, establishments and
contributions is read back as the database holds it (SQLite's `quote()`, PostgreSQL's text form) and
hashed. The expected digests were taken from the importer before its speed work; a change to what lands
changes a digest. The tables' indexes are all there afterwards. (To take the digests again after a
deliberate change: print `landed_digests(engine)`.)
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import inspect

from loaders import store
from loaders.importer import import_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "landed"
TABLES = {
    "episodes": "episode_id",
    "children": "child_id",
    "establishments": "establishment_id",
    "contributions": "source, episode_id",
}
EXPECTED = {
    "sqlite": {
        "episodes": "620 c8b7a95b895c96d3d30354c3fc2d1730b2b4f8fd3bc22fdad34dbaf863076be3",
        "children": "488 baf290a67ae95b148ce28aa3a8557f4ac08d4b58ba5dab1858afd6498ef1ee1b",
        "establishments": "134 408b4f11514ac9a3990be6e51961b92fa408bc4160e782744a3a398949624860",
        "contributions": "620 1471068c5aab6403999f94dbd0f83db2ecab0cbfa5621beed9765e8460c5bf85",
    },
    "postgresql": {
        "episodes": "620 45c730cd3e66deb0f1d1798af78625793daa6a06c45cffcf6a09e2421620c804",
        "children": "488 b1bc2c864e7cd83b33c560d41206ec9334ad8a148cf8c8efa2ae3a5dfef7f4e1",
        "establishments": "134 2f90c39aa3688d9b748404fa6284bce251586b72d6cb209c34edee6484612cab",
        "contributions": "620 9568b330627e239828c85414fa3822d95fbea282a8044dcc2d83b0382419ccfc",
    },
}


def landed_digests(engine) -> dict[str, str]:
    """Each table's every cell as the database stores it, in key order, as one SHA-256."""
    digests = {}
    columns = {t: [c["name"] for c in inspect(engine).get_columns(t)] for t in TABLES}
    with engine.connect() as connection:
        for table, order in TABLES.items():
            if engine.dialect.name == "sqlite":
                cells = ", ".join(f'quote("{c}")' for c in columns[table])
            else:
                cells = ", ".join(f"coalesce(\"{c}\"::text, 'NULL')" for c in columns[table])
            rows = connection.exec_driver_sql(f"SELECT {cells} FROM {table} ORDER BY {order}").all()
            text = "\n".join("\t".join(row) for row in rows)
            digests[table] = f"{len(rows)} {hashlib.sha256(text.encode()).hexdigest()}"
    return digests


def _indexes(engine) -> dict[str, list]:
    inspector = inspect(engine)
    return {t: sorted((i["name"], i["column_names"]) for i in inspector.get_indexes(t)) for t in TABLES}


def test_landed_tables_are_unchanged(engine):
    indexes = _indexes(engine)
    first = import_file(engine, FIXTURES / "episodes.csv")
    assert first.summary() == "landed: 600 rows, 600 new, 0 updated, 0 unchanged, 0 errors, 41 warnings"
    second = import_file(engine, FIXTURES / "update.csv")
    assert second.summary() == "landed: 80 rows, 20 new, 48 updated, 12 unchanged, 0 errors, 5 warnings"
    assert landed_digests(engine) == EXPECTED[engine.dialect.name]
    assert _indexes(engine) == indexes  # SQLite drops them for a first import and builds them again


def test_staged_writes_land_the_same_cells(sqlite_engine, monkeypatch):
    """SQLite's staged write (a scratch file by ADBC, one INSERT ... SELECT) stores every cell as the
    row-by-row write does; here every upsert is staged, as a large import's episodes are; afterwards no
    staging file is left attached or on disk."""
    staged = []
    original = store._staging_file

    def counted(connection, rows, table):
        staging = original(connection, rows, table)
        staged.append((table.name, len(rows), connection.exec_driver_sql("PRAGMA database_list").all()[-1][2]))
        return staging

    monkeypatch.setattr(store, "STAGED_ROWS", 1)
    monkeypatch.setattr(store, "_staging_file", counted)
    test_landed_tables_are_unchanged(sqlite_engine)
    assert {name for name, _, _ in staged} == {"episodes", "children", "establishments", "contributions"}
    assert ("episodes", 600) in [(name, rows) for name, rows, _ in staged]  # the first import's in one write
    with sqlite_engine.connect() as connection:
        attached = [row[1] for row in connection.exec_driver_sql("PRAGMA database_list")]
    assert not [name for name in attached if name.startswith(store.STAGING_PREFIX)]
    assert not any(Path(file).exists() for _, _, file in staged)
