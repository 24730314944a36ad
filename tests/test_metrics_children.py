"""A child's timeline and facts, alerts joined to children, and the missing-together network,
on small hand-built frames with every expected value written out."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from metrics.children import (
    CHILD,
    DISTRICT,
    FOUND,
    FROM,
    FROM_AND_FOUND,
    HOME,
    TOGETHER,
    alert_children,
    alert_episodes,
    alerts_with_episodes,
    child_facts,
    child_ids,
    child_timeline,
    focus,
    largest_nodes,
    neighbours,
    node_episodes,
    repeated_places,
    repeats_to_fit,
    together_network,
)
from metrics.filters import NOT_KNOWN
from metrics.together import missing_together
from metrics.triggers import triggers
from tests.support import MARCH, history, make_episodes, network_frame


def test_child_ids_are_every_child_sorted_once():
    assert child_ids(history()) == ["C1", "C2"]


def test_timeline_lists_every_episode_of_the_child_oldest_first_with_derived_facts():
    table = child_timeline(history(), "C1", as_of=date(2015, 3, 12), period=MARCH)
    assert table["episode_id"].tolist() == ["E2", "E4", "E3"]
    assert table["category"].astype(str).tolist() == ["missing", "missing", "absent"]
    assert table["in_period"].tolist() == [False, True, True]
    assert table["still_open"].tolist() == [False, False, True]
    # an open episode is drawn to the end of the as-of day; a returned one to its return
    assert table["shown_until"].tolist() == [
        pd.Timestamp("2015-02-21 03:00"),
        pd.Timestamp("2015-03-07"),
        pd.Timestamp("2015-03-12 23:59:59.999999999"),
    ]
    assert table["duration_hours"].tolist()[:2] == [5.0, 48.0]
    assert pd.isna(table["duration_hours"].iloc[2])
    # both ends date-only: 48 hours could be anything from 24 to 72, so the band is Not known
    assert table["duration_band"].tolist() == ["0-8 hrs", NOT_KNOWN, NOT_KNOWN]
    assert table["missing_from_place"].tolist() == ["B23", None, "Oak House"]
    assert table["from_district"].tolist()[0] == "B23"
    assert table["found_district"].tolist()[0] == "B27"
    row = history().iloc[1]
    miles = (
        (row["found_easting"] - row["from_easting"]) ** 2 + (row["found_northing"] - row["from_northing"]) ** 2
    ) ** 0.5
    assert table["distance_miles"].iloc[0] == round(miles / 1609.344, 1) == 5.7
    assert table["police_risk"].astype(str).iloc[0] == "high"
    assert bool(table["cse_concern"].iloc[0]) is True
    assert table["rhi_outcome"].astype(str).iloc[0] == "declined"
    # safe and well within 24 hours: only for returned missing episodes
    assert bool(table["safe_and_well_within_24h"].iloc[0]) is True
    assert bool(table["safe_and_well_within_24h"].iloc[1]) is False
    assert pd.isna(table["safe_and_well_within_24h"].iloc[2])


def test_timeline_without_a_period_marks_every_episode_in_it():
    assert child_timeline(history(), "C2", as_of=date(2015, 3, 12))["in_period"].tolist() == [True]


def test_facts_come_from_the_latest_episode_and_never_hold_a_name():
    facts = child_facts(history(), "C1", MARCH)
    assert facts == {
        "child_id": "C1",
        "sex": "female",
        "age_band": "13-15",
        "ethnic_group": "Asian",
        "ethnicity": "APKN",
        "missing_from": "care",
        "placement_type": "residential",
        "establishment": "Oak House",
        "episodes": 3,
        "episodes_in_period": 2,
        "first_reported": pd.Timestamp("2015-02-20 22:00"),
        "last_reported": pd.Timestamp("2015-03-10 08:00"),
    }


def test_facts_say_not_known_for_blanks_and_refuse_an_unknown_child():
    facts = child_facts(history(), "C2")
    assert (facts["sex"], facts["age_band"], facts["ethnic_group"], facts["establishment"]) == (
        NOT_KNOWN,
        NOT_KNOWN,
        NOT_KNOWN,
        NOT_KNOWN,
    )
    with pytest.raises(KeyError):
        child_facts(history(), "C9")


def place_frame() -> pd.DataFrame:
    """Five episodes from home H1 within 30 days, by three children; and C1's three missing in 90 days."""
    return make_episodes(
        {
            "child_id": "C1",
            "establishment_id": "H1",
            "reported_at": "2015-03-01 10:00",
            "returned_at": "2015-03-01 12:00",
        },
        {
            "child_id": "C2",
            "establishment_id": "H1",
            "reported_at": "2015-03-03 10:00",
            "returned_at": "2015-03-03 12:00",
        },
        {
            "child_id": "C1",
            "establishment_id": "H1",
            "reported_at": "2015-03-08 10:00",
            "returned_at": "2015-03-08 12:00",
        },
        {
            "child_id": "C3",
            "establishment_id": "H1",
            "reported_at": "2015-03-12 10:00",
            "returned_at": "2015-03-12 12:00",
        },
        {
            "child_id": "C1",
            "establishment_id": "H1",
            "reported_at": "2015-03-20 10:00",
            "returned_at": "2015-03-20 12:00",
        },
    )


