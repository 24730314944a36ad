"""What has been imported: the `imports` table read back for the import page."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from loaders.schema import Import

HISTORY_COLUMNS = (
    "import_id",
    "file_name",
    "file_format",
    "outcome",
    "started_at",
    "imported_by",
    "rows",
    "inserted",
    "updated",
    "unchanged",
    "errors",
    "warnings",
)


def import_history(engine: Engine, limit: int = 20) -> pd.DataFrame:
    """The latest `limit` imports (landed, refused and dry runs), newest first."""
    query = select(*[Import.__table__.c[c] for c in HISTORY_COLUMNS]).order_by(Import.import_id.desc()).limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    frame["started_at"] = pd.to_datetime(frame["started_at"])
    return frame
