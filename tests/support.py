"""Builders the tests share: hand-written episode frames, the small app database, the
missing-together network, audit rows and the reconciliation imports.

Test modules import these from here, never from each other (a test module imported by another
runs its tests' module-level code twice and ties the two files together).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from loaders.database import connect
from loaders.episodes import DATETIME_COLUMNS, typed_episodes
from loaders.importer import import_file, import_files
from loaders.postcodes import normalise_postcode, resolve
from loaders.schema import AuditEntry
from loaders.store import upsert_children, upsert_episodes, upsert_establishments
from metrics.children import CHILD, FROM, HOME, TOGETHER

ROOT = Path(__file__).resolve().parent.parent

# --- episode frames as load_episodes gives them --------------------------------------------------
# Rows go through the real postcode directory (`loaders.postcodes.resolve`) and
# `loaders.episodes.typed_episodes`. A datetime written without a time (`2015-03-02`) is date-only,
# as the importer marks it.

DEFAULTS = {
    "child_id": "C1",
    "category": "missing",
    "reported_at": "2015-03-02 10:00",
    "returned_at": None,
    "missing_from": "care",
    "placement_type": None,
    "out_of_area": None,
    "placing_authority": None,
    "establishment_id": None,
    "establishment_name": None,
    "from_postcode": None,
    "found_postcode": None,
    "sex": None,
    "date_of_birth": None,
    "ethnicity": None,
    "police_risk": None,
    "rag": None,
    "safe_and_well_at": None,
    "rhi_offered_at": None,
    "rhi_outcome": None,
    "rhi_completed_at": None,
    "strategy_meeting_at": None,
    "cse_concern": None,
    "cce_concern": None,
    "rhi_conducted_by": None,
    "rhi_late_reason": None,
    "push_factors": None,
    "pull_factors": None,
    "disclosures": None,
    "follow_up": None,
    "source": "canonical",
}


def make_episodes(*rows: dict) -> pd.DataFrame:
    """A typed episodes frame: each row is DEFAULTS updated by the dict given (episode_id E1, E2, ... unless set)."""
    records = []
    for number, row in enumerate(rows, start=1):
        record = {"episode_id": f"E{number}", **DEFAULTS, **row}
        for column in DATETIME_COLUMNS:
            text = record[column]
            record[f"{column}_date_only"] = isinstance(text, str) and len(text.strip()) == 10
            record[column] = pd.Timestamp(text) if text else pd.NaT
        records.append(record)
    frame = pd.DataFrame.from_records(
        records, columns=list({"episode_id": 0, **DEFAULTS, **{f"{c}_date_only": 0 for c in DATETIME_COLUMNS}})
    )
    for prefix in ("from", "found"):
        facts = resolve(frame[f"{prefix}_postcode"].map(normalise_postcode), prefix)
        for column in facts:
            frame[column] = facts[column]
    return typed_episodes(frame)


# --- the missing-together network and a child's history (metrics and charts tests) -------------

MARCH = (date(2015, 3, 1), date(2015, 3, 31))


def history() -> pd.DataFrame:
    return make_episodes(
        {"child_id": "C2", "reported_at": "2015-03-03 09:00", "returned_at": "2015-03-03 10:00", "category": "away"},
        {
            "child_id": "C1",
            "reported_at": "2015-02-20 22:00",
            "returned_at": "2015-02-21 03:00",
            "safe_and_well_at": "2015-02-21 13:00",
            "from_postcode": "B23 6AA",
            "found_postcode": "B27 7NT",
            "police_risk": "high",
            "rag": "red",
            "cse_concern": True,
            "rhi_outcome": "declined",
            "rhi_offered_at": "2015-02-22 09:00",
            "sex": "female",
            "date_of_birth": "2001-05-01",
            "ethnicity": "APKN",
            "placement_type": "foster",
        },
        {
            "child_id": "C1",
            "reported_at": "2015-03-10 08:00",
            "category": "absent",
            "establishment_id": "H1",
            "establishment_name": "Oak House",
            "placement_type": "residential",
            "sex": "female",
            "date_of_birth": "2001-05-01",
            "ethnicity": "APKN",
        },
        {
            "child_id": "C1",
            "reported_at": "2015-03-05",
            "returned_at": "2015-03-07",
            "safe_and_well_at": "2015-03-09 12:00",
            "sex": "female",
            "date_of_birth": "2001-05-01",
            "ethnicity": "APKN",
        },
    )


def network_frame() -> pd.DataFrame:
    """C1 and C2 leave Oak House together twice; C1 is found in B27 twice, C2 in B23 once;
    C3 leaves from an address in B23 with C4 and is found in B23 (from and found in one district)."""
    return make_episodes(
        {
            "child_id": "C1",
            "establishment_id": "H1",
            "establishment_name": "Oak House",
            "reported_at": "2015-03-01 10:00",
            "found_postcode": "B27 7NT",
        },
        {
            "child_id": "C2",
            "establishment_id": "H1",
            "establishment_name": "Oak House",
            "reported_at": "2015-03-01 10:20",
            "found_postcode": "B23 6AA",
        },
        {
            "child_id": "C1",
            "establishment_id": "H1",
            "establishment_name": "Oak House",
            "reported_at": "2015-03-08 22:00",
            "found_postcode": "B27 7NT",
        },
        {
            "child_id": "C2",
            "establishment_id": "H1",
            "establishment_name": "Oak House",
            "reported_at": "2015-03-08 22:45",
        },
        {"child_id": "C3", "from_postcode": "B23 6AA", "reported_at": "2015-03-09 01:00", "found_postcode": "B23 6AA"},
        {"child_id": "C4", "from_postcode": "B23 6AA", "reported_at": "2015-03-09 01:30"},
        {"child_id": "C5", "establishment_id": "H1", "reported_at": "2015-03-20 10:00"},  # alone: not in the network
    )


def islands(groups: int = 6, size: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`groups` separate groups, each a home with `size - 1` children who all left it together, with long labels."""
    nodes, edges = [], []
    for g in range(groups):
        home = f"home:H{g}"
        nodes.append({"node": home, "label": f"Longer Home Name {g}", "kind": HOME, "episodes": 9, "degree": size - 1})
        children = [f"child:C{g}{c:03d}" for c in range(size - 1)]
        for child in children:
            nodes.append({"node": child, "label": child[6:], "kind": CHILD, "episodes": 3, "degree": size - 1})
            edges.append({"source": child, "target": home, "kind": FROM, "weight": 3})
        edges += [
            {"source": a, "target": b, "kind": TOGETHER, "weight": 1} for a in children for b in children if a < b
        ]
    return pd.DataFrame(nodes), pd.DataFrame(edges)