def test_alert_children_names_the_children_behind_each_alert():
    episodes = place_frame()
    alerts = alert_children(triggers(episodes, as_of=date(2015, 4, 1)), episodes)
    assert alerts[["trigger", "subject", "children", "episodes"]].to_dict("records") == [
        {"trigger": "3_missing_in_90_days", "subject": "C1", "children": ["C1"], "episodes": 3},
        {"trigger": "location_5_in_30_days", "subject": "H1", "children": ["C1", "C2", "C3"], "episodes": 5},
    ]


def test_alert_episodes_has_one_row_per_episode_behind_each_alert():
    episodes = place_frame()
    behind = alert_episodes(triggers(episodes, as_of=date(2015, 4, 1)), episodes)
    assert behind[["trigger", "subject", "episode_id", "child_id"]].values.tolist() == [
        ["3_missing_in_90_days", "C1", "E1", "C1"],
        ["3_missing_in_90_days", "C1", "E3", "C1"],
        ["3_missing_in_90_days", "C1", "E5", "C1"],
        ["location_5_in_30_days", "H1", "E1", "C1"],
        ["location_5_in_30_days", "H1", "E2", "C2"],
        ["location_5_in_30_days", "H1", "E3", "C1"],
        ["location_5_in_30_days", "H1", "E4", "C3"],
        ["location_5_in_30_days", "H1", "E5", "C1"],
    ]
    assert behind["missing_from_place"].tolist() == ["H1"] * 8  # no name given: the id


def test_alerts_with_episodes_is_both_tables_from_one_match():
    episodes = place_frame()
    alerts = triggers(episodes, as_of=date(2015, 4, 1))
    children, behind = alerts_with_episodes(alerts, episodes)
    pd.testing.assert_frame_equal(children, alert_children(alerts, episodes))
    pd.testing.assert_frame_equal(behind, alert_episodes(alerts, episodes))
    assert len(children) == 2 and len(behind) == 8


def test_network_nodes_and_edges():
    episodes = network_frame()
    nodes, edges = together_network(missing_together(episodes), episodes)
    assert nodes.to_dict("records") == [
        {"node": "child:C1", "label": "C1", "kind": CHILD, "episodes": 2, "degree": 3},
        {"node": "child:C2", "label": "C2", "kind": CHILD, "episodes": 2, "degree": 3},
        {"node": "child:C3", "label": "C3", "kind": CHILD, "episodes": 1, "degree": 2},
        {"node": "child:C4", "label": "C4", "kind": CHILD, "episodes": 1, "degree": 2},
        {"node": "district:B23", "label": "B23", "kind": DISTRICT, "episodes": 3, "degree": 3},
        {"node": "district:B27", "label": "B27", "kind": DISTRICT, "episodes": 2, "degree": 1},
        {"node": "home:H1", "label": "Oak House", "kind": HOME, "episodes": 4, "degree": 2},
    ]
    assert edges.to_dict("records") == [
        {"source": "child:C1", "target": "child:C2", "kind": TOGETHER, "weight": 2},
        {"source": "child:C3", "target": "child:C4", "kind": TOGETHER, "weight": 1},
        {"source": "child:C1", "target": "district:B27", "kind": FOUND, "weight": 2},
        {"source": "child:C1", "target": "home:H1", "kind": FROM, "weight": 2},
        {"source": "child:C2", "target": "district:B23", "kind": FOUND, "weight": 1},
        {"source": "child:C2", "target": "home:H1", "kind": FROM, "weight": 2},
        {"source": "child:C3", "target": "district:B23", "kind": FROM_AND_FOUND, "weight": 1},
        {"source": "child:C4", "target": "district:B23", "kind": FROM, "weight": 1},
    ]


