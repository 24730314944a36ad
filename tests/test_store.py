"""The episode store on both databases: migrations, upserts, change classification."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from loaders.database import migrate
from loaders.episodes import data_version, load_episodes
from loaders.schema import Child, Episode, Establishment
from loaders.store import (
    classify_changes,
    indexes_built_after,
    upsert_children,
    upsert_episodes,
    upsert_establishments,
)


def _episode(episode_id: str, child_id: str = "C1", **values) -> dict:
    row = {
        "episode_id": episode_id,
        "child_id": child_id,
        "category": "missing",
        "reported_at": pd.Timestamp("2015-01-05 10:00"),
        "missing_from": "care",
    }
    row.update(values)
    return row


def _count(engine, model) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar()


def test_migrations_create_every_table_and_run_twice(engine):
    migrate(engine)  # a second run at start must be harmless
    tables = set(inspect(engine).get_table_names())
    assert {"episodes", "children", "establishments", "imports", "import_messages", "audit_log"} <= tables


def test_reimport_updates_and_never_duplicates(engine):
    with engine.begin() as connection:
        upsert_children(connection, pd.DataFrame({"child_id": ["C1"], "sex": ["female"]}))
        upsert_episodes(connection, pd.DataFrame([_episode("E1"), _episode("E2")]))
    with engine.begin() as connection:
        upsert_episodes(connection, pd.DataFrame([_episode("E1", category="absent")]))
    assert _count(engine, Episode) == 2
    episodes = load_episodes(engine).set_index("episode_id")
    assert episodes.loc["E1", "category"] == "absent"
    assert episodes.loc["E2", "category"] == "missing"


def test_blank_child_detail_keeps_what_is_known(engine):
    with engine.begin() as connection:
        upsert_children(connection, pd.DataFrame({"child_id": ["C1"], "sex": ["female"], "ethnicity": ["WBRI"]}))
        upsert_children(connection, pd.DataFrame({"child_id": ["C1"], "sex": [None], "ethnicity": ["APKN"]}))
    with engine.connect() as connection:
        child = connection.execute(select(Child.sex, Child.ethnicity)).one()
    assert tuple(child) == ("female", "APKN")


def test_partial_update_touches_only_its_columns(engine):
    with engine.begin() as connection:
        upsert_children(connection, pd.DataFrame({"child_id": ["C1"]}))
        upsert_episodes(connection, pd.DataFrame([_episode("E1", police_risk="high")]))
        upsert_episodes(connection, pd.DataFrame({"episode_id": ["E1"], "rhi_outcome": ["completed"]}))
    episode = load_episodes(engine).iloc[0]
    assert (episode["police_risk"], episode["rhi_outcome"]) == ("high", "completed")


def test_fill_blanks_only_never_overwrites(engine):
    with engine.begin() as connection:
        upsert_children(connection, pd.DataFrame({"child_id": ["C1"]}))
        upsert_episodes(connection, pd.DataFrame([_episode("E1", from_postcode="B23 6AA")]))
        upsert_episodes(
            connection,
            pd.DataFrame([_episode("E1", from_postcode="B27 7AA", found_postcode="B31 2AA")]),
            fill_blanks_only=True,
        )
    episode = load_episodes(engine).iloc[0]
    assert (episode["from_postcode"], episode["found_postcode"]) == ("B23 6AA", "B31 2AA")


@pytest.mark.parametrize(
    ("incoming", "expected"),
    [
        (_episode("E1"), "unchanged"),
        (_episode("E1", category="away"), "updated"),
        (_episode("E1", reported_at=pd.Timestamp("2015-01-05 10:01")), "updated"),
        (_episode("E9"), "new"),
    ],
)
def test_classify_changes(sqlite_engine, incoming, expected):
    with sqlite_engine.begin() as connection:
        upsert_children(connection, pd.DataFrame({"child_id": ["C1"]}))
        upsert_episodes(connection, pd.DataFrame([_episode("E1")]))
        assert classify_changes(connection, pd.DataFrame([incoming])).tolist() == [expected]


def test_loaded_episodes_have_metric_dtypes(sqlite_engine):
    with sqlite_engine.begin() as connection:
        upsert_children(
            connection, pd.DataFrame({"child_id": ["C1"], "date_of_birth": [pd.Timestamp("2001-02-03").date()]})
        )
        upsert_episodes(connection, pd.DataFrame([_episode("E1", cse_concern=True)]))
    episodes = load_episodes(sqlite_engine)
    assert isinstance(episodes["category"].dtype, pd.CategoricalDtype)
    assert list(episodes["category"].cat.categories) == ["missing", "absent", "away"]
    assert str(episodes["reported_at"].dtype) == "datetime64[ns]"
    assert str(episodes["date_of_birth"].dtype) == "datetime64[ns]"
    assert episodes["cse_concern"].dtype == "boolean"
    assert data_version(sqlite_engine) == (0, 1)


def test_text_with_tabs_backslashes_and_line_breaks_lands_as_given(engine):
    """PostgreSQL's COPY text gives a tab, a backslash, a line break and \\N meanings of their own."""
    names = ["Home\tA", "C:\\homes\\B", "Line one\nline two\r\n", "\\N", "", "plain"]
    with engine.begin() as connection:
        upsert_establishments(
            connection, pd.DataFrame({"establishment_id": [f"EST{i}" for i in range(6)], "establishment_name": names})
        )
    with engine.connect() as connection:
        stored = connection.execute(select(Establishment.establishment_name).order_by(Establishment.establishment_id))
        assert [row[0] for row in stored] == names


def _constraints(engine_or_connection) -> dict[str, list]:
    inspector = inspect(engine_or_connection)
    return {
        "indexes": sorted((i["name"], i["column_names"]) for i in inspector.get_indexes("episodes")),
        "foreign_keys": sorted(
            (f["constrained_columns"], f["referred_table"]) for f in inspector.get_foreign_keys("episodes")
        ),
    }


def test_indexes_and_foreign_keys_built_after_still_hold(engine):
    """A first import writes with the episodes' indexes (on PostgreSQL also foreign keys) dropped: they are
    all back afterwards, and a row naming a child that does not exist still refuses the whole write."""
    before = _constraints(engine)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        upsert_children(connection, pd.DataFrame({"child_id": ["C1"]}))
        with indexes_built_after(connection, [Episode]):
            dropped = _constraints(connection)
            upsert_episodes(connection, pd.DataFrame([_episode("E1"), _episode("E2", child_id="NOBODY")]))
    assert dropped["indexes"] == []
    assert dropped["foreign_keys"] == ([] if engine.dialect.name == "postgresql" else before["foreign_keys"])
    assert _count(engine, Episode) == 0
    assert _constraints(engine) == before
    with engine.begin() as connection:
        upsert_children(connection, pd.DataFrame({"child_id": ["C1"]}))
        with indexes_built_after(connection, [Episode]):
            upsert_episodes(connection, pd.DataFrame([_episode("E1")]))
    assert _count(engine, Episode) == 1
    assert _constraints(engine) == before
    assert len(before["foreign_keys"]) == 3 and len(before["indexes"]) == 2
