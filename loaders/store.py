"""Writing episodes, children and establishments: insert new ids, update known ones.

Every importer (canonical, SSDA903, police, partial updates) and the sample
builder write through these functions, so "re-importing never duplicates"
holds in one place. All of them take an open connection: the caller owns the
transaction, and an import lands whole or not at all.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Float,
    MetaData,
    Table,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Select
from sqlalchemy.sql.schema import ScalarElementColumnDefault
from sqlalchemy.types import TypeEngine

from loaders.schema import Base, Child, Contribution, Episode, Establishment, Resolution

CHUNK_ROWS = 5_000
PROGRESS_ROWS = 20_000  # an upsert told to report progress writes this many rows at a time
T = TypeVar("T")
# Without these a row cannot be inserted, only used to update a known episode.
REQUIRED_EPISODE_COLUMNS = {"episode_id", "child_id", "category", "reported_at", "missing_from"}


def table_of(model: type[Base]) -> Table:
    """A model's table, typed as the Table it is (SQLAlchemy types `__table__` as any FromClause)."""
    return cast(Table, model.__table__)


def _driver_cursor(connection: Connection):
    """The database driver's own cursor, for PostgreSQL's COPY (an open connection always has one)."""
    driver = connection.connection.driver_connection
    if driver is None:
        raise RuntimeError("the connection is closed")
    return driver.cursor()


def _insert(connection: Connection, table: Table):
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain Python values, None for every kind of missing value.

    Built column by column: converting cell by cell was most of an import's time.
    """
    columns = []
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            values = pd.Series(values.dt.to_pydatetime(), index=values.index, dtype=object)
        columns.append(values.astype(object).where(values.notna(), None).tolist())
    names = list(frame.columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _driver_values(values: pd.Series, column_type: TypeEngine, dialect: str) -> list:
    """One column as the plain values the database driver takes (None for every missing value).

    What SQLAlchemy's per-value type processors would send, done for the whole
    column at once: those processors were most of a large import's time.
    SQLite stores datetimes as SQLAlchemy's text form, booleans as 0/1.
    """
    if isinstance(column_type, (DateTime, Date)):
        stamps = pd.to_datetime(values).to_numpy(dtype="datetime64[us]")
        missing = np.isnat(stamps)
        if isinstance(column_type, DateTime):
            text = np.datetime_as_string(stamps, unit="us")  # 2015-03-01T14:30:00.000000
            if dialect == "sqlite" and len(text):
                as_chars = text.view(np.uint32).reshape(len(text), -1)
                as_chars[:, 10] = ord(" ")  # SQLAlchemy's SQLite form: 2015-03-01 14:30:00.000000
        else:
            text = np.datetime_as_string(stamps, unit="D")
        out = text.astype(object)
        out[missing] = None
        return out.tolist()
    if isinstance(column_type, Boolean) and pd.api.types.is_bool_dtype(values.dtype):  # a whole column at once
        out = values.to_numpy(dtype="int64" if dialect == "sqlite" else "bool", na_value=0).astype(object)
        out[values.isna().to_numpy()] = None
        return out.tolist()
    out = values.to_numpy(dtype=object, na_value=None).tolist()  # no object Series in between: 2x faster
    if isinstance(column_type, Boolean):
        convert = int if dialect == "sqlite" else bool
        return [None if v is None else convert(bool(v)) for v in out]
    if isinstance(column_type, Float):
        return [None if v is None else float(v) for v in out]
    return out


def _driver_rows(frame: pd.DataFrame, table: Table, dialect: str) -> list[tuple]:
    """The frame's rows as tuples of driver values, in the frame's column order."""
    columns = [_driver_values(frame[name], table.c[name].type, dialect) for name in frame.columns]
    return list(zip(*columns, strict=True))


def _row_chunks(frame: pd.DataFrame, table: Table, dialect: str) -> Iterator[list[tuple]]:
    """The frame's driver rows, CHUNK_ROWS at a time; the next chunk is built in a thread while the
    caller writes this one (sqlite3 and psycopg let go of the interpreter while the database works)."""
    return _chunks_built_ahead(frame, lambda part: _driver_rows(part, table, dialect))


def _copy_text(frame: pd.DataFrame, table: Table) -> str:
    """The frame as PostgreSQL COPY text (tab between cells, \\N for missing), built column by column
    in Arrow: handing psycopg one row at a time was most of a PostgreSQL import's own time.

    Dates and times are written as `_arrow_datetimes` writes them; booleans as
    true/false, numbers in their shortest exact form, text with COPY's four special characters escaped.
    """
    cells = []
    for name in frame.columns:
        values, column_type = frame[name], table.c[name].type
        try:
            if isinstance(column_type, (DateTime, Date)):
                column = _arrow_datetimes(values, column_type)
            else:
                column = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # a column of mixed kinds: each value as its own text
            driver = _driver_values(values, column_type, "postgresql")
            column = pa.array([None if v is None else str(v) for v in driver], pa.large_string())
        if isinstance(column, pa.ChunkedArray):  # a column pandas already holds in Arrow comes back chunked
            column = column.combine_chunks()
        is_text = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
        column = column.cast(pa.large_string())
        if is_text and pc.any(pc.match_substring_regex(column, r"[\\\t\n\r]")).as_py():
            for special, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
                column = pc.replace_substring(column, special, escaped)
        cells.append(pc.fill_null(column, "\\N"))
    if not cells:
        return ""
    text = pa.large_string()
    lines = pc.binary_join_element_wise(*cells, pa.scalar("\t", text))
    block = pc.binary_join(
        pa.ListArray.from_arrays(pa.array([0, len(lines)], pa.int32()), lines), pa.scalar("\n", text)
    )
    return block[0].as_py() + "\n"


def _chunks_built_ahead(frame: pd.DataFrame, build: Callable[[pd.DataFrame], T]) -> Iterator[T]:
    """`build` of each CHUNK_ROWS rows of the frame, the next one built in a thread while the caller
    writes this one."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="driver-rows") as pool:
        pending: Future[T] | None = None
        for start in range(0, len(frame), CHUNK_ROWS):
            building = pool.submit(build, frame.iloc[start : start + CHUNK_ROWS])
            if pending is not None:
                yield pending.result()
            pending = building
        if pending is not None:
            yield pending.result()


