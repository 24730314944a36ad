"""Reading episodes out of the database as the one DataFrame every metric takes.

The frame has one row per episode with every episode column (see
`loaders/schema.py`), the child's sex, date_of_birth and ethnicity from
`children`, and establishment_name. Vocabulary columns are pandas
categoricals with their full vocabulary; child_id and the repeated text of
`TEXT_CATEGORIES` categoricals of their sorted values; datetimes are naive
local `datetime64[ns]`, flags are nullable booleans.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import Date, DateTime, Engine, String, func, select

from config.canonical import DATETIME_COLUMNS, MULTI_VALUE_VOCABULARIES, VOCABULARIES
from loaders.schema import (
    Child,
    Episode,
    Establishment,
    Import,
)

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)
# Below this many episodes the in-process row read is quicker than starting the ADBC child process.
SQLITE_ARROW_FROM = 50_000
NULLABLE_FLAGS = ("out_of_area", "cse_concern", "cce_concern")
NOT_NULL_FLAGS = tuple(f"{c}_date_only" for c in DATETIME_COLUMNS) + ("from_unknown", "found_unknown")
# Free text with few distinct values, held as categoricals (`_with_child_codes`): every reader of
# these compares, counts or splits them, which a categorical answers as its text would.
TEXT_CATEGORIES = ("source", "from_lad", "found_lad", *MULTI_VALUE_VOCABULARIES)


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
    for column in (*DATETIME_COLUMNS, "date_of_birth"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    for column in [c for c in NULLABLE_FLAGS if c in frame]:
        frame[column] = frame[column].astype("boolean")
    for column in [c for c in NOT_NULL_FLAGS if c in frame]:
        frame[column] = frame[column].fillna(False).astype(bool)
    for column in ("from_easting", "from_northing", "found_easting", "found_northing"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return _with_child_codes(frame)


def load_episodes(engine: Engine) -> pd.DataFrame:
    """Every episode with its child's details, typed for the metrics.

    Read through ADBC (Arrow, columnar, no Python object per value) when its
    driver for the database is installed: at a million episodes the
    row-by-row read took about 40 s, the columnar one a few. The result is
    the same frame either way (tests/test_store.py compares them).
    """
    started = time.perf_counter()
    arrow = _arrow_episodes(engine)
    if arrow is not None:
        frame = _typed_arrow(arrow)
    else:
        with engine.connect() as connection:
            frame = typed_episodes(pd.read_sql(episodes_query(), connection))
    log.info("read %d episodes in %.1f s", len(frame), time.perf_counter() - started)
    return frame


def _with_child_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """child_id and the repeated text of TEXT_CATEGORIES as categoricals of their sorted values.

    child_id: every per-child count groups by integer codes, and choosing a period copies codes, not
    text (at 1M episodes, factorising the text took 20 ms a call). The others: a few distinct values
    repeated on every row took about 14 MB a column at 1M episodes as text, 1 MB as codes."""
    for column in [c for c in ("child_id", *TEXT_CATEGORIES) if c in frame]:
        # factorize's sort: 3 to 15 times quicker than pd.Categorical(values, categories=sorted(...)), same frame
        codes, values = pd.factorize(frame[column], sort=True)
        frame[column] = pd.Categorical.from_codes(codes, categories=list(values))
    return frame


def _fetch_arrow(connection, sql: str, options: dict[str, str] | None = None):
    cursor = connection.cursor()
    try:
        if options:
            cursor.adbc_statement.set_options(**options)
        cursor.execute(sql)
        return cursor.fetch_arrow_table()
    finally:
        cursor.close()


def _sqlite_arrow(path: str, writer: str = "loaders.episodes.write_sqlite_arrow", *args: str):
    """The three tables read whole and joined in Arrow, in a child process (or what another `writer`,
    called as writer(path, out, *args), writes: the contributions of `loaders.reconciliation`).

    ADBC bundles its own SQLite library. Two SQLite libraries in one process
    do not see each other's POSIX locks: closing ADBC's connection deleted
    the WAL under SQLAlchemy's connection and lost a confirmed import. A
    child process has locks of its own; it hands the table back as an Arrow
    IPC file.
    """
    import pyarrow as pa

    with tempfile.TemporaryDirectory(prefix="episodes-arrow-") as folder:
        out = Path(folder) / "episodes.arrow"
        completed = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from {} import {} as write; write(*sys.argv[1:])".format(*writer.rsplit(".", 1)),
                path,
                str(out),
                *args,
            ],
            check=False,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if completed.returncode != 0:
            if "No module named 'adbc_driver_sqlite'" in completed.stderr:
                raise ImportError("adbc_driver_sqlite")
            raise RuntimeError(f"reading {path} through ADBC failed: {completed.stderr.strip()[-2000:]}")
        with pa.memory_map(str(out)) as source:
            return pa.ipc.open_file(source).read_all()


def write_sqlite_arrow(path: str, out: str) -> None:
    """Child process side of `_sqlite_arrow`: read, join and write the table to `out`."""
    import pyarrow as pa

    table = _sorted(_sqlite_arrow_here(path))  # sorted here: the parent then holds one copy, not two
    with pa.OSFile(out, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _sqlite_arrow_here(path: str):
    import adbc_driver_sqlite.dbapi as adbc

    episode_columns = [c.name for c in Episode.__table__.columns if c.name != "import_id"]
    options = {"adbc.sqlite.query.batch_rows": str(1 << 30)}  # infer each column's type from every row
    connection = adbc.connect(path)
    try:
        episodes = _fetch_arrow(connection, f"SELECT {', '.join(episode_columns)} FROM episodes", options)
        children = _fetch_arrow(connection, "SELECT child_id, sex, date_of_birth, ethnicity FROM children", options)
        homes = _fetch_arrow(connection, "SELECT establishment_id, establishment_name FROM establishments", options)
    finally:
        connection.close()
    import pyarrow as pa
    import pyarrow.compute as pc

    episodes, children, homes = (
        _as_text_where_text(t, model) for t, model in ((episodes, Episode), (children, Child), (homes, Establishment))
    )
    # Each episode's row in children / establishments by hash lookup, then take(): an inner join
    # on child_id and an outer join on establishment_id, as in episodes_query().
    child_row = pc.index_in(episodes.column("child_id"), value_set=children.column("child_id"))
    if child_row.null_count:
        keep = pc.is_valid(child_row)
        episodes, child_row = episodes.filter(keep), child_row.filter(keep)
    home_row = pc.index_in(episodes.column("establishment_id"), value_set=homes.column("establishment_id"))
    columns = [episodes.column(name) for name in episode_columns]
    columns += [children.column(name).take(child_row) for name in ("sex", "date_of_birth", "ethnicity")]
    names = homes.column("establishment_name")
    columns.append(names.take(home_row) if homes.num_rows else pa.nulls(episodes.num_rows, pa.string()))
    return pa.table(columns, names=[*episode_columns, "sex", "date_of_birth", "ethnicity", "establishment_name"])


def _as_text_where_text(table, model):
    """Text columns that SQLite returned as another type (ADBC calls a column of only NULLs int64) as text."""
    import pyarrow as pa

    for index, name in enumerate(table.column_names):
        kind = model.__table__.c[name].type
        if isinstance(kind, (String, DateTime, Date)) and not pa.types.is_string(table.schema.field(index).type):
            table = table.set_column(index, name, table.column(index).cast(pa.string()))
    return table


def _episode_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Episode)).scalar() or 0)


def _arrow_episodes(engine: Engine):
    """The episodes query's result as an Arrow table through ADBC, or None when no ADBC driver fits."""
    try:
        if engine.dialect.name == "sqlite" and engine.url.database and engine.url.database != ":memory:":
            if _episode_count(engine) < SQLITE_ARROW_FROM:
                return None
            table = _sqlite_arrow(engine.url.database)
        elif engine.dialect.name == "postgresql":
            import adbc_driver_postgresql.dbapi as adbc

            query = episodes_query().order_by(None)  # sorted in Arrow below
            sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
            connection = adbc.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
            try:
                table = _sorted(_fetch_arrow(connection, sql))
            finally:
                connection.close()
        else:
            return None
    except ImportError:
        return None
    return table


