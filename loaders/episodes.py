"""Reading episodes out of the database as the one DataFrame every metric takes.

The frame has one row per episode with every episode column (see
`loaders/schema.py`), the child's sex, date_of_birth and ethnicity from
`children`, and establishment_name. Vocabulary columns are pandas
categoricals with their full vocabulary, datetimes are naive local
`datetime64[ns]`, flags are nullable booleans.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, func, select

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
    """Every episode with its child's details, typed for the metrics."""
    with engine.connect() as connection:
        frame = pd.read_sql(episodes_query(), connection)
    return typed_episodes(frame)


def data_version(engine: Engine) -> tuple[int, int]:
    """Changes whenever an import lands: (latest import id, episode count). A cache key."""
    with engine.connect() as connection:
        latest = connection.execute(select(func.max(Import.import_id))).scalar() or 0
        count = connection.execute(select(func.count()).select_from(Episode)).scalar() or 0
    return int(latest), int(count)
