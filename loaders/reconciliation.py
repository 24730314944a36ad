"""Reading each source's own values for reconciliation, and recording items resolved (domain.md section 11).

The comparison itself is `metrics.reconciliation`; this module only moves
rows between the database and the frames it takes.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, select

from config.canonical import CONTRIBUTION_COLUMNS
from loaders import store
from loaders.schema import Contribution, Resolution

RESOLUTION_COLUMNS = ["item_key", "resolved_by", "resolved_at", "note"]


def load_contributions(engine: Engine, sources: tuple[str, ...] = ("police", "ssda903")) -> pd.DataFrame:
    """The contributions of these sources (the two reconciliation compares), typed as the metric expects."""
    table = Contribution.__table__
    query = select(*[table.c[c] for c in CONTRIBUTION_COLUMNS]).where(table.c.source.in_(sources))
    with engine.connect() as connection:
        frame = pd.DataFrame(connection.execute(query).all(), columns=list(CONTRIBUTION_COLUMNS))
    for column in ("reported_at", "returned_at"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
        flag = f"{column}_date_only"
        frame[flag] = frame[flag].astype("boolean").fillna(False).astype(bool)
    for column in ("episode_id", "source", "child_id", "category", "missing_from"):
        frame[column] = frame[column].astype(object)
    return frame


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