def _sorted(table):
    """The Arrow table in the episodes query's order."""
    return table.sort_by([("reported_at", "ascending"), ("episode_id", "ascending")])


def _arrow_datetimes(name: str, values) -> pd.Series:
    """A datetime (or date of birth) column of the Arrow result as datetime64[ns]."""
    import pyarrow as pa

    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        # SQLite's text: `2015-03-01 14:30:00.000000`, or `2001-02-03` for a date
        values = values.cast(pa.timestamp("us") if name != "date_of_birth" else pa.date32())
    if pa.types.is_date(values.type) or pa.types.is_null(values.type):
        values = values.cast(pa.timestamp("us"))
    return values.to_pandas().astype("datetime64[ns]")


def _typed_arrow(table) -> pd.DataFrame:
    """The Arrow result as the frame `typed_episodes` gives, built column by column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    frame = {}
    for name in table.column_names:
        values = table.column(name)
        if name in DATETIME_COLUMNS or name == "date_of_birth":
            frame[name] = _arrow_datetimes(name, values)
        elif name in VOCABULARIES:
            vocabulary = list(VOCABULARIES[name])
            if pa.types.is_null(values.type):
                values = values.cast(pa.string())
            codes = pc.index_in(values, value_set=pa.array(vocabulary, pa.string())).fill_null(-1)
            frame[name] = pd.Categorical.from_codes(codes.to_numpy(zero_copy_only=False), categories=vocabulary)
        elif name in NULLABLE_FLAGS:
            frame[name] = values.cast(pa.bool_()).to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
        elif name in NOT_NULL_FLAGS:
            frame[name] = values.cast(pa.bool_()).fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
        elif name.endswith(("_easting", "_northing")):
            frame[name] = values.cast(pa.float64()).to_numpy(zero_copy_only=False)
        else:
            if pa.types.is_null(values.type):
                values = values.cast(pa.string())
            # copied out of the table: pandas' text shares Arrow's buffers, and one shared buffer kept the whole
            # memory-mapped file of `_sqlite_arrow` resident (450 MB at a million episodes)
            frame[name] = values.combine_chunks().to_pandas()
    out = pd.DataFrame(frame)
    out.index = pd.RangeIndex(len(out))
    return _with_child_codes(out)


def data_version(engine: Engine) -> tuple[int, int]:
    """Changes whenever an import lands: (latest import id, episode count). A cache key."""
    with engine.connect() as connection:
        latest = connection.execute(select(func.max(Import.import_id))).scalar() or 0
        count = connection.execute(select(func.count()).select_from(Episode)).scalar() or 0
    return int(latest), int(count)
