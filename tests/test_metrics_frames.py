"""Episode frames for the metrics tests, built from hand-written rows.

Rows go through the real postcode directory (`loaders.postcodes.resolve`)
and `loaders.episodes.typed_episodes`, so the frames have exactly the shape
`load_episodes` gives. A datetime written without a time (`2015-03-02`) is
date-only, as the importer marks it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from loaders.episodes import DATETIME_COLUMNS, typed_episodes
from loaders.postcodes import normalise_postcode, resolve

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


def test_frame_has_load_episodes_dtypes_and_real_postcode_facts():
    frame = make_episodes({"from_postcode": "b236aa", "reported_at": "2015-03-02", "category": "absent"})
    assert frame.loc[0, "from_postcode"] == "B23 6AA"
    assert frame.loc[0, "from_district"] == "B23"
    assert frame.loc[0, "from_easting"] == pytest.approx(410388.0)
    assert bool(frame.loc[0, "reported_at_date_only"]) is True
    assert isinstance(frame["category"].dtype, pd.CategoricalDtype)
    assert str(frame["reported_at"].dtype) == "datetime64[ns]"
