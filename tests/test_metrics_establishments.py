"""Establishments: labels, episodes per child (suppression-tolerant) and the monthly trend."""

import math

import pandas as pd
import pytest

from metrics.establishments import establishment_labels, establishment_trend, with_episodes_per_child
from tests.support import make_episodes


def test_labels_show_the_name_with_the_id_where_known():
    frame = make_episodes(
        {"establishment_id": "H1", "establishment_name": "Oak House"},
        {"establishment_id": "H1", "establishment_name": None},
        {"establishment_id": "H2"},
        {},
    )
    assert establishment_labels(frame) == {"H1": "Oak House (H1)", "H2": "H2"}


@pytest.mark.parametrize(
    ("episodes", "children", "per_child"),
    [
        (10, 4, 2.5),
        (7, 3, 2.3),
        (5, 4, 1.3),
        (1, 8, 0.1),
        (3, 0, math.nan),
        (math.nan, 2, math.nan),
        (9, math.nan, math.nan),
    ],
)
def test_episodes_per_child_rounds_half_up_and_is_blank_where_hidden(episodes, children, per_child):
    table = with_episodes_per_child(pd.DataFrame({"place": ["H1"], "episodes": [episodes], "children": [children]}))
    value = table["episodes_per_child"].iloc[0]
    assert (math.isnan(value) and math.isnan(per_child)) or value == per_child


def test_establishment_trend_counts_episodes_and_children_per_month():
    frame = make_episodes(
        {"establishment_id": "H1", "child_id": "C1", "reported_at": "2015-01-05 10:00"},
        {"establishment_id": "H1", "child_id": "C1", "reported_at": "2015-01-06 10:00"},
        {"establishment_id": "H1", "child_id": "C2", "reported_at": "2015-03-01 10:00"},
        {"establishment_id": "H2", "child_id": "C3", "reported_at": "2015-01-01 10:00"},
        {"establishment_id": "H3", "child_id": "C3", "reported_at": "2015-01-01 10:00"},
    )
    table = establishment_trend(frame, ["H1", "H2"])
    assert list(table.itertuples(index=False, name=None)) == [
        ("2015-01", "H1", 2, 1),
        ("2015-01", "H2", 1, 1),
        ("2015-03", "H1", 1, 1),
    ]
    assert establishment_trend(frame, ["H9"]).empty
