from datetime import date

import numpy as np
import pandas as pd
import pytest

from metrics.filters import select_episodes
from metrics.together import (
    found_together,
    found_together_rows,
    missing_together,
    missing_together_rows,
    pairs_among,
    rows_among,
    together_children,
    together_children_of,
)
from tests.support import make_episodes


@pytest.mark.parametrize(
    ("first", "second", "paired"),
    [
        (
            {"child_id": "C1", "establishment_id": "H1", "reported_at": "2015-03-02 10:00"},
            {"child_id": "C2", "establishment_id": "H1", "reported_at": "2015-03-02 11:00"},
            True,
        ),  # 60 minutes
        (
            {"child_id": "C1", "establishment_id": "H1", "reported_at": "2015-03-02 10:00"},
            {"child_id": "C2", "establishment_id": "H1", "reported_at": "2015-03-02 11:01"},
            False,
        ),  # 61 minutes
        (
            {"child_id": "C2", "establishment_id": "H1", "reported_at": "2015-03-02 11:00"},
            {"child_id": "C1", "establishment_id": "H1", "reported_at": "2015-03-02 10:00"},
            True,
        ),  # either order
        (
            {"child_id": "C1", "establishment_id": "H1", "reported_at": "2015-03-02 10:00"},
            {"child_id": "C1", "establishment_id": "H1", "reported_at": "2015-03-02 10:05"},
            False,
        ),  # same child
        (
            {"child_id": "C1", "establishment_id": "H1", "reported_at": "2015-03-02 10:00"},
            {"child_id": "C2", "establishment_id": "H2", "reported_at": "2015-03-02 10:00"},
            False,
        ),  # other home
        (
            {"child_id": "C1", "from_postcode": "B23 6AA", "reported_at": "2015-03-02 10:00"},
            {"child_id": "C2", "from_postcode": "b23 6aa", "reported_at": "2015-03-02 10:30"},
            True,
        ),  # same postcode
        (
            {"child_id": "C1", "from_postcode": "B23 6AA", "reported_at": "2015-03-02 10:00"},
            {"child_id": "C2", "from_postcode": "B23 6AB", "reported_at": "2015-03-02 10:00"},
            False,
        ),  # same sector only
        (
            {"child_id": "C1", "from_postcode": "B23 6AA", "establishment_id": "H1", "reported_at": "2015-03-02 10:00"},
            {"child_id": "C2", "from_postcode": "B23 6AA", "reported_at": "2015-03-02 10:00"},
            False,
        ),  # home vs address
        (
            {"child_id": "C1", "reported_at": "2015-03-02 10:00"},
            {"child_id": "C2", "reported_at": "2015-03-02 10:00"},
            False,
        ),  # no place known
        (
            {"child_id": "C1", "establishment_id": "H1", "reported_at": "2015-03-02 23:30"},
            {"child_id": "C2", "establishment_id": "H1", "reported_at": "2015-03-03 00:20"},
            True,
        ),  # over midnight
    ],
)
def test_pairs_of_children_from_one_place_within_60_minutes(first, second, paired):
    pairs = missing_together(make_episodes(first, second))
    assert len(pairs) == int(paired)
    if paired:
        row = pairs.iloc[0]
        assert (row["child_a"], row["child_b"]) == ("C1", "C2")
        assert row["minutes_apart"] <= 60


def test_pair_columns_and_values():
    pairs = missing_together(
        make_episodes(
            {"episode_id": "X", "child_id": "C9", "establishment_id": "H1", "reported_at": "2015-03-02 10:00"},
            {"episode_id": "Y", "child_id": "C3", "establishment_id": "H1", "reported_at": "2015-03-02 10:45"},
        )
    )
    assert pairs.to_dict("records") == [
        {
            "place": "H1",
            "child_a": "C3",
            "episode_a": "Y",
            "reported_at_a": pd.Timestamp("2015-03-02 10:45"),
            "child_b": "C9",
            "episode_b": "X",
            "reported_at_b": pd.Timestamp("2015-03-02 10:00"),
            "minutes_apart": 45.0,
        }
    ]


def test_busy_place_pairs_only_within_the_window():
    # 200 episodes of different children every 20 minutes at one home: each pairs with the next 3
    rows = [
        {
            "child_id": f"C{i:03d}",
            "establishment_id": "H1",
            "reported_at": str(pd.Timestamp("2015-03-01") + pd.Timedelta(minutes=20 * i)),
        }
        for i in range(200)
    ]
    pairs = missing_together(make_episodes(*rows))
    assert len(pairs) == 197 * 3 + 2 + 1
    assert pairs["minutes_apart"].max() == 60


