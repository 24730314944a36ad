"""Associates (domain.md section 12): missing together or found together, and "associate missing" for 7 days."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from metrics.together import (
    LISTED_COLUMNS,
    _dates,
    _first_then_children,
    _pair_table,
    associate_missing,
    associates,
    associates_and_listed,
    found_together,
    found_together_rows,
    missing_together_rows,
)
from tests.support import make_episodes


def found(child, reported, returned, postcode="B23 6AA"):
    return {"child_id": child, "reported_at": reported, "returned_at": returned, "found_postcode": postcode}


@pytest.mark.parametrize(
    ("second_return", "postcode", "paired"),
    [
        ("2015-03-03 10:00", "B23 6AA", True),  # exactly 24 hours apart
        ("2015-03-03 10:01", "B23 6AA", False),
        ("2015-03-02 12:00", "B23 6AB", False),  # another postcode, even in the same sector
        ("2015-03-02 12:00", "b236aa", True),  # the same postcode written another way
    ],
)
def test_found_together_at_one_full_postcode_within_24_hours(second_return, postcode, paired):
    frame = make_episodes(
        found("C1", "2015-03-01 20:00", "2015-03-02 10:00"), found("C2", "2015-03-01 08:00", second_return, postcode)
    )
    assert len(found_together(frame)) == int(paired)


def test_one_child_is_never_their_own_associate():
    frame = make_episodes(
        found("C1", "2015-03-01 20:00", "2015-03-02 10:00"), found("C1", "2015-03-02 11:00", "2015-03-02 12:00")
    )
    assert found_together(frame).empty


def network_frame():
    return make_episodes(
        # C1 and C2 leave one home together on 1 March
        {"child_id": "C1", "establishment_id": "H1", "reported_at": "2015-03-01 20:00"},
        {"child_id": "C2", "establishment_id": "H1", "reported_at": "2015-03-01 20:30"},
        # C3 and C2 are found together on 5 March
        found("C3", "2015-03-04 18:00", "2015-03-05 09:00"),
        found("C2", "2015-03-04 22:00", "2015-03-05 11:00"),
        # later, C2 goes missing alone twice; C4 (no associate) too
        {"child_id": "C2", "reported_at": "2015-03-20 10:00"},
        {"child_id": "C2", "reported_at": "2015-04-02 10:00"},
        {"child_id": "C4", "reported_at": "2015-03-21 10:00"},
    )


def test_associates_count_each_kind_of_link():
    frame = network_frame()
    table = associates(frame, missing_together_rows(frame, 60), found_together_rows(frame))
    rows = {(r.child_a, r.child_b): (r.missing_together, r.found_together) for r in table.itertuples()}
    assert rows == {("C1", "C2"): (1, 0), ("C2", "C3"): (0, 1)}


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # C2's episode of 4 March lists C1 (linked on 1 March), not C3 (found with C2 on that episode);
        # C2's episode of 20 March lists C1 and C3 from 20 to 27 March
        (date(2015, 3, 1), date(2015, 3, 31), [("C1", "C2", ["E4", "E5"]), ("C3", "C2", ["E5"])]),
        (date(2015, 3, 27), date(2015, 3, 31), [("C1", "C2", ["E5"]), ("C3", "C2", ["E5"])]),  # the 7th day
        (date(2015, 3, 28), date(2015, 3, 31), []),
        (date(2015, 4, 1), date(2015, 4, 30), [("C1", "C2", ["E6"]), ("C3", "C2", ["E6"])]),
        # the episodes that made the links list nobody but C1: the others were missing together
        (date(2015, 3, 1), date(2015, 3, 6), [("C1", "C2", ["E4"])]),
        (date(2015, 3, 1), date(2015, 3, 3), []),
    ],
)
def test_associate_missing_lists_a_child_for_seven_days(start, end, expected):
    """One row per child and associate: the associate's episodes that list the child, first and last
    reported, and listed until 7 days after the last."""
    frame = network_frame()
    pairs = [missing_together_rows(frame, 60), found_together_rows(frame)]
    table = associate_missing(frame, associates(frame, *pairs), pairs, start, end)
    reported = dict(zip(frame["episode_id"], frame["reported_at"], strict=True))
    assert [tuple(row) for row in table.itertuples(index=False)] == [
        (
            subject,
            associate,
            len(ids),
            reported[ids[0]],
            reported[ids[-1]],
            reported[ids[-1]].date() + timedelta(days=7),
        )
        for subject, associate, ids in expected
    ]
    assert table.columns.tolist() == LISTED_COLUMNS


def test_a_link_made_later_does_not_list_earlier_episodes():
    frame = make_episodes(
        {"child_id": "C2", "reported_at": "2015-02-20 10:00"},
        {"child_id": "C1", "establishment_id": "H1", "reported_at": "2015-03-01 20:00"},
        {"child_id": "C2", "establishment_id": "H1", "reported_at": "2015-03-01 20:30"},
    )
    pairs = [missing_together_rows(frame, 60), found_together_rows(frame)]
    assert associate_missing(frame, associates(frame, *pairs), pairs, date(2015, 2, 1), date(2015, 3, 31)).empty


def listed_per_episode(frame, associate_table, pairs, start, end, days=7):
    """The list one row per (child, associate, associate's episode), worked out the plain way: what
    `associate_missing` counts without writing the rows out."""
    tables = [_pair_table(frame, rows) for rows in pairs]
    missing_too = {(p.child_a, p.episode_b) for t in tables for p in t.itertuples()}
    missing_too |= {(p.child_b, p.episode_a) for t in tables for p in t.itertuples()}
    first_day, last_day = pd.Timestamp(start) - pd.Timedelta(days=days), pd.Timestamp(end) + pd.Timedelta(days=1)
    rows = []
    for link in associate_table.itertuples():
        for subject, associate in ((link.child_a, link.child_b), (link.child_b, link.child_a)):
            for episode in frame.loc[frame["child_id"] == associate].itertuples():
                listing = first_day <= episode.reported_at < last_day and episode.reported_at > link.first_linked
                if listing and (subject, episode.episode_id) not in missing_too:
                    rows.append((subject, associate, episode.episode_id, episode.reported_at))
    return pd.DataFrame(rows, columns=["subject", "associate", "episode_id", "reported_at"])


def busy_home(seed=17, size=80):
    """Six children at two homes over two months, often leaving or found together: links with many episodes."""
    random = np.random.default_rng(seed)
    times = pd.Timestamp("2015-02-01") + pd.to_timedelta(np.sort(random.integers(0, 60 * 24 * 60, size)), unit="min")
    return make_episodes(
        *(
            {
                "child_id": f"C{random.integers(1, 7)}",
                "establishment_id": f"H{random.integers(1, 3)}",
                "reported_at": str(when),
                "returned_at": str(when + pd.Timedelta(hours=int(random.integers(1, 30)))),
                "found_postcode": ["B23 6AA", "B23 6AB"][random.integers(0, 2)],
            }
            for when in times
        )
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2015, 3, 1), date(2015, 3, 31)),
        (date(2015, 2, 1), date(2015, 3, 31)),
        (date(2015, 3, 20), date(2015, 3, 22)),
    ],
)
@pytest.mark.parametrize("frame_order", ["by time", "reversed"])
@pytest.mark.parametrize("worked_out", ["from the table", "with the table"])
def test_grouped_counts_equal_the_episodes_listed(start, end, frame_order, worked_out):
    """`associate_missing` of a given table, and `associates_and_listed` (which finds each pair's link from the
    count itself), in time order as loaded or not."""
    frame = busy_home()
    if frame_order == "reversed":
        frame = frame.iloc[::-1]
    pairs = [missing_together_rows(frame, 60), found_together_rows(frame)]
    associate_table = associates(frame, *pairs)
    each = listed_per_episode(frame, associate_table, pairs, start, end)
    grouped = each.groupby(["subject", "associate"], as_index=False).agg(
        episodes=("episode_id", "size"), first_reported=("reported_at", "min"), last_reported=("reported_at", "max")
    )
    grouped["listed_until"] = [d.date() + timedelta(days=7) for d in grouped["last_reported"]]
    grouped = grouped.sort_values(["first_reported", "subject", "associate"], ignore_index=True)
    if worked_out == "from the table":
        table = associate_missing(frame, associate_table, pairs, start, end)
    else:
        both_tables, table = associates_and_listed(frame, *pairs, start, end)
        pd.testing.assert_frame_equal(both_tables, associate_table)
    assert each["episode_id"].duplicated().any()  # an episode listing several children
    assert (grouped["episodes"] > 2).any()  # links with several episodes, so runs with gaps
    assert [tuple(r) for r in table.itertuples(index=False)] == [tuple(r) for r in grouped.itertuples(index=False)]


@pytest.mark.parametrize("categories", ["sorted", "unsorted"])
def test_child_ids_as_categories_list_the_same(categories):
    """The loaded episodes hold child ids as a categorical, whose codes are used as they are when its
    categories are in the text's order (else the text is numbered again): the same lists either way."""
    frame = busy_home()
    names = sorted(frame["child_id"].unique())
    as_categories = frame.assign(
        child_id=pd.Categorical(frame["child_id"], categories=names if categories == "sorted" else names[::-1])
    )
    start, end = date(2015, 2, 1), date(2015, 3, 31)
    for episodes in (frame, as_categories):
        pairs = [missing_together_rows(episodes, 60), found_together_rows(episodes)]
        linked = associates(episodes, *pairs)
        listed = associate_missing(episodes, linked, pairs, start, end)
        if episodes is frame:
            expected_linked, expected_listed = linked, listed
    assert len(expected_listed) > 5
    pd.testing.assert_frame_equal(linked, expected_linked)
    pd.testing.assert_frame_equal(listed, expected_listed)


@pytest.mark.parametrize("pair_width", [1000, 2**40])  # one argsort of a combined key; too wide for it: np.lexsort
def test_the_list_is_ordered_as_lexsort_orders_it(pair_width):
    """The associate list's order by the first listing's time (its rank, ties many) then the two children."""
    random = np.random.default_rng(5)
    pair = random.choice(pair_width, 300, replace=False)
    rank = random.integers(0, 2**23 if pair_width > 1000 else 20, 300)
    np.testing.assert_array_equal(_first_then_children(rank, pair), np.lexsort((pair, rank)))


def test_listed_until_dates_are_numpys():
    days = np.array(["2015-03-01", "2015-02-27", "2016-01-01", "2015-03-01"], dtype="datetime64[D]")
    assert _dates(days).tolist() == days.astype(object).tolist() and isinstance(_dates(days)[0], date)
    assert _dates(days[:0]).tolist() == []