def _with_defaults(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Add the columns the frame lacks that have a scalar default, as SQLAlchemy's insert would."""
    extra = {
        c.name: c.default.arg
        for c in table.columns
        if c.name not in frame.columns and isinstance(c.default, ScalarElementColumnDefault)
    }
    return frame.assign(**extra) if extra else frame


def _conflict_updates(statement, table: Table, columns: list[str], keep_known: set[str], keep_stored: bool) -> dict:
    """The SET clause: the new value, or coalesce(new, stored), or with `keep_stored` coalesce(stored, new)."""
    if keep_stored:
        return {c: func.coalesce(table.c[c], statement.excluded[c]) for c in columns}
    return {
        c: (func.coalesce(statement.excluded[c], table.c[c]) if c in keep_known else statement.excluded[c])
        for c in columns
    }


def _upsert(
    connection: Connection,
    table: Table,
    frame: pd.DataFrame,
    key: str | tuple[str, ...],
    keep_known: Iterable[str] = (),
    keep_stored: bool = False,
    progress: Callable[[int], None] | None = None,
    all_new: bool = False,
) -> None:
    """Insert rows, or update the given columns of rows whose key (a column, or several) exists.

    Columns named in `keep_known` keep their stored value when the new one is
    blank (a later file that does not know a child's sex does not erase it);
    with `keep_stored` a stored value is never replaced, only a blank filled.
    SQLite gets one prepared statement run over plain tuples, or from STAGED_ROWS
    rows a staging file and one INSERT ... SELECT (`_staging_file`); PostgreSQL a
    COPY into a temporary table and one INSERT ... SELECT (COPY is many times
    faster than row-by-row inserts there). A frame repeating a key takes the
    row-by-row path, so later rows still win as they always did. `progress` is told the rows written
    so far (every PROGRESS_ROWS; a staged write: half of them once staged, all once inserted).
    With `all_new` (the caller knows no key is stored) PostgreSQL COPYs straight into the table:
    the same rows without a second pass; a key stored after all fails the write.
    """
    if frame.empty:
        return
    keys = [key] if isinstance(key, str) else list(key)
    columns = [c for c in frame.columns if c not in keys]
    keep_known = set(keep_known)
    dialect = connection.dialect.name
    report = progress or (lambda done: None)
    unique = not frame.duplicated(subset=keys).any()
    rows_frame = _with_defaults(frame, table)
    staged = _sqlite_staging_table(rows_frame, table) if dialect == "sqlite" and unique else None
    if staged is not None:
        staging = _staging_file(connection, staged, table)
        report(len(frame) // 2)
        connection.execute(_insert_from(connection, table, staging, keys, columns, keep_known, keep_stored))
        report(len(frame))
        return
    if progress is not None:
        for start in range(0, len(frame), PROGRESS_ROWS):
            part = frame.iloc[start : start + PROGRESS_ROWS]
            _upsert(connection, table, part, key, keep_known, keep_stored, all_new=all_new and unique)
            report(min(start + PROGRESS_ROWS, len(frame)))
        return
    if dialect == "postgresql" and unique and all_new:
        _copy_rows(connection, table.name, rows_frame, table)
        return
    if dialect == "postgresql" and unique:
        _copy_upsert(connection, table, frame, keys, columns, keep_known, keep_stored)
        return
    _bind_rows(connection, table, rows_frame, keys, columns, keep_known, keep_stored)


def _bind_rows(
    connection: Connection,
    table: Table,
    rows_frame: pd.DataFrame,
    keys: list[str],
    columns: list[str],
    keep_known: set[str],
    keep_stored: bool,
) -> None:
    """`_upsert` row by row: one prepared INSERT ... ON CONFLICT run over the rows' values."""
    dialect = connection.dialect.name
    statement = _insert(connection, table).values({c: bindparam(c) for c in rows_frame.columns})
    if columns:
        statement = statement.on_conflict_do_update(
            index_elements=keys, set_=_conflict_updates(statement, table, columns, keep_known, keep_stored)
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    compiled = statement.compile(dialect=connection.dialect)
    if dialect == "sqlite" and compiled.positiontup is not None:
        for rows in _row_chunks(rows_frame[list(compiled.positiontup)], table, dialect):
            connection.exec_driver_sql(compiled.string, rows)
        return
    for start in range(0, len(rows_frame), CHUNK_ROWS):  # any other database: SQLAlchemy does the typing
        connection.execute(statement, _records(rows_frame.iloc[start : start + CHUNK_ROWS]))


def _copy_upsert(
    connection: Connection,
    table: Table,
    frame: pd.DataFrame,
    keys: list[str],
    columns: list[str],
    keep_known: set[str],
    keep_stored: bool,
) -> None:
    """PostgreSQL: COPY the rows into a temporary table, then one INSERT ... SELECT ... ON CONFLICT."""
    frame = _with_defaults(frame, table)
    names = list(frame.columns)
    staging_name = f"incoming_{table.name}"
    staging = Table(staging_name, MetaData(), *[Column(c, table.c[c].type) for c in names])
    column_list = ", ".join(f'"{c}"' for c in names)
    connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{staging_name}"')
    connection.exec_driver_sql(
        f'CREATE TEMPORARY TABLE "{staging_name}" AS SELECT {column_list} FROM "{table.name}" WITH NO DATA'
    )
    _copy_rows(connection, staging_name, frame, table)
    connection.execute(_insert_from(connection, table, staging, keys, columns, keep_known, keep_stored))
    connection.exec_driver_sql(f'DROP TABLE "{staging_name}"')


def _copy_rows(connection: Connection, into: str, frame: pd.DataFrame, table: Table) -> None:
    """PostgreSQL: COPY the frame's columns into the table named `into` (whose columns are the table's)."""
    column_list = ", ".join(f'"{c}"' for c in frame.columns)
    cursor = _driver_cursor(connection)
    with cursor.copy(f'COPY "{into}" ({column_list}) FROM STDIN') as copy:
        for block in _chunks_built_ahead(frame, lambda part: _copy_text(part, table)):
            copy.write(block)
    cursor.close()


def _insert_from(
    connection: Connection,
    table: Table,
    staging: Table,
    keys: list[str],
    columns: list[str],
    keep_known: set[str],
    keep_stored: bool,
):
    """INSERT INTO table SELECT the staging table's rows in the order they were written, ON CONFLICT as `_upsert`."""
    rows = select(*staging.columns)
    if connection.dialect.name == "sqlite":
        rows = rows.order_by(literal_column(f'"{staging.schema}"."{staging.name}".rowid'))
    return _insert_select(
        connection, table, [c.name for c in staging.columns], rows, keys, columns, keep_known, keep_stored
    )


def _insert_select(
    connection: Connection,
    table: Table,
    names: list[str],
    rows: Select,
    keys: list[str],
    columns: list[str],
    keep_known: set[str],
    keep_stored: bool,
):
    """INSERT INTO table (names) SELECT rows ON CONFLICT (keys): the SET clause of `_conflict_updates`."""
    statement = _insert(connection, table).from_select(names, rows.where(true()))  # SQLite's parser needs a WHERE
    if columns:
        return statement.on_conflict_do_update(
            index_elements=keys, set_=_conflict_updates(statement, table, columns, keep_known, keep_stored)
        )
    return statement.on_conflict_do_nothing(index_elements=keys)


def _sqlite_staging_table(frame: pd.DataFrame, table: Table) -> pa.Table | None:
    """The frame as Arrow columns holding exactly what `_driver_values` hands sqlite3. None for a frame
    under STAGED_ROWS, or when a column has another kind of value: the caller then binds row by row."""
    if len(frame) < STAGED_ROWS:
        return None
    columns = {}
    for name in frame.columns:
        column = _sqlite_arrow_column(frame[name], table.c[name].type)
        if column is None:
            return None
        columns[name] = column
    return pa.table(columns)


def _arrow_datetimes(values: pd.Series, column_type: DateTime | Date) -> pa.Array:
    """Dates and times as the text SQLAlchemy gives SQLite (2015-03-01 14:30:00.000000, 2015-03-01), made
    in Arrow; PostgreSQL reads the same text as the same value."""
    stamps = pd.to_datetime(values).to_numpy(dtype="datetime64[us]")
    if isinstance(column_type, Date):
        stamps = stamps.astype("datetime64[D]")
    return pa.array(stamps, mask=np.isnat(stamps)).cast(pa.string())


def _sqlite_arrow_column(values: pd.Series, column_type: TypeEngine) -> pa.Array | None:
    """Datetimes as SQLAlchemy's SQLite text, booleans as 0/1, floats, whole numbers and text as they are."""
    if isinstance(column_type, (DateTime, Date)):
        return _arrow_datetimes(values, column_type)
    if isinstance(column_type, Boolean):
        if not pd.api.types.is_bool_dtype(values.dtype):
            return None
        return pa.array(values.to_numpy(dtype="int64", na_value=0), mask=values.isna().to_numpy())
    if isinstance(column_type, Float):
        if not pd.api.types.is_numeric_dtype(values.dtype):
            return None
        return pa.array(values.to_numpy(dtype="float64", na_value=np.nan), from_pandas=True)
    try:
        column = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if isinstance(column, pa.ChunkedArray):  # a column pandas already holds in Arrow comes back chunked
        column = column.combine_chunks()
    if pa.types.is_null(column.type):  # every value missing
        return column.cast(pa.string())
    kinds = (pa.types.is_string, pa.types.is_large_string, pa.types.is_int64)
    return column if any(kind(column.type) for kind in kinds) else None


# SQLite: an upsert of this many rows or more is staged (`_staging_file`), not bound row by row.
STAGED_ROWS = 50_000
STAGING_PREFIX = "staging_"


def _staging_file(connection: Connection, rows: pa.Table, table: Table) -> Table:
    """SQLite: the rows written by ADBC into a scratch file (Arrow bound in C), attached to the
    connection for one INSERT ... SELECT: building and binding a million rows of Python tuples
    was most of a large import's time.

    ADBC bundles its own SQLite library, so it never opens the database itself (two libraries in
    one process do not see each other's locks, `loaders.episodes`): only this scratch file, closed
    before sqlite3 attaches it. The scratch is not the import (journal off); the import is still the
    caller's one transaction. The attachment outlives the transaction that read it (SQLite cannot
    detach within it): `detach_staging` drops it and the file when the connection is returned to the pool.
    """
    import adbc_driver_sqlite.dbapi as adbc

    path = Path(tempfile.mkdtemp(prefix="import-staging-")) / "rows.db"
    with adbc.connect(str(path), autocommit=True) as scratch, scratch.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.fetchall()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.adbc_ingest(table.name, rows, mode="create")
    in_use = {row[1] for row in connection.exec_driver_sql("PRAGMA database_list")}
    schema = next(f"{STAGING_PREFIX}{n}" for n in range(len(in_use) + 1) if f"{STAGING_PREFIX}{n}" not in in_use)
    connection.exec_driver_sql(f'ATTACH DATABASE ? AS "{schema}"', (str(path),))
    return Table(table.name, MetaData(), *[Column(c, table.c[c].type) for c in rows.column_names], schema=schema)


def detach_staging(dbapi_connection, _record=None) -> None:
    """Pool checkin (SQLite): detach the staging files an upsert attached and delete them."""
    if dbapi_connection is None:
        return
    for _, schema, file in dbapi_connection.execute("PRAGMA database_list").fetchall():
        if schema.startswith(STAGING_PREFIX):
            dbapi_connection.execute(f'DETACH DATABASE "{schema}"')
            shutil.rmtree(Path(file).parent, ignore_errors=True)


# Any fixed number: the PostgreSQL advisory lock an import's write transaction holds.
IMPORT_LOCK = 7_311_949


def one_import_at_a_time(connection: Connection) -> None:
    """PostgreSQL: this transaction waits until no other import's is open (SQLite has one writer anyway).

    Two first imports would otherwise both read the empty episodes table, then each wait for the other's
    read to end before dropping its indexes (`indexes_built_after`): a deadlock, one import failed.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})


@contextmanager
def indexes_built_after(connection: Connection, models: Iterable[type[Base]]) -> Iterator[None]:
    """Writing into empty tables: their secondary indexes (on PostgreSQL also their foreign keys) dropped
    for the writes and built once after, in the same transaction: one sort instead of a B-tree insert a
    row, one join instead of a lookup a row (on PostgreSQL the per-row foreign key checks were about half
    of an episode's insert). The foreign keys still hold: adding them back checks every row, and an
    import with a row breaking one fails whole as before.

    Inside the caller's transaction, so an import that fails keeps them all; a table already holding
    rows keeps them throughout (rebuilding would cost a pass over every stored row). On PostgreSQL
    the empty table is locked until the import commits (readers wait for the first import's rows).
    """
    statements: list[str] = []
    for model in models:
        table = table_of(model)
        if not is_empty(connection, model):
            continue
        if connection.dialect.name == "sqlite":
            statements += _drop_sqlite_indexes(connection, table)
        elif connection.dialect.name == "postgresql":
            statements += _drop_postgresql_indexes_and_foreign_keys(connection, table)
    yield
    for sql in statements:
        connection.exec_driver_sql(sql)


def _drop_sqlite_indexes(connection: Connection, table: Table) -> list[str]:
    """Drop the table's own indexes (not the primary key's); returns the statements that build them again."""
    indexes = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table.name,),
    ).all()
    for name, _ in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in indexes]


def _drop_postgresql_indexes_and_foreign_keys(connection: Connection, table: Table) -> list[str]:
    """Drop the table's indexes other than the primary key and unique ones (ON CONFLICT needs those),
    and its foreign keys; returns the statements that make them again, indexes first."""
    indexes = connection.exec_driver_sql(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = CAST(%(table)s AS regclass) AND NOT i.indisprimary AND NOT i.indisunique",
        {"table": f'"{table.name}"'},
    ).all()
    foreign_keys = connection.exec_driver_sql(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = CAST(%(table)s AS regclass) AND contype = 'f'",
        {"table": f'"{table.name}"'},
    ).all()
    for name, _ in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    for name, _ in foreign_keys:
        connection.exec_driver_sql(f'ALTER TABLE "{table.name}" DROP CONSTRAINT "{name}"')
    return [sql for _, sql in indexes] + [
        f'ALTER TABLE "{table.name}" ADD CONSTRAINT "{name}" {definition}' for name, definition in foreign_keys
    ]


def upsert_children(connection: Connection, children: pd.DataFrame) -> None:
    """children: child_id plus any of sex, date_of_birth, ethnicity (blank keeps what is known)."""
    _upsert(connection, table_of(Child), children, "child_id", keep_known=set(children.columns))


def upsert_establishments(connection: Connection, establishments: pd.DataFrame) -> None:
    """establishments: establishment_id plus establishment_name (blank keeps what is known)."""
    _upsert(
        connection, table_of(Establishment), establishments, "establishment_id", keep_known=set(establishments.columns)
    )


def upsert_episodes(
    connection: Connection,
    episodes: pd.DataFrame,
    fill_blanks_only: bool = False,
    progress: Callable[[int], None] | None = None,
    all_new: bool = False,
) -> None:
    """Insert new episode_ids and update the given columns of known ones.

    `episodes` holds episode_id and any subset of the episode columns: a
    partial file updates only its own columns. With `fill_blanks_only` a
    stored value is never replaced, only a blank one filled (a second source
    for the same event adds what it knows without overwriting richer data).
    `all_new`: the caller knows none of the ids is stored (see `_upsert`).
    """
    if not REQUIRED_EPISODE_COLUMNS <= set(episodes.columns):
        update_episodes(connection, episodes, fill_blanks_only=fill_blanks_only)
        return
    _upsert(
        connection,
        table_of(Episode),
        episodes,
        "episode_id",
        keep_stored=fill_blanks_only,
        progress=progress,
        all_new=all_new,
    )


def upsert_contributions(connection: Connection, contributions: pd.DataFrame, as_inserted: bool = False) -> None:
    """Each source's own values per imported row (source, episode_id, ...): a row imported again replaces its own.

    `as_inserted`: the rows are the episodes this import has just inserted, as given (one source, one
    import_id), into an empty episodes table. Into an empty contributions table SQLite then copies them
    from the episodes by one INSERT ... SELECT in rowid order, the file's (at 1M rows the contributions
    took 5 s of 43), and PostgreSQL COPYs them straight in (its episodes' physical order is not the
    file's, so a copy from them would store another order).
    """
    if contributions.empty:
        return
    as_inserted = as_inserted and is_empty(connection, Contribution)
    if as_inserted and connection.dialect.name == "sqlite":
        episodes = table_of(Episode)
        columns = [c for c in contributions.columns if c not in ("source", "import_id")]
        import_id = int(contributions["import_id"].iat[0])
        rows = select(literal(contributions["source"].iat[0]), *[episodes.c[c] for c in columns], episodes.c.import_id)
        rows = rows.where(episodes.c.import_id == import_id).order_by(literal_column("episodes.rowid"))
        names = ["source", *columns, "import_id"]
        connection.execute(sqlite.insert(table_of(Contribution)).from_select(names, rows))
        return
    _upsert(connection, table_of(Contribution), contributions, ("source", "episode_id"), all_new=as_inserted)


def is_empty(connection: Connection, model: type[Base]) -> bool:
    table = table_of(model)
    return connection.execute(select(table.primary_key.columns[0]).limit(1)).first() is None


def upsert_resolutions(connection: Connection, resolutions: pd.DataFrame) -> None:
    """Reconciliation items resolved (item_key, resolved_by, resolved_at, note): resolving again replaces."""
    _upsert(connection, table_of(Resolution), resolutions, "item_key")


def update_episodes(connection: Connection, episodes: pd.DataFrame, fill_blanks_only: bool = False) -> None:
    """Update the given columns of episodes that already exist (a partial file, e.g. an RHI tracker).

    Ids not in the database are ignored here: the importer refuses them first.
    """
    table = table_of(Episode)
    columns = [c for c in episodes.columns if c != "episode_id"]
    if episodes.empty or not columns:
        return
    values = {
        c: (func.coalesce(table.c[c], bindparam(f"new_{c}")) if fill_blanks_only else bindparam(f"new_{c}"))
        for c in columns
    }
    statement = update(table).where(table.c.episode_id == bindparam("key_episode_id")).values(values)
    renamed = episodes.rename(columns={c: f"new_{c}" for c in columns} | {"episode_id": "key_episode_id"})
    for start in range(0, len(renamed), CHUNK_ROWS):
        connection.execute(statement, _records(renamed.iloc[start : start + CHUNK_ROWS]))


def existing_episodes(connection: Connection, episode_ids: Iterable[str], columns: Iterable[str]) -> pd.DataFrame:
    """The stored values of these columns for the ids that exist, indexed by episode_id.

    The ids go into a temporary table joined to episodes (COPY on PostgreSQL):
    one query, where batches of ids in IN (...) lists took seconds per 100,000.
    """
    table = table_of(Episode)
    columns = [c for c in columns if c != "episode_id"]
    if is_empty(connection, Episode):  # a first import: every id is new, no need to send a million ids over
        return pd.DataFrame(columns=columns, index=pd.Index([], name="episode_id"))
    ids = list(dict.fromkeys(episode_ids))
    if not ids:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="episode_id"))
    staging = Table("incoming_episode_ids", MetaData(), Column("episode_id", table.c.episode_id.type, primary_key=True))
    connection.exec_driver_sql('DROP TABLE IF EXISTS "incoming_episode_ids"')
    connection.exec_driver_sql('CREATE TEMPORARY TABLE "incoming_episode_ids" (episode_id VARCHAR(64) PRIMARY KEY)')
    if connection.dialect.name == "postgresql":
        cursor = _driver_cursor(connection)
        with cursor.copy('COPY "incoming_episode_ids" (episode_id) FROM STDIN') as copy:
            for episode_id in ids:
                copy.write_row((str(episode_id),))
        cursor.close()
    else:
        connection.exec_driver_sql(
            'INSERT INTO "incoming_episode_ids" (episode_id) VALUES (?)', [(str(i),) for i in ids]
        )
    query = select(table.c.episode_id, *[table.c[c] for c in columns]).join(
        staging, staging.c.episode_id == table.c.episode_id
    )
    stored = pd.DataFrame(connection.execute(query).all(), columns=["episode_id", *columns])
    connection.exec_driver_sql('DROP TABLE "incoming_episode_ids"')
    return stored.set_index("episode_id")


def classify_changes(connection: Connection, episodes: pd.DataFrame) -> pd.Series:
    """For each row of an incoming file: `new`, `updated` or `unchanged` against the database."""
    columns = [c for c in episodes.columns if c != "episode_id"]
    stored = existing_episodes(connection, episodes["episode_id"], columns)
    incoming = episodes.set_index("episode_id")
    status = pd.Series("new", index=incoming.index, dtype="object")
    known = incoming.index.isin(stored.index)
    if known.any():
        before = stored.reindex(incoming.index[known])
        after = incoming.loc[known, columns]
        same = pd.Series(True, index=after.index)
        for column in columns:
            a, b = after[column], before[column]
            if pd.api.types.is_datetime64_any_dtype(a) or pd.api.types.is_datetime64_any_dtype(b):
                a, b = pd.to_datetime(a), pd.to_datetime(b)
            elif pd.api.types.is_float_dtype(a) or pd.api.types.is_float_dtype(b):
                a, b = pd.to_numeric(a), pd.to_numeric(b)
                same &= (np.isclose(a, b, equal_nan=True)) | (a.isna() & b.isna())
                continue
            else:
                a, b = a.astype(object), b.astype(object)
            equal = (a == b).fillna(False).astype(bool) | (a.isna() & b.isna())
            same &= equal.to_numpy()
        status.loc[after.index] = np.where(same, "unchanged", "updated")
    return status.reset_index(drop=True)