def test_a_home_is_named_as_the_networks_last_episode_there_names_it():
    episodes = network_frame()
    names = episodes["establishment_name"].astype(object)
    names.iloc[3] = "Oak House (renamed)"  # C2's second episode: the home's last among the network's children
    names.iloc[6] = "Elm House"  # C5 went missing alone: not in the network, so not its name
    episodes = episodes.assign(establishment_name=names)
    nodes, _ = together_network(missing_together(episodes), episodes)
    assert nodes.loc[nodes["node"] == "home:H1", "label"].tolist() == ["Oak House (renamed)"]


@pytest.mark.parametrize("swapped", [False, True])
def test_network_degrees_are_distinct_neighbours_however_the_pairs_are_written(swapped):
    """Degrees come from the ends of the links when every link is a distinct pair of nodes (pairs of children
    each once, child before the other), else from the distinct neighbours: the same either way."""
    episodes = network_frame()
    pairs = missing_together(episodes)
    if swapped:  # C2 with C1 as well as C1 with C2: one neighbour each, not two
        pairs = pd.concat([pairs, pairs.iloc[:1].assign(child_a=pairs["child_b"].iloc[0], child_b="C1")])
    nodes, edges = together_network(pairs, episodes)
    degree = neighbours(edges)
    assert nodes["degree"].tolist() == [int(degree.get(node, 0)) for node in nodes["node"]]
    assert nodes.loc[nodes["node"] == "child:C1", "degree"].tolist() == [3]


def test_no_pairs_no_network():
    episodes = network_frame().iloc[[0, 6]]
    nodes, edges = together_network(missing_together(episodes), episodes)
    assert nodes.empty and edges.empty


def test_repeated_places_keeps_together_links_and_places_seen_often_enough():
    episodes = network_frame()
    nodes, edges = repeated_places(*together_network(missing_together(episodes), episodes), min_episodes=2)
    assert edges[["source", "target", "kind"]].values.tolist() == [
        ["child:C1", "child:C2", TOGETHER],
        ["child:C3", "child:C4", TOGETHER],
        ["child:C1", "district:B27", FOUND],
        ["child:C1", "home:H1", FROM],
        ["child:C2", "home:H1", FROM],
    ]
    assert dict(zip(nodes["node"], nodes["degree"], strict=True)) == {
        "child:C1": 3,
        "child:C2": 2,
        "child:C3": 1,
        "child:C4": 1,
        "district:B27": 1,
        "home:H1": 2,
    }


def test_largest_nodes_keeps_the_best_connected_and_the_edges_among_them():
    episodes = network_frame()
    nodes, edges = largest_nodes(*together_network(missing_together(episodes), episodes), limit=3)
    # degree 3: C1, C2 and B23; C1 and C2 have fewer episodes than B23 but all three tie on degree
    assert nodes["node"].tolist() == ["child:C1", "child:C2", "district:B23"]
    assert edges[["source", "target"]].values.tolist() == [
        ["child:C1", "child:C2"],
        ["child:C2", "district:B23"],
    ]
    assert largest_nodes(nodes, edges, 0)[0].empty


@pytest.mark.parametrize(("limit", "expected"), [(7, 1), (6, 2), (3, 5)])
def test_repeats_to_fit_shows_every_place_while_it_fits(limit, expected):
    episodes = network_frame()
    # every place: 7 nodes; places seen twice: 6 (C1-C4, B27, Oak House); never fewer than the 4 children
    assert repeats_to_fit(*together_network(missing_together(episodes), episodes), limit=limit) == expected


