"""Reading episodes out of the database as the one DataFrame every metric takes.

The frame has one row per episode with every episode column (see
`loaders/schema.py`), the child's sex, date_of_birth and ethnicity from
`children`, and establishment_name. Vocabulary columns are pandas
categoricals with their full vocabulary, datetimes are naive local
`datetime64[ns]`, flags are nullable booleans.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Date, DateTime, Engine, func, select

from config.canonical import DATETIME_COLUMNS
from loaders.schema import (
    VOCABULARIES,
    Child,
    Episode,
    Establishment,
    Import,
)

NULLABLE_FLAGS = ("out_of_area", "cse_concern", "cce_concern")
NOT_NULL_FLAGS = tuple(f"{c}_date_only" for c in DATETIME_COLUMNS) + ("from_unknown", "found_unknown")


def episodes_query():
    episode_columns = [c for c in Episode.__table__.columns if c.name not in ("import_id",)]
    return (
        select(
            *episode_columns,
            Child.sex,
            Child.date_of_birth,
            Child.ethnicity,
            Establishment.establishment_name,
        )
        .join(Child, Child.child_id == Episode.child_id)
        .outerjoin(Establishment, Establishment.establishment_id == Episode.establishment_id)
        .order_by(Episode.reported_at, Episode.episode_id)
    )


def typed_episodes(frame: pd.DataFrame) -> pd.DataFrame:
    """Give an episodes frame the dtypes the metrics rely on."""
    frame = frame.copy()
    for column, values in VOCABULARIES.items():
        if column in frame:
            frame[column] = pd.Categorical(frame[column], categories=list(values))
    for column in DATETIME_COLUMNS:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    if "date_of_birth" in frame:
        frame["date_of_birth"] = pd.to_datetime(frame["date_of_birth"]).astype("datetime64[ns]")
    for column in NULLABLE_FLAGS:
        if column in frame:
            frame[column] = frame[column].astype("boolean")
    for column in NOT_NULL_FLAGS:
        if column in frame:
            frame[column] = frame[column].fillna(False).astype(bool)
    for column in ("from_easting", "from_northing", "found_easting", "found_northing"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def load_episodes(engine: Engine) -> pd.DataFrame:
    """Every episode with its child's details, typed for the metrics.

    Read through ADBC (Arrow, columnar, no Python object per value) when its
    driver for the database is installed: at a million episodes the
    row-by-row read took about 40 s, the columnar one a few. The result is
    the same frame either way (tests/test_store.py compares them).
    """
    arrow = _arrow_episodes(engine)
    if arrow is not None:
        return _typed_arrow(arrow)
    with engine.connect() as connection:
        frame = pd.read_sql(episodes_query(), connection)
    return typed_episodes(frame)


def _sqlite_select(column) -> str:
    """One column of the episodes query in SQLite SQL; datetimes as integer microseconds since 1970.

    SQLite keeps datetimes as text (`2015-03-01 14:30:00.000000`); whole
    seconds from strftime plus the fraction's digits is exact and far
    cheaper than parsing the text afterwards.
    """
    name = f'"{column.table.name}"."{column.name}"'
    if isinstance(column.type, DateTime):
        return (
            f"CAST(strftime('%s', {name}) AS INTEGER) * 1000000"
            f" + coalesce(CAST(substr({name}, 21, 6) AS INTEGER), 0) AS {column.name}"
        )
    if isinstance(column.type, Date):
        return f"CAST(strftime('%s', {name}) AS INTEGER) * 1000000 AS {column.name}"
    return f"{name} AS {column.name}"


def _arrow_episodes(engine: Engine):
    """The episodes query's result as an Arrow table through ADBC, or None when no ADBC driver fits."""
    query = episodes_query().order_by(None)  # sorted in Arrow below: cheaper than SQL's sort here
    columns = list(query.selected_columns)
    try:
        if engine.dialect.name == "sqlite" and engine.url.database and engine.url.database != ":memory:":
            import adbc_driver_sqlite.dbapi as adbc

            compiled = query.compile(dialect=engine.dialect)
            sql = str(compiled)
            select_list = sql[len("SELECT ") : sql.index("\nFROM ")]
            sql = sql.replace(select_list, ", ".join(_sqlite_select(c) for c in columns), 1)
            connection = adbc.connect(engine.url.database)
            options = {"adbc.sqlite.query.batch_rows": str(1 << 30)}  # infer types from every row
        elif engine.dialect.name == "postgresql":
            import adbc_driver_postgresql.dbapi as adbc

            sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
            uri = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            connection = adbc.connect(uri)
            options = {}
        else:
            return None
    except ImportError:
        return None
    try:
        cursor = connection.cursor()
        if options:
            cursor.adbc_statement.set_options(**options)
        cursor.execute(sql)
        table = cursor.fetch_arrow_table()
        cursor.close()
    finally:
        connection.close()
    return table.sort_by([("reported_at", "ascending"), ("episode_id", "ascending")])


def _typed_arrow(table) -> pd.DataFrame:
    """The Arrow result as the frame `typed_episodes` gives, built column by column."""
    import pyarrow as pa

    frame = {}
    for name in table.column_names:
        values = table.column(name)
        if name in DATETIME_COLUMNS or name == "date_of_birth":
            if pa.types.is_integer(values.type) or pa.types.is_null(values.type):
                values = values.cast(pa.int64()).cast(pa.timestamp("us"))
            frame[name] = values.to_pandas().astype("datetime64[ns]")
        elif name in VOCABULARIES:
            frame[name] = pd.Categorical(values.to_pandas(), categories=list(VOCABULARIES[name]))
        elif name in NULLABLE_FLAGS:
            frame[name] = values.cast(pa.bool_()).to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
        elif name in NOT_NULL_FLAGS:
            frame[name] = values.cast(pa.bool_()).fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
        elif name.endswith(("_easting", "_northing")):
            frame[name] = values.cast(pa.float64()).to_numpy(zero_copy_only=False)
        else:
            if pa.types.is_null(values.type):
                values = values.cast(pa.string())
            frame[name] = values.to_pandas()
    out = pd.DataFrame(frame)
    out.index = pd.RangeIndex(len(out))
    return out


def data_version(engine: Engine) -> tuple[int, int]:
    """Changes whenever an import lands: (latest import id, episode count). A cache key."""
    with engine.connect() as connection:
        latest = connection.execute(select(func.max(Import.import_id))).scalar() or 0
        count = connection.execute(select(func.count()).select_from(Episode)).scalar() or 0
    return int(latest), int(count)
