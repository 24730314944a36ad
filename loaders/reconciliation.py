"""Reading each source's own values for reconciliation, and recording items resolved (domain.md section 11).

The comparison itself is `metrics.reconciliation`; this module only moves
rows between the database and the frames it takes.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pyarrow as pa
from sqlalchemy import Engine, func, select

from config.canonical import CONTRIBUTION_COLUMNS
from loaders import episodes, store
from loaders.schema import Contribution, Resolution

RESOLUTION_COLUMNS = ["item_key", "resolved_by", "resolved_at", "note"]


def load_contributions(engine: Engine, sources: tuple[str, ...] = ("police", "ssda903")) -> pd.DataFrame:
    """The contributions of these sources (the two reconciliation compares), typed as the metric expects:
    source, child_id, category and missing_from categoricals (a few values repeated on every row), episode_id
    text, the times datetime64[ns], the flags bool.

    Read through ADBC (Arrow, columnar) when its driver for the database is installed, as the episodes are
    (`loaders.episodes`): at a million contributions the driver's rows took most of a minute. Below
    SQLITE_ARROW_FROM rows of SQLite the driver's rows are quicker than the ADBC child process; both reads
    give the same frame.
    """
    table = Contribution.__table__
    query = select(*[table.c[c] for c in CONTRIBUTION_COLUMNS]).where(table.c.source.in_(sources))
    sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    arrow = _arrow_contributions(engine, sql)
    if arrow is None:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(sql).all()
        values = list(zip(*rows, strict=True)) or [()] * len(CONTRIBUTION_COLUMNS)
        arrow = pa.table([pa.array(v, from_pandas=True) for v in values], names=list(CONTRIBUTION_COLUMNS))
    return _typed(arrow)


def _arrow_contributions(engine: Engine, sql: str) -> pa.Table | None:
    """The query's result through ADBC, or None when no ADBC driver fits (or SQLite has few rows)."""
    try:
        if engine.dialect.name == "sqlite" and engine.url.database and engine.url.database != ":memory:":
            with engine.connect() as connection:
                count = connection.execute(select(func.count()).select_from(Contribution)).scalar() or 0
            if count < episodes.SQLITE_ARROW_FROM:
                return None
            return episodes._sqlite_arrow(engine.url.database, "loaders.reconciliation.write_contributions_arrow", sql)
        if engine.dialect.name == "postgresql":
            import adbc_driver_postgresql.dbapi as adbc

            connection = adbc.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
            try:
                return episodes._fetch_arrow(connection, sql)
            finally:
                connection.close()
    except ImportError:
        return None
    return None


def write_contributions_arrow(path: str, out: str, sql: str) -> None:
    """Child process side of `_arrow_contributions` on SQLite (see `loaders.episodes._sqlite_arrow`)."""
    import adbc_driver_sqlite.dbapi as adbc

    connection = adbc.connect(path)
    try:
        options = {"adbc.sqlite.query.batch_rows": str(1 << 30)}  # infer each column's type from every row
        table = episodes._fetch_arrow(connection, sql, options)
    finally:
        connection.close()
    with pa.OSFile(out, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _typed(table: pa.Table) -> pd.DataFrame:
    """The Arrow result (from ADBC or from the driver's rows) as the frame the metric takes."""
    frame = {}
    for name in CONTRIBUTION_COLUMNS:
        values = table.column(name)
        if name in ("reported_at", "returned_at"):
            frame[name] = episodes._arrow_datetimes(name, values)
        elif name.endswith("_date_only"):
            frame[name] = values.cast(pa.bool_()).fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
        else:
            values = values.cast(pa.string())
            frame[name] = values.to_pandas() if name == "episode_id" else values.dictionary_encode().to_pandas()
    return pd.DataFrame(frame)


def load_resolutions(engine: Engine) -> pd.DataFrame:
    """Every resolved item: item_key, resolved_by, resolved_at, note."""
    with engine.connect() as connection:
        rows = connection.execute(select(*[Resolution.__table__.c[c] for c in RESOLUTION_COLUMNS])).all()
    frame = pd.DataFrame(rows, columns=RESOLUTION_COLUMNS)
    frame["resolved_at"] = pd.to_datetime(frame["resolved_at"])
    return frame


def resolve(engine: Engine, item_key: str, user: str, note: str) -> None:
    """Mark an item resolved with a note (marking it again replaces who, when and the note).

    The caller writes the audit row (`reports.audit.record` / `auth.audit`).
    """
    note = note.strip()
    if not note:
        raise ValueError("a resolution needs a note saying what was found")
    row = pd.DataFrame(
        [
            {
                "item_key": item_key[:200],
                "resolved_by": user[:100],
                "resolved_at": datetime.now().replace(microsecond=0),
                "note": note,
            }
        ]
    )
    with engine.begin() as connection:
        store.upsert_resolutions(connection, row)