# --- the app's small database (AppTest pages) ---------------------------------------------------
# Chosen so every headline number differs between March 2015 (the period under test), February
# 2015 (the period before) and the default period (the 12 months to March 2015).

CHILDREN = pd.DataFrame(
    {
        "child_id": ["C1", "C2", "C3", "C4"],
        "sex": ["female", "male", "female", "male"],
        "date_of_birth": pd.to_datetime(["2001-05-01", "2002-07-01", "2000-01-15", "2003-03-03"]).date,
        "ethnicity": ["WBRI", "APKN", "BCRB", "MWBC"],
    }
)
# episode_id, child_id, category, missing_from, reported_at, returned_at, rhi_offered_at, rhi_outcome, rhi_completed_at
# fmt: off  (one episode a line, the columns lined up: a table the tests read)
EPISODES = [
    (
        "E1",
        "C1",
        "missing",
        "care",
        "2015-03-02 10:00",
        "2015-03-02 15:00",
        "2015-03-03 09:00",
        "completed",
        "2015-03-04 10:00",
    ),
    ("E2", "C1", "missing", "care", "2015-03-05 20:00", "2015-03-06 06:00", "2015-03-06 12:00", "declined", None),
    ("E3", "C1", "missing", "care", "2015-03-10 22:00", "2015-03-11 20:00", None, None, None),
    ("E4", "C1", "absent", "care", "2015-03-15 18:00", "2015-03-18 18:00", None, None, None),
    (
        "E5",
        "C2",
        "absent",
        "home",
        "2015-03-20 09:00",
        "2015-03-20 12:00",
        "2015-03-20 15:00",
        "completed",
        "2015-03-22 10:00",
    ),
    ("E6", "C3", "away", "care", "2015-03-28 23:00", None, None, None, None),
    ("E7", "C2", "missing", "home", "2015-02-10 08:00", "2015-02-10 10:00", None, None, None),
    (
        "E8",
        "C4",
        "missing",
        "home",
        "2015-02-20 08:00",
        "2015-02-21 14:00",
        "2015-02-22 10:00",
        "completed",
        "2015-02-23 10:00",
    ),
]
# fmt: on
EPISODE_COLUMNS = [
    "episode_id",
    "child_id",
    "category",
    "missing_from",
    "reported_at",
    "returned_at",
    "rhi_offered_at",
    "rhi_outcome",
    "rhi_completed_at",
]


