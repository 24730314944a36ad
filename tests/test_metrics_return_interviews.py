import math

import pytest

from metrics.return_interviews import RETURN_INTERVIEW_MEASURES, return_interviews, safe_and_well
from tests.support import make_episodes

RETURNED = "2015-03-02 10:00"


def measures(**episode):
    row = {"reported_at": "2015-03-01 10:00", "returned_at": RETURNED, **episode}
    table = return_interviews(make_episodes(row))
    every = table[table["group"] == "all"].set_index("measure")
    return {m: int(every.loc[m, "count"]) for m in RETURN_INTERVIEW_MEASURES}, int(every.loc["offered", "denominator"])


@pytest.mark.parametrize(
    ("episode", "eligible", "expected"),
    [
        ({}, 1, {}),
        ({"category": "absent"}, 1, {}),
        ({"category": "away", "rhi_offered_at": "2015-03-03 10:00"}, 0, {}),
        ({"returned_at": None}, 0, {}),
        ({"rhi_offered_at": "2015-03-05 10:00"}, 1, {"offered": 1, "offered_within_72h": 1}),  # exactly 72h
        ({"rhi_offered_at": "2015-03-05 10:01"}, 1, {"offered": 1}),
        # date-only: within only if certainly within, 00:00 where it opens and 24:00 where it closes
        ({"rhi_offered_at": "2015-03-04"}, 1, {"offered": 1, "offered_within_72h": 1}),  # at most 62 hours
        ({"rhi_offered_at": "2015-03-05"}, 1, {"offered": 1}),  # up to 86 hours
        (
            {"returned_at": "2015-03-02", "rhi_offered_at": "2015-03-05 00:00"},
            1,
            {"offered": 1, "offered_within_72h": 1},
        ),
        ({"returned_at": "2015-03-02", "rhi_offered_at": "2015-03-05 23:00"}, 1, {"offered": 1}),  # up to 95 hours
        (
            {"rhi_offered_at": "2015-03-03 10:00", "rhi_outcome": "completed", "rhi_completed_at": "2015-03-05 10:00"},
            1,
            {
                "offered": 1,
                "offered_within_72h": 1,
                "completed": 1,
                "completed_within_72h": 1,
                "completed_of_offered": 1,
            },
        ),
        (
            {"rhi_offered_at": "2015-03-03 10:00", "rhi_outcome": "completed", "rhi_completed_at": "2015-03-05 10:01"},
            1,
            {"offered": 1, "offered_within_72h": 1, "completed": 1, "completed_of_offered": 1},
        ),
        (
            {"rhi_outcome": "completed", "rhi_completed_at": "2015-03-04"},
            1,
            {"completed": 1, "completed_within_72h": 1},
        ),
        (
            {"rhi_offered_at": "2015-03-03 10:00", "rhi_outcome": "declined"},
            1,
            {"offered": 1, "offered_within_72h": 1, "declined_of_offered": 1},
        ),
        ({"rhi_outcome": "declined"}, 1, {}),  # declined but never offered: not a share of offered
    ],
)
def test_return_interview_measures_of_one_episode(episode, eligible, expected):
    counts, denominator = measures(**episode)
    assert denominator == eligible
    assert counts == {m: expected.get(m, 0) for m in RETURN_INTERVIEW_MEASURES}


def test_return_interview_table_groups_and_rates():
    frame = make_episodes(
        *[
            {
                "missing_from": "care",
                "returned_at": RETURNED,
                "rhi_offered_at": "2015-03-03",
                "rhi_outcome": "completed",
                "rhi_completed_at": "2015-03-03",
            }
            for _ in range(2)
        ],
        {"missing_from": "care", "returned_at": RETURNED, "rhi_offered_at": "2015-03-03", "rhi_outcome": "declined"},
        {"missing_from": "care", "returned_at": RETURNED},
        {"missing_from": "care", "returned_at": None},
        {"missing_from": "home", "category": "away", "returned_at": RETURNED},
    )
    table = return_interviews(frame)
    assert table.columns.tolist() == ["group", "measure", "count", "denominator", "percent"]
    assert table["group"].tolist() == ["all"] * 6 + ["home"] * 6 + ["care"] * 6
    assert table["measure"].tolist() == list(RETURN_INTERVIEW_MEASURES) * 3
    care = table[table["group"] == "care"].set_index("measure")
    assert care["count"].tolist() == [3, 3, 2, 2, 2, 1]
    assert care["denominator"].tolist() == [4, 4, 4, 4, 3, 3]
    assert care["percent"].tolist() == [75.0, 75.0, 50.0, 50.0, 66.7, 33.3]
    home = table[table["group"] == "home"]
    assert home["denominator"].tolist() == [0] * 6 and home["percent"].isna().all()


@pytest.mark.parametrize(
    ("episode", "count", "denominator"),
    [
        ({"safe_and_well_at": "2015-03-03 10:00"}, 1, 1),  # exactly 24 hours
        ({"safe_and_well_at": "2015-03-03 10:01"}, 0, 1),
        ({"safe_and_well_at": "2015-03-02"}, 1, 1),  # date-only: by 24:00 the same day, at most 14 hours
        ({"safe_and_well_at": "2015-03-03"}, 0, 1),  # up to 38 hours: not certainly within 24
        ({"returned_at": "2015-03-02", "safe_and_well_at": "2015-03-02"}, 1, 1),  # at most 24 hours
        ({"returned_at": "2015-03-02", "safe_and_well_at": "2015-03-03"}, 0, 1),  # up to 48 hours
        ({"safe_and_well_at": None}, 0, 1),
        ({"category": "absent", "safe_and_well_at": "2015-03-02 11:00"}, 0, 0),
        ({"returned_at": None}, 0, 0),
    ],
)
def test_safe_and_well_within_24_hours_of_return(episode, count, denominator):
    frame = make_episodes({"returned_at": RETURNED, **episode})
    row = safe_and_well(frame).iloc[0]
    assert (row["group"], row["count"], row["denominator"]) == ("all", count, denominator)
    assert math.isnan(row["percent"]) if denominator == 0 else row["percent"] == 100.0 * count