def test_three_children_together_make_three_pairs_and_network_counts():
    rows = [
        {"child_id": c, "establishment_id": "H1", "reported_at": f"2015-03-02 10:{m:02d}"}
        for c, m in (("C1", 0), ("C2", 10), ("C3", 20))
    ] + [
        {"child_id": "C1", "from_postcode": "B23 6AA", "reported_at": "2015-03-09 10:00"},
        {"child_id": "C2", "from_postcode": "B23 6AA", "reported_at": "2015-03-09 10:30"},
    ]
    pairs = missing_together(make_episodes(*rows))
    assert pairs[["child_a", "child_b"]].values.tolist() == [["C1", "C2"], ["C1", "C3"], ["C2", "C3"], ["C1", "C2"]]
    network = together_children(pairs)
    assert network.values.tolist() == [["C1", "C2", 2, 2], ["C1", "C3", 1, 1], ["C2", "C3", 1, 1]]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_together_children_counts_as_grouping_the_text_does(seed):
    """Counted on codes: the same table as pandas' groupby of the text, blanks (left out, or no place) included."""
    random = np.random.default_rng(seed)
    children = np.array(["C1", "C10", "C2", "C3", "C9", None], dtype=object)
    places = np.array(["H1", "B23 6AA", "H10", None], dtype=object)
    pairs = pd.DataFrame(
        {
            "place": pd.array(places[random.integers(0, 4, 300)], dtype="str"),
            "child_a": pd.array(children[random.integers(0, 6, 300)], dtype="str"),
            "child_b": pd.array(children[random.integers(0, 6, 300)], dtype="str"),
        }
    )
    grouped = pairs.groupby(["child_a", "child_b"], sort=True)
    expected = pd.DataFrame({"times": grouped.size(), "places": grouped["place"].nunique()}).reset_index()
    expected = expected.sort_values(["times", "child_a", "child_b"], ascending=[False, True, True], ignore_index=True)
    pd.testing.assert_frame_equal(together_children(pairs), expected, check_exact=True)
    assert together_children(pairs.iloc[:0]).columns.tolist() == ["child_a", "child_b", "times", "places"]


def crowded_places(seed=5, size=120):
    """Six children leaving three places (a home, else an address) and found at two postcodes, often within
    the hour, some at the same minute: pairs with ties in every sort key."""
    random = np.random.default_rng(seed)
    minutes = np.sort(random.integers(0, 6 * 24 * 60, size)) // 30 * 30  # on the half hour: ties
    starts = pd.Timestamp("2015-01-29") + pd.to_timedelta(minutes, unit="min")
    return make_episodes(
        *(
            {
                "child_id": f"C{random.integers(1, 7)}",
                "missing_from": ["care", "home"][random.integers(0, 2)],
                "establishment_id": [None, "H1", "H2"][random.integers(0, 3)],
                "from_postcode": "B23 6AA",
                "reported_at": str(when),
                "returned_at": str(when + pd.Timedelta(hours=int(random.integers(1, 20)))),
                "found_postcode": ["B23 6AA", "B24 9XX"][random.integers(0, 2)],
            }
            for when in starts
        )
    )


@pytest.mark.parametrize(
    ("start", "end", "filters"),
    [
        (date(2015, 1, 1), date(2015, 3, 31), {}),
        (date(2015, 2, 1), date(2015, 2, 28), {}),
        (date(2015, 1, 1), date(2015, 2, 2), {"missing_from": ["care"]}),
    ],
)
@pytest.mark.parametrize(
    ("rows", "pairs"), [(missing_together_rows, missing_together), (found_together_rows, found_together)]
)
def test_the_pairs_of_all_episodes_filtered_are_the_pairs_of_a_selection(start, end, filters, rows, pairs):
    """A pair depends on its two episodes only: the pairs of every episode, kept where both are selected,
    are the selection's own pairs, in the same order (what lets the app work them out once)."""
    episodes = crowded_places()
    selection = select_episodes(episodes, start, end, filters)
    expected = pairs(selection)
    assert len(expected) > 5 and expected["reported_at_a"].duplicated().any()
    pd.testing.assert_frame_equal(pairs_among(episodes, rows(episodes), selection), expected)
    pd.testing.assert_frame_equal(pairs_among(episodes, rows(episodes)), pairs(episodes))


@pytest.mark.parametrize(
    ("rows", "pairs"), [(missing_together_rows, missing_together), (found_together_rows, found_together)]
)
@pytest.mark.parametrize("held_as", ["category", "object"])
def test_the_pair_table_is_text_however_the_ids_are_held(rows, pairs, held_as):
    """The app loads child ids as categories (and the tests as text): the pair table's ids, taken from a
    category's names or from Arrow text, are the same text either way (and as through Python objects)."""
    episodes = crowded_places()
    expected = pairs(episodes)
    held = episodes.assign(
        child_id=episodes["child_id"].astype(held_as), episode_id=episodes["episode_id"].astype(held_as)
    )
    table = pairs_among(held, rows(held))
    assert len(table) > 5 and table["child_a"].dtype == "str" and table["episode_b"].dtype == "str"
    pd.testing.assert_frame_equal(table, expected)


@pytest.mark.parametrize("held_as", ["category", "object"])
@pytest.mark.parametrize("filters", [{}, {"missing_from": ["care"]}])
def test_the_pairs_of_children_from_rows_are_those_from_the_pair_table(held_as, filters):
    """The page counts a view's pairs of children and places from the pairs' rows (child codes, place numbers):
    the same as from the pair table's text."""
    episodes = crowded_places().pipe(lambda frame: frame.assign(child_id=frame["child_id"].astype(held_as)))
    selection = select_episodes(episodes, date(2015, 1, 1), date(2015, 2, 28), filters)
    rows = rows_among(episodes, missing_together_rows(episodes), selection)
    table = pairs_among(selection, rows)
    assert len(table) > 5
    pd.testing.assert_frame_equal(together_children_of(selection, rows), together_children(table), check_exact=True)
    assert rows.place_count() == table["place"].nunique()
    pd.testing.assert_frame_equal(
        pairs_among(selection, rows.take(np.arange(3, 6))), table.iloc[3:6].reset_index(drop=True)
    )
    none = rows.take(np.arange(0))
    assert together_children_of(selection, none).empty and none.place_count() == 0