def build_database(path: Path) -> str:
    """A migrated SQLite file holding CHILDREN and EPISODES; returns its URL."""
    url = f"sqlite:///{path}"
    engine = connect(url)
    episodes = pd.DataFrame(EPISODES, columns=EPISODE_COLUMNS)
    for column in ("reported_at", "returned_at", "rhi_offered_at", "rhi_completed_at"):
        episodes[column] = pd.to_datetime(episodes[column])
    with engine.begin() as connection:
        upsert_children(connection, CHILDREN)
        upsert_episodes(connection, episodes)
    engine.dispose()
    return url


def use_app_database(folder: Path, monkeypatch, together: bool = False) -> str:
    """The small app database in `folder` as the app's DATABASE_URL (with `add_together`'s pair of
    children when `together`); returns its URL. Each test module's `database_url` fixture calls it."""
    url = build_database(folder / "app.db")
    if together:
        add_together(url)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def add_together(url: str) -> None:
    """C5 and C6 leave Oak House 20 minutes apart in March; found in B23 and B27."""
    engine = connect(url)
    with engine.begin() as connection:
        upsert_children(connection, pd.DataFrame({"child_id": ["C5", "C6"], "sex": ["female", "female"]}))
        upsert_establishments(
            connection, pd.DataFrame({"establishment_id": ["H1"], "establishment_name": ["Oak House"]})
        )
        upsert_episodes(
            connection,
            pd.DataFrame(
                {
                    "episode_id": ["E9", "E10"],
                    "child_id": ["C5", "C6"],
                    "category": ["missing", "missing"],
                    "missing_from": ["care", "care"],
                    "placement_type": ["residential", "residential"],
                    "establishment_id": ["H1", "H1"],
                    "reported_at": pd.to_datetime(["2015-03-25 21:00", "2015-03-25 21:20"]),
                    "returned_at": pd.to_datetime(["2015-03-26 02:00", "2015-03-26 03:00"]),
                    "found_postcode": ["B23 6AA", "B27 7NT"],
                    "found_district": ["B23", "B27"],
                }
            ),
        )
    engine.dispose()


def audit_rows(url: str) -> list[tuple[str, str, str, str]]:
    engine = connect(url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(AuditEntry.user_name, AuditEntry.action, AuditEntry.subject, AuditEntry.filters).order_by(
                AuditEntry.audit_id
            )
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


# --- reconciliation: the example police export and an SSDA903 return for the same children ------

EXPORT, MAPPING = ROOT / "examples" / "police_export.csv", ROOT / "examples" / "police_mapping.toml"
RETURN = [ROOT / "tests" / "fixtures" / "reconcile" / name for name in ("missing.csv", "header.csv", "episodes.csv")]


def police(engine, path=EXPORT):
    result = import_file(engine, path, "police", mapping=MAPPING)
    assert result.outcome == "landed", [str(m) for m in result.messages]


def ssda903(engine):
    result = import_files(engine, RETURN, "ssda903")
    assert result.outcome == "landed", [str(m) for m in result.messages]
