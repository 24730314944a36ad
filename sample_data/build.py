"""Writing a generated sample into a database, replacing the episodes there.

The sample goes through the same store functions as any import, in one
transaction, and is recorded in `imports` (file_format "sample") so the app's
import history and data version say where the data came from.
"""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Callable
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, delete, insert

from loaders.postcodes import resolve
from loaders.schema import Child, Contribution, Episode, Establishment, Import, Resolution
from loaders.store import upsert_children, upsert_contributions, upsert_episodes, upsert_establishments
from sample_data.generate import DEFAULT_SEED, Sample, generate_episodes
from sample_data.reconcile import contributions

CHILD_COLUMNS = ("sex", "date_of_birth", "ethnicity", "establishment_name")
CHUNK_ROWS = 20_000


def episode_rows(sample: Sample) -> pd.DataFrame:
    """The episodes table's columns: canonical ones less child details, plus postcode facts."""
    frame = sample.episodes.drop(columns=list(CHILD_COLUMNS))
    for prefix in ("from", "found"):
        facts = resolve(frame[f"{prefix}_postcode"], prefix)
        frame = frame.drop(columns=f"{prefix}_postcode").join(facts)
    frame["source"] = "sample"
    return frame


def build(
    engine: Engine,
    episodes: int | None = None,
    seed: int = DEFAULT_SEED,
    progress: Callable[[float, str], None] | None = None,
) -> int:
    """Replace the episodes, children and establishments with a generated sample; returns the import id."""
    report = progress or (lambda fraction, message: None)
    started = datetime.now().replace(microsecond=0)
    report(0.0, "generating episodes")
    sample = generate_episodes(episodes, seed)
    report(0.3, "placing postcodes")
    rows = episode_rows(sample)
    digest = hashlib.sha256(pd.util.hash_pandas_object(sample.episodes, index=False).to_numpy().tobytes()).hexdigest()
    with engine.begin() as connection:
        report(0.4, "clearing the database")
        for table in (Contribution, Resolution, Episode, Child, Establishment):
            connection.execute(delete(table))
        import_id = connection.execute(
            insert(Import).values(
                file_name=f"sample data (seed {seed}, {len(rows)} episodes)",
                content_hash=digest,
                file_format="sample",
                imported_by=_user(),
                started_at=started,
                rows=len(rows),
                outcome="landed",
            )
        ).inserted_primary_key[0]
        upsert_children(connection, sample.children)
        upsert_establishments(connection, sample.establishments)
        rows["import_id"] = import_id
        for start in range(0, len(rows), CHUNK_ROWS):
            upsert_episodes(connection, rows.iloc[start : start + CHUNK_ROWS])
            report(0.45 + 0.55 * min(start + CHUNK_ROWS, len(rows)) / max(len(rows), 1), "writing episodes")
        report(0.95, "writing what police and council each recorded")
        upsert_contributions(connection, contributions(sample.episodes, seed).assign(import_id=import_id))
        connection.execute(
            Import.__table__.update()
            .where(Import.import_id == import_id)
            .values(finished_at=datetime.now().replace(microsecond=0), inserted=len(rows))
        )
    report(1.0, "done")
    return int(import_id)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "sample_data"
