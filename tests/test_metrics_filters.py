from datetime import date

import numpy as np
import pandas as pd
import pytest

import config
from metrics.filters import (
    FILTER_KEYS,
    as_text,
    distinct_sorted,
    month_slices,
    numbered_distinct,
    run_starts,
    select_episodes,
    sorted_codes,
    with_derived,
)
from tests.support import make_episodes

START, END = date(2015, 3, 1), date(2015, 3, 31)


@pytest.mark.parametrize(
    ("reported", "chosen"),
    [
        ("2015-02-28 23:59", False),
        ("2015-03-01 00:00", True),
        ("2015-03-01", True),
        ("2015-03-15 12:00", True),
        ("2015-03-31 23:59", True),
        ("2015-03-31", True),
        ("2015-04-01 00:00", False),
        ("2015-04-01", False),
    ],
)
def test_period_includes_start_and_end_dates(reported, chosen):
    frame = make_episodes({"reported_at": reported})
    assert len(select_episodes(frame, START, END)) == int(chosen)


@pytest.fixture(scope="module")
def frame():
    episodes = make_episodes(
        {
            "episode_id": "A",
            "child_id": "C1",
            "category": "missing",
            "missing_from": "care",
            "placement_type": "residential",
            "out_of_area": True,
            "cse_concern": True,
            "sex": "female",
            "ethnicity": "WBRI",
            "date_of_birth": "2001-03-10",
            "from_postcode": "B23 6AA",
            "establishment_id": "H1",
            "establishment_name": "Oak House",
            "police_risk": "high",
            "reported_at": "2015-03-09 10:00",
            "returned_at": "2015-03-10 09:00",
            "rhi_outcome": "completed",
            "rag": "red",
        },
        {
            "episode_id": "B",
            "child_id": "C2",
            "category": "absent",
            "missing_from": "home",
            "out_of_area": False,
            "cse_concern": False,
            "sex": "male",
            "ethnicity": "APKN",
            "date_of_birth": "2001-03-09",
            "from_postcode": "WS1 1AA",
            "found_postcode": "B27 6BB",
            "reported_at": "2015-03-09 11:00",
        },
        {
            "episode_id": "C",
            "child_id": "C3",
            "category": "away",
            "missing_from": "care",
            "placement_type": "foster",
            "from_postcode": None,
            "placing_authority": "Walsall",
            "reported_at": "2015-03-20",
        },
    )
    return with_derived(episodes, config.settings().authority.lad_codes)  # the council's area: Out of area


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["A", "B", "C"]),
        ({"category": ["missing"]}, ["A"]),
        ({"category": ["MISSING", "absent"]}, ["A", "B"]),
        ({"missing_from": ["home"]}, ["B"]),
        ({"placement_type": ["Residential"]}, ["A"]),
        ({"placement_type": ["Not known"]}, ["B"]),
        ({"out_of_area": ["Y"]}, ["A"]),
        ({"out_of_area": ["yes"]}, ["A"]),
        ({"out_of_area": ["TRUE"]}, ["A"]),
        ({"out_of_area": ["1"]}, ["A"]),
        ({"out_of_area": ["n"]}, ["B"]),
        ({"out_of_area": ["0"]}, ["B"]),
        ({"out_of_area": ["false"]}, ["B"]),
        ({"out_of_area": ["No"]}, ["B"]),
        ({"cse_concern": ["y"], "category": ["missing"]}, ["A"]),
        ({"cse_concern": ["y"], "category": ["absent"]}, []),
        ({"cce_concern": ["y"]}, []),
        ({"sex": ["female"]}, ["A"]),
        ({"sex": ["Female", "male"]}, ["A", "B"]),
        ({"ethnicity": ["wbri"]}, ["A"]),
        ({"police_risk": ["high"]}, ["A"]),
        ({"rag": ["red"]}, ["A"]),
        ({"rhi_outcome": ["completed"]}, ["A"]),
        ({"child_id": ["C2"]}, ["B"]),
        ({"episode_id": ["C", "A"]}, ["A", "C"]),
        ({"establishment_id": ["H1"]}, ["A"]),
        ({"establishment_name": ["oak house"]}, ["A"]),
        ({"placing_authority": ["walsall"]}, ["C"]),
        ({"from_postcode": ["b236aa"]}, ["A"]),
        ({"found_postcode": ["B27 6BB"]}, ["B"]),
        ({"reported_at": ["2015-03-09"]}, ["A", "B"]),
        ({"reported_at": ["20/03/2015"]}, ["C"]),
        ({"returned_at": ["2015-03-10"]}, ["A"]),
        ({"date_of_birth": ["2001-03-09"]}, ["B"]),
        ({"locality": ["East"]}, ["A"]),
        ({"locality": ["out of area"]}, ["B"]),
        ({"locality": ["Not known"]}, ["C"]),
        ({"ethnic_group": ["white", "Asian"]}, ["A", "B"]),
        ({"ethnic_group": ["Not known"]}, ["C"]),
        ({"age_band": ["13-15"]}, ["A", "B"]),  # 13 the day before a birthday, 14 on one
        ({"age_band": ["16-17"]}, []),
        ({"age_band": ["Not known"]}, ["C"]),
    ],
)
def test_filters(frame, filters, expected):
    assert sorted(select_episodes(frame, START, END, filters)["episode_id"]) == expected


