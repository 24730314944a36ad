"""Writing episodes, children and establishments: insert new ids, update known ones.

Every importer (canonical, SSDA903, police, partial updates) and the sample
builder write through these functions, so "re-importing never duplicates"
holds in one place. All of them take an open connection: the caller owns the
transaction, and an import lands whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from loaders.schema import Child, Episode, Establishment

CHUNK_ROWS = 5_000
# Without these a row cannot be inserted, only used to update a known episode.
REQUIRED_EPISODE_COLUMNS = {"episode_id", "child_id", "category", "reported_at", "missing_from"}


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
    return [dict(zip(names, row)) for row in zip(*columns)]


def _upsert(connection: Connection, table: Table, frame: pd.DataFrame, key: str, keep_known: Iterable[str] = ()) -> None:
    """Insert rows, or update the given columns of rows whose key exists.

    Columns named in `keep_known` keep their stored value when the new one is
    blank (a later file that does not know a child's sex does not erase it).
    """
    if frame.empty:
        return
    columns = [c for c in frame.columns if c != key]
    keep_known = set(keep_known)
    for start in range(0, len(frame), CHUNK_ROWS):
        chunk = frame.iloc[start : start + CHUNK_ROWS]
        statement = _insert(connection, table)
        if columns:
            updates = {
                c: (func.coalesce(statement.excluded[c], table.c[c]) if c in keep_known else statement.excluded[c])
                for c in columns
            }
            statement = statement.on_conflict_do_update(index_elements=[key], set_=updates)
        else:
            statement = statement.on_conflict_do_nothing(index_elements=[key])
        connection.execute(statement, _records(chunk))


def upsert_children(connection: Connection, children: pd.DataFrame) -> None:
    """children: child_id plus any of sex, date_of_birth, ethnicity (blank keeps what is known)."""
    _upsert(connection, Child.__table__, children, "child_id", keep_known=set(children.columns))


def upsert_establishments(connection: Connection, establishments: pd.DataFrame) -> None:
    """establishments: establishment_id plus establishment_name (blank keeps what is known)."""
    _upsert(connection, Establishment.__table__, establishments, "establishment_id", keep_known=set(establishments.columns))


def upsert_episodes(connection: Connection, episodes: pd.DataFrame, fill_blanks_only: bool = False) -> None:
    """Insert new episode_ids and update the given columns of known ones.

    `episodes` holds episode_id and any subset of the episode columns: a
    partial file updates only its own columns. With `fill_blanks_only` a
    stored value is never replaced, only a blank one filled (a second source
    for the same event adds what it knows without overwriting richer data).
    """
    if not REQUIRED_EPISODE_COLUMNS <= set(episodes.columns):
        update_episodes(connection, episodes, fill_blanks_only=fill_blanks_only)
        return
    keep_known = set(episodes.columns) if fill_blanks_only else ()
    if fill_blanks_only:
        # A stored value wins: coalesce(stored, new) rather than coalesce(new, stored).
        table = Episode.__table__
        columns = [c for c in episodes.columns if c != "episode_id"]
        for start in range(0, len(episodes), CHUNK_ROWS):
            chunk = episodes.iloc[start : start + CHUNK_ROWS]
            statement = _insert(connection, table)
            statement = statement.on_conflict_do_update(
                index_elements=["episode_id"],
                set_={c: func.coalesce(table.c[c], statement.excluded[c]) for c in columns},
            )
            connection.execute(statement, _records(chunk))
        return
    _upsert(connection, Episode.__table__, episodes, "episode_id", keep_known=keep_known)


def update_episodes(connection: Connection, episodes: pd.DataFrame, fill_blanks_only: bool = False) -> None:
    """Update the given columns of episodes that already exist (a partial file, e.g. an RHI tracker).

    Ids not in the database are ignored here: the importer refuses them first.
    """
    table = Episode.__table__
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
    """The stored values of these columns for the ids that exist, indexed by episode_id."""
    table = Episode.__table__
    columns = [c for c in columns if c != "episode_id"]
    ids = list(dict.fromkeys(episode_ids))
    parts = []
    for start in range(0, len(ids), 900):  # SQLite allows about 999 bound parameters
        batch = ids[start : start + 900]
        query = select(table.c.episode_id, *[table.c[c] for c in columns]).where(table.c.episode_id.in_(batch))
        parts.append(pd.DataFrame(connection.execute(query).all(), columns=["episode_id", *columns]))
    if not parts:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="episode_id"))
    return pd.concat(parts).set_index("episode_id")


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