def test_each_nodes_episodes_are_the_ones_it_counts():
    episodes = network_frame()
    nodes, _ = together_network(missing_together(episodes), episodes)
    details = node_episodes(nodes, episodes)
    assert details.groupby("node").size().to_dict() == dict(zip(nodes["node"], nodes["episodes"], strict=True))
    assert details.loc[details["node"] == "district:B23", "episode_id"].tolist() == ["E2", "E5", "E6"]
    assert "C5" not in set(details["child_id"])  # went missing alone: not in the network


@pytest.mark.parametrize(
    ("centre", "steps", "expected"),
    [
        ("child:C3", 1, ["child:C3", "child:C4", "district:B23"]),
        ("child:C3", 2, ["child:C2", "child:C3", "child:C4", "district:B23"]),
        ("home:H1", 2, ["child:C1", "child:C2", "district:B23", "district:B27", "home:H1"]),
        ("child:C9", 2, []),
    ],
)
def test_focus_keeps_one_node_and_everything_within_two_links(centre, steps, expected):
    nodes, edges = together_network(missing_together(network_frame()), network_frame())
    kept, among = focus(nodes, edges, centre, steps)
    assert sorted(kept["node"]) == expected
    assert set(among["source"]) | set(among["target"]) <= set(expected)
    assert kept["degree"].tolist() == [
        len(set(among.loc[among["source"] == n, "target"]) | set(among.loc[among["target"] == n, "source"]))
        for n in kept["node"]
    ]


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        ([], {}),
        ([("a", "b")], {"a": 1, "b": 1}),
        ([("a", "b"), ("b", "a"), ("a", "b")], {"a": 1, "b": 1}),  # one neighbour however often, either way
        ([("a", "b"), ("a", "c"), ("c", "b")], {"a": 2, "b": 2, "c": 2}),
        ([("a", "a"), ("a", "b")], {"a": 2, "b": 1}),  # a link to itself: itself once
    ],
)
def test_neighbours_counts_each_distinct_neighbour_once(links, expected):
    edges = pd.DataFrame(links, columns=["source", "target"], dtype="str")
    degree = neighbours(edges)
    assert degree.to_dict() == expected
    assert list(degree.index) == sorted(expected)


@pytest.mark.parametrize("held_as", ["str", "object"])
def test_cutting_a_network_without_links_keeps_its_children(held_as):
    """No links at all (an empty column of objects, which Arrow types as null): the children stay, unlinked."""
    nodes = pd.DataFrame(
        {"node": ["child:C1", "home:H1"], "label": ["C1", "Oak House"], "kind": [CHILD, HOME], "episodes": [2, 2]}
    ).assign(degree=0, node=lambda frame: frame["node"].astype(held_as))
    edges = pd.DataFrame(columns=["source", "target", "kind", "weight"])
    kept, links = repeated_places(nodes, edges, 1)
    assert kept[["node", "degree"]].values.tolist() == [["child:C1", 0]] and links.empty
    assert repeats_to_fit(nodes, edges, 1) == 1


def test_cutting_a_network_counts_a_link_to_a_node_not_listed():
    """Degrees are counted on the listed nodes' positions; a link to a node not listed is still a neighbour."""
    nodes = pd.DataFrame(
        {"node": ["child:C1", "home:H1"], "label": ["C1", "Oak House"], "kind": [CHILD, HOME], "episodes": [2, 2]}
    ).assign(degree=0)
    edges = pd.DataFrame(
        {
            "source": ["child:C1", "child:C1", "child:C1"],
            "target": ["home:H1", "district:B23", "home:H1"],
            "kind": [FROM, FOUND, FOUND],
            "weight": [2, 3, 2],
        }
    )
    kept, links = repeated_places(nodes, edges, 2)
    assert kept[["node", "degree"]].values.tolist() == [["child:C1", 2], ["home:H1", 1]] and len(links) == 3
    kept, links = repeated_places(nodes.iloc[:1].assign(node=["child:C1"]), edges.iloc[[0, 2]], 2)  # H1 unlisted
    assert kept[["node", "degree"]].values.tolist() == [["child:C1", 1]]
