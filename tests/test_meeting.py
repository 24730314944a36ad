"""The meeting list: one row per child, every kind of reason, place triggers left with the places."""

from datetime import date

import pandas as pd

from metrics.meeting import children_to_discuss
from metrics.together import LISTED_COLUMNS


def test_one_row_per_child_with_every_reason():
    alerts = pd.DataFrame(
        {
            "trigger": ["3_missing_in_90_days", "missing_over_72_hours", "location_5_in_30_days"],
            "subject": ["C1", "E7", "H1"],
            "first_met": [date(2015, 3, 5), date(2015, 3, 2), date(2015, 3, 9)],
            "children": [["C1"], ["C1"], ["C1", "C2", "C3"]],
        }
    )
    escalation = pd.DataFrame(
        {"reason": ["longer"], "subject": ["C4"], "first_met": [date(2015, 3, 20)], "episode_ids": [["E9"]]}
    )
    listed = pd.DataFrame(
        {
            "subject": ["C1", "C4"],
            "associate": ["C4", "C1"],
            "episodes": [1, 3],
            "first_reported": pd.to_datetime(["2015-03-01 10:00", "2015-03-25 10:00"]),
            "last_reported": pd.to_datetime(["2015-03-01 10:00", "2015-03-27 10:00"]),
            "listed_until": [date(2015, 3, 8), date(2015, 4, 3)],
        }
    )
    table = children_to_discuss(alerts, escalation, listed)
    # C2 and C3 are behind a place alert only; C1 has three reasons, C4 two (its associate went missing thrice)
    assert table["child_id"].tolist() == ["C1", "C4"]
    first = table.iloc[0]
    assert first["triggers"] == "3_missing_in_90_days; missing_over_72_hours"
    assert first["associates_missing"] == "C4"
    assert first["first_met"] == date(2015, 3, 1)
    assert first["reasons"] == "alert: 3_missing_in_90_days; missing_over_72_hours; associate missing: C4"
    assert table.iloc[1]["reasons"] == "escalating: longer; associate missing: C1"


def test_nothing_to_discuss():
    empty_alerts = pd.DataFrame(columns=["trigger", "subject", "first_met", "children"])
    empty = pd.DataFrame(columns=["reason", "subject", "first_met"])
    listed = pd.DataFrame(columns=LISTED_COLUMNS)
    assert children_to_discuss(empty_alerts, empty, listed).empty
