"""Reconciliation (domain.md section 11): one case per kind of item, and matching records that give none."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.canonical import CONTRIBUTION_COLUMNS
from metrics.reconciliation import _pairs, items_by_kind_and_month, reconciliation_items


def row(source, episode, category, reported, returned=None, child="C1", missing_from="care"):
    def moment(text):
        return (pd.Timestamp(text), len(text) == 10) if text else (pd.NaT, False)

    reported_at, reported_only = moment(reported)
    returned_at, returned_only = moment(returned)
    return (episode, source, child, category, missing_from, reported_at, reported_only, returned_at, returned_only)


def items(*rows):
    return reconciliation_items(pd.DataFrame(list(rows), columns=CONTRIBUTION_COLUMNS))


def kinds(*rows):
    return items(*rows)["kind"].tolist()


COUNCIL_MISSING = row("ssda903", "903-C1-2015-03-01", "missing", "2015-03-01", "2015-03-02")


@pytest.mark.parametrize(
    ("police", "expected"),
    [
        # the same event: starts within a day, same category, returns a day apart at most (date-only council)
        (row("police", "P1", "missing", "2015-03-01 22:00", "2015-03-02 09:00"), []),
        (row("police", "P1", "missing", "2015-02-28 23:00", "2015-03-03 09:00"), []),  # dates a day apart
        (row("police", "P1", "missing", "2015-03-02 23:00", "2015-03-02 23:30"), []),  # start a day after (dates)
        # more than a day apart: two events, each known to one source
        (row("police", "P1", "missing", "2015-03-03 01:00", "2015-03-03 05:00"), ["council_only", "police_only"]),
        # police absent, council missing
        (row("police", "P1", "absent", "2015-03-01 22:00", "2015-03-02 09:00"), ["category"]),
        # return dates more than a day apart where the council's is date-only
        (row("police", "P1", "missing", "2015-03-01 22:00", "2015-03-04 09:00"), ["return_time"]),
        (row("police", "P1", "missing", "2015-03-01 22:00", "2015-03-03 23:59"), []),
    ],
)
def test_police_against_council(police, expected):
    assert sorted(kinds(COUNCIL_MISSING, police)) == sorted(expected)


@pytest.mark.parametrize(
    ("police_returned", "council_returned", "apart"),
    [
        ("2015-03-01 10:00", "2015-03-01 22:00", False),  # exactly 12 hours
        ("2015-03-01 10:00", "2015-03-01 22:01", True),
    ],
)
def test_return_times_with_times_on_both_sides(police_returned, council_returned, apart):
    police = row("police", "P1", "missing", "2015-03-01 08:00", police_returned)
    council = row("ssda903", "903-C1", "missing", "2015-03-01 08:30", council_returned)
    assert kinds(police, council) == (["return_time"] if apart else [])


def test_police_missing_council_away_is_a_category_item():
    council = row("ssda903", "903-C1", "away", "2015-03-01", "2015-03-02")
    police = row("police", "P1", "missing", "2015-03-01 20:00", "2015-03-02 08:00")
    assert kinds(council, police) == ["category"]


def test_what_is_not_compared():
    rows = [
        # a council away episode without a police record is normal: police never record away
        row("ssda903", "903-C1-a", "away", "2015-05-01", "2015-05-02"),
        # a child with no SSDA903 return, and a home episode of a child with one
        row("police", "P2", "missing", "2015-03-01 10:00", child="C2"),
        row("police", "P3", "missing", "2015-06-01 10:00", missing_from="home"),
        # outside the years the return covers (year ending March 2016)
        row("police", "P4", "missing", "2016-06-01 10:00"),
        # canonical and tracker rows are neither source
        row("canonical", "X1", "missing", "2015-07-01 10:00"),
    ]
    assert items(*rows).empty


def test_items_counted_by_kind_and_month():
    table = items(
        COUNCIL_MISSING,
        row("police", "P1", "absent", "2015-03-01 22:00", "2015-03-05 09:00"),
        row("police", "P2", "missing", "2015-02-10 10:00", "2015-02-10 12:00"),
    )
    assert table[["kind", "police_episode", "council_episode"]].values.tolist() == [
        ["police_only", "P2", None],
        ["category", "P1", "903-C1-2015-03-01"],
        ["return_time", "P1", "903-C1-2015-03-01"],
    ]
    counts = items_by_kind_and_month(table)
    assert counts.values.tolist() == [
        ["police_only", "2015-02", 1],
        ["category", "2015-03", 1],
        ["return_time", "2015-03", 1],
    ]


def test_the_same_items_from_categoricals():
    """load_contributions gives the repeated text as categoricals; hand-built frames give text."""
    rows = pd.DataFrame(
        [
            COUNCIL_MISSING,
            row("police", "P1", "absent", "2015-03-01 22:00", "2015-03-05 09:00"),
            row("police", "P2", "missing", "2015-02-10 10:00", "2015-02-10 12:00"),
            row("ssda903", "903-C2", "away", "2015-03-01", "2015-03-02", child="C2"),
            row("police", "P3", "missing", "2015-03-01 10:00", "2015-03-02 10:00", child="C2"),
        ],
        columns=CONTRIBUTION_COLUMNS,
    )
    as_text = reconciliation_items(rows)
    coded = rows.astype({c: "category" for c in ("source", "child_id", "category", "missing_from")})
    assert len(as_text) == 4
    pd.testing.assert_frame_equal(reconciliation_items(coded), as_text)


def walked_one_by_one(p_rows: np.ndarray, c_rows: np.ndarray) -> list[tuple[int, int]]:
    """The pairing before it was vectorised: every candidate walked in order (the reference for `_pairs`)."""
    paired_police: set[int] = set()
    pairs = []
    last_paired = -1
    for p, c in zip(p_rows.tolist(), c_rows.tolist(), strict=True):
        if c != last_paired and p not in paired_police:
            paired_police.add(p)
            pairs.append((p, c))
            last_paired = c
    return pairs


@settings(max_examples=300, deadline=None)
@given(st.sets(st.tuples(st.integers(0, 8), st.integers(0, 8)), max_size=40))
def test_pairs_are_those_walked_one_by_one(candidates):
    """Any candidates (police row, council row), in `_start_candidates`' order: by council row, then police row."""
    ordered = sorted(candidates, key=lambda pair: (pair[1], pair[0]))
    p_rows = np.array([p for p, _ in ordered], dtype="int64")
    c_rows = np.array([c for _, c in ordered], dtype="int64")
    police, council = _pairs(p_rows, c_rows)
    assert list(zip(police.tolist(), council.tolist(), strict=True)) == walked_one_by_one(p_rows, c_rows)
