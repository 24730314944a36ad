"""One event recorded by two sources: an SSDA903 period and another source's episode of the same child and day.

A council's 903 return and a police export often hold the same missing
episode under different ids. Before comparing with the database, the
importer pairs them here so the event stays one episode (domain.md
section 3): a 903 row only fills what a stored episode leaves blank
(`join_same_day`); a later export takes over a stored 903 episode
(`absorb_ssda903`, then `rename_episodes`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection, bindparam, select, update

from loaders import store
from loaders.schema import Episode


def same_day_matches(connection: Connection, episodes: pd.DataFrame, source: str | None = None) -> np.ndarray:
    """Per incoming row, the id of a stored episode of the same child starting the same day (else None).

    Stored episodes whose id is in the file are left out (they are the same
    rows imported again); with `source`, only episodes from that source count.
    Where a child has several that day, on either side, they pair in order
    (reported_at, then returned_at, open last; then id or row), so two
    periods that day never take one stored episode's id.
    """
    table = Episode.__table__
    children = episodes["child_id"].dropna().unique().tolist()
    columns = ["episode_id", "child_id", "reported_at", "returned_at"]
    parts = []
    for start in range(0, len(children), 900):
        query = select(*[table.c[c] for c in columns]).where(table.c.child_id.in_(children[start : start + 900]))
        if source is not None:
            query = query.where(table.c.source == source)
        parts.append(pd.DataFrame(connection.execute(query).all(), columns=columns))
    stored = pd.concat(parts) if parts else pd.DataFrame(columns=columns)
    stored = stored[~stored["episode_id"].isin(episodes["episode_id"])]
    if stored.empty:
        return np.full(len(episodes), None, dtype=object)
    stored = stored.assign(
        reported_at=pd.to_datetime(stored["reported_at"]), returned_at=pd.to_datetime(stored["returned_at"])
    )
    stored["day"] = stored["reported_at"].dt.normalize()
    stored = stored.sort_values(["reported_at", "returned_at", "episode_id"], na_position="last")
    stored["nth"] = stored.groupby(["child_id", "day"]).cumcount()
    returned = episodes["returned_at"] if "returned_at" in episodes else pd.Series(pd.NaT, index=episodes.index)
    incoming = pd.DataFrame(
        {
            "child_id": episodes["child_id"].to_numpy(),
            "reported_at": pd.to_datetime(episodes["reported_at"]).to_numpy(),
            "returned_at": pd.to_datetime(returned).to_numpy(),
            "position": np.arange(len(episodes)),
        }
    )
    incoming["day"] = incoming["reported_at"].dt.normalize()
    ordered = incoming.sort_values(["reported_at", "returned_at", "position"], na_position="last")
    incoming["nth"] = ordered.groupby(["child_id", "day"]).cumcount().reindex(incoming.index)
    found = incoming.merge(
        stored[["child_id", "day", "nth", "episode_id"]].rename(columns={"episode_id": "stored_id"}),
        on=["child_id", "day", "nth"],
        how="left",
    )["stored_id"]
    return found.astype(object).where(found.notna(), None).to_numpy()


def join_same_day(connection: Connection, episodes: pd.DataFrame) -> pd.DataFrame:
    """SSDA903 rows take the id of an existing episode of the same child starting the same day.

    Another source (a police export) may already hold the event an SSDA903
    period records. The stored episode keeps every value it has, including
    its richer times and its source; the 903 row only fills blanks (a
    datetime with its date-only flag, a postcode with its facts).
    Re-importing the same 903 period finds its own id and updates as usual.
    """
    matched = same_day_matches(connection, episodes)
    joined = pd.notna(matched)
    if not joined.any():
        return episodes
    episodes = episodes.copy()
    episodes.loc[episodes.index[joined], "episode_id"] = matched[joined]
    return _combine(connection, episodes, joined, matched[joined], stored_first=True)


def absorb_ssda903(connection: Connection, episodes: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rows of another source that record an event an SSDA903 import already holds (same child, same day).

    The reverse order of `join_same_day`: the incoming row (a police export,
    with times) wins, filling its blanks from the 903 episode, and the 903
    episode is renamed to the incoming id (`rename_episodes`) so the event is
    still one episode. Returns the filled rows and {incoming id: 903 id}.
    """
    table = Episode.__table__
    if connection.execute(select(table.c.episode_id).where(table.c.source == "ssda903").limit(1)).first() is None:
        return episodes, {}  # the usual case, checked once: no 903 episode to take over
    matched = same_day_matches(connection, episodes, source="ssda903")
    absorbed = pd.notna(matched)
    if not absorbed.any():
        return episodes, {}
    renames = dict(zip(episodes["episode_id"].to_numpy()[absorbed], matched[absorbed], strict=True))
    return _combine(connection, episodes, absorbed, matched[absorbed], stored_first=False), renames


def rename_episodes(connection: Connection, renames: dict[str, str]) -> None:
    """Give stored episodes new ids ({new id: old id}); nothing refers to an episode by id."""
    table = store.table_of(Episode)
    statement = update(table).where(table.c.episode_id == bindparam("old_id")).values(episode_id=bindparam("new_id"))
    connection.execute(statement, [{"old_id": old, "new_id": new} for new, old in renames.items()])


def _combine(
    connection: Connection, episodes: pd.DataFrame, rows: np.ndarray, stored_ids: np.ndarray, *, stored_first: bool
) -> pd.DataFrame:
    """Merge the chosen incoming rows with stored episodes: the first side's given values win, the other fills blanks.

    A datetime moves with its date-only flag, a postcode with its facts; the
    source is the first side's.
    """
    index = episodes.index[rows]
    columns = [c for c in episodes.columns if c != "episode_id"]
    before = store.existing_episodes(connection, list(stored_ids), columns).reindex(stored_ids)
    before.index = index
    incoming = episodes.loc[index]
    dtypes = episodes.dtypes
    merged = {}
    for column in columns:
        first, second = (before, incoming) if stored_first else (incoming, before)
        values = episodes[column].astype(object)
        keep = _given(first, column)
        values.loc[index] = first[column].astype(object).where(keep, second[column].astype(object))
        merged[column] = values.astype(dtypes[column])
    return episodes.assign(**merged)


def _given(frame: pd.DataFrame, column: str) -> pd.Series:
    """Where a side's value stands: given, or (for a flag or postcode fact) its datetime or postcode is."""
    if column.endswith("_date_only"):
        return frame[column.removesuffix("_date_only")].notna()
    for prefix in ("from", "found"):
        if column.startswith(f"{prefix}_") and f"{prefix}_postcode" in frame:
            return frame[f"{prefix}_postcode"].notna()
    if column == "source":
        return pd.Series(True, index=frame.index)
    return frame[column].notna()
