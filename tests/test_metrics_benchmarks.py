"""The council's own figures for a year ending 31 March and their comparison with the DfE's
(domain.md section 10), on hand-worked episodes and hand-built DfE figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metrics.benchmarks import (
    comparison_table,
    dfe_year_for,
    host_episode_count,
    local_figures,
    year_ending_march,
)

# child_id, category, missing_from, placing_authority, reported_at
EPISODES = [
    ("A", "missing", "care", None, "2015-03-31 23:00"),  # year ending March 2015
    ("A", "missing", "care", None, "2015-04-01 00:30"),  # 2016 from here on
    ("A", "missing", "care", "", "2015-06-01 10:00"),  # blank placing authority: the council's own
    ("B", "missing", "care", None, "2015-05-01 10:00"),
    ("B", "away", "care", None, "2015-05-02 10:00"),
    ("C", "missing", "home", None, "2015-05-03 10:00"),  # from home: no DfE equivalent
    ("D", "absent", "care", None, "2015-05-04 10:00"),  # police absent: no DfE equivalent
    ("E", "missing", "care", "Sandwell", "2015-05-05 10:00"),  # placed here by Sandwell: Sandwell's child
    ("F", "away", "care", None, "2015-07-01 10:00"),
    ("F", "away", "care", None, "2015-07-02 10:00"),
    ("F", "away", "care", None, "2015-07-03 10:00"),
]


def episodes() -> pd.DataFrame:
    frame = pd.DataFrame(EPISODES, columns=["child_id", "category", "missing_from", "placing_authority", "reported_at"])
    return frame.assign(reported_at=pd.to_datetime(frame["reported_at"]))


@pytest.mark.parametrize(
    ("when", "year"),
    [("2015-03-31 23:59", 2015), ("2015-04-01 00:00", 2016), ("2016-01-15 12:00", 2016), ("2014-04-01 00:00", 2015)],
)
def test_year_ending_march(when, year):
    assert year_ending_march(pd.Series(pd.to_datetime([when]))).tolist() == [year]


def test_local_figures_by_hand():
    local = local_figures(episodes(), {2015: None, 2016: 40})
    rows = [
        tuple(None if isinstance(v, float) and np.isnan(v) else v for v in row)
        for row in local.itertuples(index=False, name=None)
    ]
    assert rows == [
        # 2015: A's one missing episode; no DfE count of looked-after children: no percentage
        (2015, "missing", 1, 1, 1.0, None, None),
        (2015, "away", 0, 0, None, None, None),
        # 2016: A (2) and B (1) missing: 3 episodes, 1.5 each, 2 of 40 looked after = 5.0%
        (2016, "missing", 2, 3, 1.5, 40.0, 5.0),
        # B (1) and F (3) away: 4 episodes, 2.0 each, 2 of 40 = 5.0%
        (2016, "away", 2, 4, 2.0, 40.0, 5.0),
    ]
    assert host_episode_count(episodes()) == 1


def test_episodes_per_child_and_percentage_round_half_up():
    # 5 episodes by 4 children = 1.25 -> 1.3; 1 of 8 looked after = 12.5%
    frame = pd.DataFrame(
        {
            "child_id": ["A", "A", "B", "C", "D"],
            "category": "missing",
            "missing_from": "care",
            "placing_authority": None,
            "reported_at": pd.to_datetime(["2015-05-01"] * 5),
        }
    )
    row = local_figures(frame, {2016: 32}).iloc[0]
    assert (row["episodes_per_child"], row["percent_looked_after"]) == (1.3, 12.5)


@pytest.mark.parametrize(
    ("year", "available", "expected"),
    [
        (2016, [2015, 2016, 2017], (2016, True)),
        (2014, [2015, 2016], (2015, False)),  # before the first published year
        (2026, range(2015, 2025), (2024, False)),  # not yet published
        (2017, [2016, 2018], (2016, False)),  # equally near: the earlier
        (2016, [], (None, False)),
    ],
)
def test_dfe_year_for(year, available, expected):
    assert dfe_year_for(year, available) == expected


def dfe_figures() -> pd.DataFrame:
    """One DfE year: England, region R, the council (999) and two neighbours (one suppressed)."""
    rows = []

    def add(level, code, name, old, region, measure, value):
        number = None if value in ("c", "x", "z") else float(value)
        rows.append((2016, code, name, level, measure, value, number, old, region))

    for code, name, old, level, region, children, incidents, looked_after in (
        ("E92000001", "England", None, "national", None, "8000", "40000", "100000"),
        ("R", "Region", None, "regional", None, "800", "3200", "10000"),
        ("L999", "Our council", "999", "local_authority", "R", "100", "500", "2000"),
        ("L1", "Neighbour one", "1", "local_authority", "R", "50", "100", "1000"),
        ("L2", "Neighbour two", "2", "local_authority", "R", "c", "30", "500"),
    ):
        add(level, code, name, old, region, "Children looked after during the year", looked_after)
        add(level, code, name, old, region, "Children who had a missing incident during the year", children)
        add(level, code, name, old, region, "Number of missing incidents during the year", incidents)
    # the council's published percentage (the rest are worked out from counts)
    add(
        "local_authority",
        "L999",
        "Our council",
        "999",
        "R",
        "Percentage of children who had a missing incident during the year",
        "5",
    )
    add(
        "local_authority",
        "L999",
        "Our council",
        "999",
        "R",
        "Children who were away from placement without authorisation during the year",
        "x",
    )
    return pd.DataFrame(
        rows,
        columns=["year", "area_code", "area_name", "level", "measure", "value", "number", "old_la_code", "region_code"],
    )


def test_comparison_with_the_dfe_by_hand():
    local = local_figures(episodes(), {2016: 2000})
    table = comparison_table(
        local, dfe_figures(), la_code="999", council_name="Our council", neighbour_codes=["1", "2", "3"], year=2016
    )
    percent = table[(table["category"] == "missing") & (table["column"] == "percent_looked_after")]
    assert list(zip(percent["area"], percent["shown"], strict=True)) == [
        ("Our council (own records)", "0.1%"),  # 2 of 2000
        ("Our council (DfE)", "5.0%"),  # published
        ("Region", "8.0% (from DfE counts)"),  # 800 of 10000
        ("England", "8.0% (from DfE counts)"),
        # neighbour one 5.0%; neighbour two suppressed (c) and neighbour three not published: left out
        ("Statistical neighbours", "mean 5.0% (5.0% to 5.0%, 1 of 3)"),
    ]
    per_child = table[(table["category"] == "missing") & (table["column"] == "episodes_per_child")]
    assert per_child["value"].tolist() == [1.5, 5.0, 4.0, 5.0, 2.0]
    # neighbour two's average rests on a suppressed count: not a number, and not its 30 incidents / 0
    children = table[(table["category"] == "missing") & (table["column"] == "children")]
    assert children["shown"].tolist() == ["2", "100", "800", "8,000", "mean 50.0 (50 to 50, 1 of 3)"]
    away = table[(table["category"] == "away") & (table["column"] == "children")]
    assert away.set_index("role")["shown"].to_dict() == {
        "own records": "2",
        "council (DfE)": "x",
        "region": "not published",
        "England": "not published",
        "statistical neighbours": "none published",
    }
    assert np.isnan(away.set_index("role").loc["council (DfE)", "value"])  # suppressed is never 0
    away_percent = table[(table["category"] == "away") & (table["column"] == "percent_looked_after")]
    assert away_percent.set_index("role").loc["council (DfE)", "shown"] == "x"  # worked out from x: still x