def test_age_band_at_birthday_edge():
    frame = make_episodes(
        {"episode_id": "before", "date_of_birth": "2005-03-10", "reported_at": "2015-03-09 23:59"},
        {"episode_id": "on", "date_of_birth": "2005-03-10", "reported_at": "2015-03-10 00:00"},
    )
    chosen = select_episodes(frame, START, END)
    assert chosen.set_index("episode_id")["age_band"].astype(str).to_dict() == {"before": "under 10", "on": "10-12"}


@pytest.mark.parametrize(
    ("filters", "named"),
    [
        ({"colour": ["red"]}, "colour"),
        ({"category": ["lost"]}, "lost"),
        ({"out_of_area": ["maybe"]}, "maybe"),
        ({"locality": ["Narnia"]}, "Narnia"),
        ({"ethnic_group": ["WBRI"]}, "WBRI"),
        ({"age_band": ["18+"]}, "18+"),
        ({"reported_at": ["yesterday"]}, "yesterday"),
        ({"sex": ["f"]}, "'f'"),
    ],
)
def test_bad_filter_key_or_value_raises_naming_it(frame, filters, named):
    with pytest.raises(ValueError, match=named):
        select_episodes(frame, START, END, filters)


def test_filter_keys_are_section_3_columns_and_derived():
    assert FILTER_KEYS[:3] == ("episode_id", "child_id", "category")
    assert FILTER_KEYS[-3:] == ("locality", "ethnic_group", "age_band")
    assert len(FILTER_KEYS) == 28


def test_month_slices_give_each_month_its_rows_in_order_and_leave_out_rows_without_a_time():
    times = pd.Series(
        pd.to_datetime(
            ["2024-03-05 00:00", "2024-01-31 23:59", None, "2024-03-01 00:00", "2023-12-01 00:00", "2024-01-01 00:00"]
        )
    )
    order, months = month_slices(times)
    rows = {month: order[where].tolist() for month, where in months}
    assert [month for month, _ in months] == ["2023-12", "2024-01", "2024-03"]
    assert rows == {"2023-12": [4], "2024-01": [1, 5], "2024-03": [0, 3]}
    assert month_slices(times.iloc[:0])[1] == []


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["C2", "C1", None, "C2"], dtype="category", index=[7, 3, 5, 1], name="child_id"),
        pd.Series(["C2", "C1", None, "C2"], dtype="str", index=[7, 3, 5, 1], name="child_id"),
        pd.Series(["C2", "C1", None, "C2"], dtype=object, index=[7, 3, 5, 1], name="child_id"),
        pd.Series([2, 1, 2], dtype="category", name="code"),  # a category of numbers: converted as before
    ],
)
def test_as_text_is_astype_str(values):
    """A category of text is taken from its names, anything else converted: the same text either way,
    index, name and blanks kept."""
    pd.testing.assert_series_equal(as_text(values), values.astype(str))
    assert as_text(values).dtype == "str"


@pytest.mark.parametrize("values", [[], [3], [5, 1, 5, 0, 1, 9, 9], list(range(10, 0, -1)) * 3])
def test_distinct_sorted_is_numpys_unique(values):
    codes = np.array(values, dtype="int64")
    assert np.array_equal(distinct_sorted(codes), np.unique(codes))


@pytest.mark.parametrize(
    ("values", "starts"),
    [([], []), ([3], [True]), ([1, 1, 2, 5, 5, 5, 1], [True, False, True, True, False, False, True])],
)
def test_run_starts_mark_the_first_of_each_run(values, starts):
    assert run_starts(np.array(values, dtype="int64")).tolist() == starts


@pytest.mark.parametrize("values", [[], ["b", None, "a", "b"], ["B27", "B23", "B27", None, "A1"]])
def test_sorted_codes_are_pandas_sorted_factorize(values):
    column = pd.Series(values, dtype="str")
    codes, names = sorted_codes(column)
    expected_codes, expected_names = pd.factorize(column, sort=True)
    assert codes.tolist() == expected_codes.tolist()
    assert list(names) == list(expected_names)


@pytest.mark.parametrize("values", [[], [3], [5, 1, 5, 0, 1, 9, 9], list(range(10, 0, -1)) * 3])
def test_numbered_distinct_is_numpys_unique_with_inverse(values):
    codes = np.array(values, dtype="int64")
    distinct, number = numbered_distinct(codes)
    expected, inverse = np.unique(codes, return_inverse=True)
    assert distinct.tolist() == expected.tolist() and number.tolist() == inverse.tolist()
