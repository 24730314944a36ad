"""The 72-hour clock: who is still waiting for a return interview, and how long is left."""

from datetime import datetime

import pytest

from metrics.interview_clock import waiting_for_interview
from tests.support import make_episodes

AS_OF = datetime(2015, 3, 10, 12, 0)


def clock(*rows, as_of=AS_OF):
    return waiting_for_interview(make_episodes(*rows), as_of)


@pytest.mark.parametrize(
    ("row", "hours_left"),
    [
        ({"returned_at": "2015-03-09 12:00"}, 48.0),
        ({"returned_at": "2015-03-07 12:00"}, 0.0),  # exactly 72 hours: still due
        ({"returned_at": "2015-03-07 11:00"}, -1.0),  # overdue
        ({"returned_at": "2015-03-09"}, 36.0),  # date-only: counted from 00:00, the earliest it may have been
        ({"returned_at": "2015-03-09 12:00", "rhi_outcome": "pending", "rhi_offered_at": "2015-03-09 13:00"}, 48.0),
    ],
)
def test_hours_left(row, hours_left):
    table = clock({"reported_at": "2015-03-01 10:00", **row})
    assert table["hours_left"].tolist() == [hours_left]
    assert table["status"].tolist() == ["overdue" if hours_left < 0 else "due"]


@pytest.mark.parametrize(
    "row",
    [
        {"returned_at": None},  # still missing
        {"returned_at": "2015-03-11 09:00"},  # returned after the moment asked about
        {"returned_at": "2015-03-09 12:00", "category": "away"},  # away episodes have no interview
        {"returned_at": "2015-03-09 12:00", "rhi_outcome": "completed", "rhi_completed_at": "2015-03-10 09:00"},
        {"returned_at": "2015-03-09 12:00", "rhi_outcome": "declined"},
        {"returned_at": "2015-03-09 12:00", "rhi_outcome": "not_offered"},
    ],
)
def test_not_waiting(row):
    assert clock({"reported_at": "2015-03-01 10:00", **row}).empty


def test_overdue_first_and_placements_marked():
    table = clock(
        {"child_id": "C1", "reported_at": "2015-03-08 10:00", "returned_at": "2015-03-09 10:00"},
        {"child_id": "C2", "reported_at": "2015-03-01 10:00", "returned_at": "2015-03-02 10:00", "out_of_area": True},
        {
            "child_id": "C3",
            "reported_at": "2015-03-05 10:00",
            "returned_at": "2015-03-06 10:00",
            "placing_authority": "Sandwell",
        },
    )
    assert table["child_id"].tolist() == ["C2", "C3", "C1"]
    assert table["status"].tolist() == ["overdue", "overdue", "due"]
    assert table["placed_out_of_area"].tolist() == [True, False, False]
    assert table["placed_by_other_council"].tolist() == [False, True, False]
