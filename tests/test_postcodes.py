"""Postcode tidying, shape, and places from the real ONS directory (no stand-ins)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from loaders.canonical import normalise_postcodes, well_formed_postcodes
from loaders.postcodes import (
    directory,
    distance_miles,
    district_of,
    is_well_formed,
    normalise_postcode,
    resolve,
    sector_of,
)

NORMALISE_CASES = [
    ("B23 6AA", "B23 6AA"),
    ("b236aa", "B23 6AA"),
    ("  B23   6aa ", "B23 6AA"),
    ("ws11aa", "WS1 1AA"),
    ("sw1a1aa", "SW1A 1AA"),
    ("B1 1AA", "B1 1AA"),
    ("", None),
    ("   ", None),
    (None, None),
    ("b23", "B23"),
]


@pytest.mark.parametrize(("text", "expected"), NORMALISE_CASES)
def test_normalise_postcode(text, expected):
    assert normalise_postcode(text) == expected


def test_vectorised_normalise_agrees_with_scalar():
    texts = pd.Series([t for t, _ in NORMALISE_CASES], dtype=object)
    tidy = normalise_postcodes(texts.str.strip().where(texts.str.strip().ne(""), None))
    assert tidy.tolist() == [e for _, e in NORMALISE_CASES]


WELL_FORMED_CASES = [
    ("B23 6AA", True),
    ("B1 1AA", True),
    ("SW1A 1AA", True),
    ("EC1A 1BB", True),
    ("M1 1AE", True),
    ("GIR 0AA", True),
    ("B23 6A", False),
    ("B23", False),
    ("23B 6AA", False),
    ("B23 6CI", False),
    ("BBB1 1AA", False),
    ("B23 AAA", False),
]


@pytest.mark.parametrize(("postcode", "expected"), WELL_FORMED_CASES)
def test_is_well_formed(postcode, expected):
    assert is_well_formed(postcode) is expected
    assert bool(well_formed_postcodes(pd.Series([postcode], dtype=object))[0]) is expected


@pytest.mark.parametrize(
    ("postcode", "district", "sector"),
    [
        ("B23 6AA", "B23", "B23 6"),
        ("B1 1AA", "B1", "B1 1"),
        ("SW1A 1AA", "SW1A", "SW1A 1"),
        ("WS10 8QZ", "WS10", "WS10 8"),
    ],
)
def test_district_and_sector(postcode, district, sector):
    assert district_of(postcode) == district
    assert sector_of(postcode) == sector


def test_resolve_known_unknown_and_blank():
    facts = resolve(pd.Series(["B23 6AA", "B99 9ZZ", None], dtype=object), "from")
    assert list(facts.columns) == [
        f"from_{f}" for f in ("postcode", "district", "sector", "easting", "northing", "lad", "unknown")
    ]
    known, unknown, blank = facts.iloc[0], facts.iloc[1], facts.iloc[2]
    assert (known["from_district"], known["from_sector"], known["from_lad"]) == ("B23", "B23 6", "E08000025")
    assert 400_000 < known["from_easting"] < 420_000 and 280_000 < known["from_northing"] < 300_000
    assert not known["from_unknown"]
    assert unknown["from_unknown"] and pd.isna(unknown["from_lad"]) and unknown["from_district"] == "B99"
    assert not blank["from_unknown"] and pd.isna(blank["from_district"])


def test_directory_knows_birmingham_centre_in_birmingham():
    found = directory().lookup(pd.Series(["B1 1AA"], dtype=object)).iloc[0]
    assert found["known"] and found["lad"] == "E08000025"


def test_distance_between_two_birmingham_postcodes():
    facts = resolve(pd.Series(["B23 6AA", "B1 1AA"], dtype=object), "p")
    e, n = facts["p_easting"].tolist(), facts["p_northing"].tolist()
    expected = math.hypot(e[1] - e[0], n[1] - n[0]) / 1609.344
    miles = distance_miles(e[0], n[0], e[1], n[1])
    assert miles == pytest.approx(expected) and 2 < miles < 6
    assert distance_miles(e[0], n[0], e[0], n[0]) == 0
    assert math.isnan(distance_miles(e[0], n[0], float("nan"), n[1]))
