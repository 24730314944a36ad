"""Small-number suppression: hand cases and properties over random tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.suppression import suppress


def band_table(counts: list[int]) -> pd.DataFrame:
    total = sum(counts)
    return pd.DataFrame(
        {
            "band": [f"b{i}" for i in range(len(counts))],
            "count": counts,
            "percent": [round(100 * c / total, 1) if total else math.nan for c in counts],
        }
    )


@pytest.mark.parametrize(
    "counts, threshold, shown",
    [
        ([10, 20, 0, 30], 5, [10, 20, 0, 30]),  # nothing small: unchanged
        ([3, 10, 20, 0, 7], 5, ["<5", 10, 20, 0, "*"]),  # 7 is the next smallest non-zero; not "<5"
        ([1, 2, 10, 20], 5, ["<5", "<5", 10, 20]),  # two hidden already: no second cell needed
        ([4, 5, 5, 9], 5, ["<5", "*", 5, 9]),  # ties: the first of the smallest
        ([3, 0, 0], 5, ["<5", "<5", 0]),  # only zeros left: a zero is hidden (it is <5 too)
        ([0, 0, 0], 5, [0, 0, 0]),  # true zeros stay 0
        ([5, 6, 0, 100], 5, [5, 6, 0, 100]),  # 5 is not small
        ([7, 12, 30], 10, ["<10", "*", 30]),  # the threshold is a setting
        ([4, 0, 0, 0, 0, 100], 5, ["<5", 0, 0, 0, 0, "*"]),  # non-zero preferred even when large
    ],
)
def test_band_table_cases(counts, threshold, shown):
    table = band_table(counts)
    result = suppress(table, ["count"], {"percent": "count"}, threshold=threshold)
    assert result["count"].tolist() == shown
    for before, after, count in zip(table["percent"], result["percent"], shown, strict=True):
        if isinstance(count, str):
            assert after == "*"
        elif math.isnan(before):
            assert math.isnan(after)
        else:
            assert after == before
    assert result["band"].tolist() == table["band"].tolist()


def test_original_table_is_not_changed():
    table = band_table([3, 10, 20])
    suppress(table, ["count"], {"percent": "count"})
    assert table["count"].tolist() == [3, 10, 20]


def test_trend_lines_by_month_and_by_category():
    """A month x category grid: each month's and each category's total is known."""
    table = pd.DataFrame(
        {
            "month": ["2015-01", "2015-01", "2015-02", "2015-02", "2015-03", "2015-03"],
            "category": ["missing", "absent"] * 3,
            "episodes": [3, 20, 30, 40, 50, 60],
        }
    )
    result = suppress(table, ["episodes"], {}, total_groups=[("episodes", ["month"]), ("episodes", ["category"])])
    # 3 hidden; month 2015-01 then hides 20; category missing hides 30; month 2015-02 hides 40:
    # every month and every category now hides none or two.
    assert result["episodes"].tolist() == ["<5", "*", "*", "*", 50, 60]


def test_return_interviews_denominators_linked_and_groups_add_up():
    rows = []
    for group, eligible, offered, completed in [("all", 20, 12, 3), ("home", 8, 5, 1), ("care", 12, 7, 2)]:
        rows += [
            (group, "offered", offered, eligible),
            (group, "completed", completed, eligible),
            (group, "completed_of_offered", completed, offered),
        ]
    table = pd.DataFrame(rows, columns=["group", "measure", "count", "denominator"])
    table["percent"] = (100 * table["count"] / table["denominator"]).round(1)
    linked = []
    for group in ("all", "home", "care"):
        rows_of = table.index[table["group"] == group]
        linked.append([(i, "denominator") for i in rows_of if table.at[i, "measure"] != "completed_of_offered"])
        linked.append(
            [(i, "denominator") for i in rows_of if table.at[i, "measure"] == "completed_of_offered"]
            + [(i, "count") for i in rows_of if table.at[i, "measure"] == "offered"]
        )
    result = suppress(
        table,
        ["count", "denominator"],
        {"percent": ["count", "denominator"]},
        total_groups=[("count", ["measure"]), ("denominator", ["measure"])],
        linked=linked,
    )
    shown = result.set_index(["group", "measure"])
    # completed 3, 1, 2 are all small; the offered counts 12, 5, 7 and every denominator are not.
    assert shown.loc[("all", "completed"), "count"] == "<5"
    assert shown.loc[("home", "completed"), "count"] == "<5"
    assert shown.loc[("care", "completed"), "count"] == "<5"
    assert shown.loc[("home", "completed"), "percent"] == "*"
    # Nothing else was small and every line hides 0 or 3 cells, so the rest is unchanged.
    assert shown.loc[("all", "offered"), "count"] == 12
    assert shown.loc[("home", "offered"), "denominator"] == 8
    assert shown.loc[("all", "offered"), "percent"] == 60.0


def test_hiding_a_denominator_hides_its_twins_and_their_percents():
    table = pd.DataFrame(
        {
            "group": ["all", "all", "home", "home", "care", "care"],
            "measure": ["offered", "completed_of_offered"] * 3,
            "count": [10, 6, 4, 2, 6, 4],
            "denominator": [20, 10, 9, 4, 11, 6],
        }
    )
    table["percent"] = (100 * table["count"] / table["denominator"]).round(1)
    linked = [
        [(0, "count"), (1, "denominator")],
        [(2, "count"), (3, "denominator")],
        [(4, "count"), (5, "denominator")],
    ]
    result = suppress(
        table,
        ["count", "denominator"],
        {"percent": ["count", "denominator"]},
        total_groups=[("count", ["measure"]), ("denominator", ["measure"])],
        linked=linked,
    )
    # home offered 4 is small -> its twin (home completed_of_offered denominator) too;
    # offered line {10, 4, 6}: 6 hidden as well, as "*" -> care's twin denominator 6 too.
    assert result["count"].tolist() == [10, 6, "<5", "<5", "*", "<5"]
    assert result["denominator"].tolist() == [20, 10, 9, "<5", 11, "*"]
    assert result["percent"].tolist() == [50.0, 60.0, "*", "*", "*", "*"]


# --- properties -------------------------------------------------------------------------

counts_strategy = st.lists(st.integers(min_value=0, max_value=40), min_size=2, max_size=9)


def _hidden(values) -> list[bool]:
    return [isinstance(v, str) for v in values]


@settings(max_examples=400, deadline=None)
@given(counts_strategy, st.integers(min_value=2, max_value=11))
def test_band_table_property(counts, threshold):
    table = band_table(counts)
    result = suppress(table, ["count"], {"percent": "count"}, threshold=threshold)
    hidden = _hidden(result["count"])
    for count, shown, is_hidden, before, after in zip(
        counts, result["count"], hidden, table["percent"], result["percent"], strict=True
    ):
        if 0 < count < threshold:
            assert shown == f"<{threshold}"
        if is_hidden:
            assert shown == (f"<{threshold}" if count < threshold else "*") and after == "*"
        else:
            assert shown == count  # unsuppressed cells unchanged
            assert after == before or (math.isnan(before) and math.isnan(after))
    # No hidden cell is total minus the shown cells: none hidden, or at least two.
    assert sum(hidden) != 1


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=2, max_value=5).flatmap(
        lambda width: st.lists(
            st.lists(st.integers(min_value=0, max_value=30), min_size=width, max_size=width), min_size=2, max_size=6
        )
    )
)
def test_grid_property(grid):
    """Rows and columns both have known totals: every line hides none or at least two cells."""
    table = pd.DataFrame(
        [(r, c, value) for r, row in enumerate(grid) for c, value in enumerate(row)],
        columns=["month", "category", "episodes"],
    )
    result = suppress(table, ["episodes"], {}, total_groups=[("episodes", ["month"]), ("episodes", ["category"])])
    result["hidden"] = _hidden(result["episodes"])
    for by in ("month", "category"):
        assert not (result.groupby(by)["hidden"].sum() == 1).any()
    shown = result[~result["hidden"]]
    assert (shown["episodes"] == table.loc[shown.index, "episodes"]).all()
    small = table["episodes"].between(1, 4)
    assert result.loc[small, "hidden"].all()
