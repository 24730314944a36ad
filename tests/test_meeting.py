"""The meeting list: one row per child, every kind of reason, place triggers left with the places."""

from datetime import date, timedelta

import numpy as np
import pandas as pd

from metrics.attention import history_until, in_period
from metrics.filters import with_derived
from metrics.meeting import COLUMNS, children_to_discuss
from metrics.together import LISTED_COLUMNS
from tests.support import make_episodes


def test_one_row_per_child_with_every_reason():
    alerts = pd.DataFrame(
        {
            "trigger": ["3_missing_in_90_days", "missing_over_72_hours"],
            "child_id": ["C1", "C1"],
            "first_met": [date(2015, 3, 5), date(2015, 3, 2)],
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
    # C1 has three reasons, C4 two (its associate went missing thrice)
    assert table["child_id"].tolist() == ["C1", "C4"]
    first = table.iloc[0]
    assert first["triggers"] == "3_missing_in_90_days; missing_over_72_hours"
    assert first["associates_missing"] == "C4"
    assert first["first_met"] == date(2015, 3, 1)
    assert first["reasons"] == "alert: 3_missing_in_90_days; missing_over_72_hours; associate missing: C4"
    assert table.iloc[1]["reasons"] == "escalating: longer; associate missing: C1"


def test_nothing_to_discuss():
    empty_alerts = pd.DataFrame(columns=["trigger", "child_id", "first_met"])
    empty = pd.DataFrame(columns=["reason", "subject", "first_met"])
    listed = pd.DataFrame(columns=LISTED_COLUMNS)
    assert children_to_discuss(empty_alerts, empty, listed).empty


def test_the_list_equals_the_reasons_gathered_the_plain_way():
    """Many children with reasons of every kind, repeated and out of order: each child's distinct reasons of a
    kind in the text's order, first met the earliest, most reasons first (then first met, then child)."""
    random = np.random.default_rng(7)
    children = [f"C{n}" for n in random.permutation(40)]
    days = [date(2015, 3, 1) + timedelta(days=int(d)) for d in random.integers(0, 60, 300)]
    triggers = ["3_missing_in_90_days", "missing_over_72_hours", "strategy_meeting_overdue", "3_absent_in_90_days"]
    alerts = pd.DataFrame(
        {
            "trigger": [triggers[i] for i in random.integers(0, 4, 100)],
            "child_id": random.choice(children, 100),
            "first_met": pd.to_datetime(days[:100]).to_numpy(dtype="datetime64[D]"),
        }
    )
    escalation = pd.DataFrame(
        {
            "reason": [["longer", "further", "more_often"][i] for i in random.integers(0, 3, 60)],
            "subject": random.choice(children, 60),
            "first_met": days[100:160],
        }
    )
    pairs = pd.DataFrame({"subject": random.choice(children, 140), "associate": random.choice(children, 140)})
    pairs = pairs.drop_duplicates(ignore_index=True)
    listed = pairs.assign(first_reported=pd.to_datetime(days[160 : 160 + len(pairs)]) + pd.Timedelta(hours=7))

    gathered: dict = {}
    for alert, day in zip(alerts.itertuples(), days[:100], strict=True):
        gathered.setdefault(alert.child_id, []).append(("triggers", alert.trigger, day))
    for row in escalation.itertuples():
        gathered.setdefault(row.subject, []).append(("escalation", row.reason, row.first_met))
    for row in listed.itertuples():
        gathered.setdefault(row.subject, []).append(("associates_missing", row.associate, row.first_reported.date()))
    expected = []
    for child, reasons in gathered.items():
        kinds = {k: "; ".join(sorted({r for kind, r, _ in reasons if kind == k})) for k in COLUMNS[3:]}
        count = len({(kind, r) for kind, r, _ in reasons})
        expected.append((count, min(day for *_, day in reasons), child, kinds))
    expected.sort(key=lambda row: (-row[0], row[1], row[2]))

    table = children_to_discuss(alerts, escalation, listed)
    assert len(expected) > 30 and max(row[0] for row in expected) > 5
    assert table["child_id"].tolist() == [child for _, _, child, _ in expected]
    assert table["first_met"].tolist() == [day for _, day, _, _ in expected]
    for kind in COLUMNS[3:]:
        assert table[kind].tolist() == [kinds[kind] for *_, kinds in expected]
    labels = {"triggers": "alert", "escalation": "escalating", "associates_missing": "associate missing"}
    assert table["reasons"].tolist() == [
        "; ".join(f"{labels[k]}: {kinds[k]}" for k in COLUMNS[3:] if kinds[k]) for *_, kinds in expected
    ]


def test_the_history_and_its_period_hold_the_episodes_from_the_start():
    """`in_period` slices a history in time order (as chosen from the loaded episodes) and masks one that is not:
    the same episodes either way; the history holds the place columns only when the pairs are found from it, and
    no coordinates once distance_miles is derived."""
    days = [1, 5, 9, 12, 20, 28]
    frame = make_episodes(
        *({"child_id": f"C{n % 3}", "reported_at": f"2015-03-{d:02d} 10:00"} for n, d in enumerate(days))
    )
    assert "found_postcode" in history_until(frame, date(2015, 3, 31), places=False)  # to be derived: every column
    frame = with_derived(frame, None)
    history = history_until(frame, date(2015, 3, 31))
    assert history["reported_at"].is_monotonic_increasing and "found_postcode" in history
    assert "distance_miles" in history and "from_easting" not in history  # escalation reads the distance made
    assert "found_postcode" not in history_until(frame, date(2015, 3, 31), places=False)
    for chosen in (history, history.iloc[[3, 0, 5, 1, 4, 2]]):
        expected = chosen.loc[chosen["reported_at"] >= pd.Timestamp("2015-03-10")]
        assert len(expected) == 3
        pd.testing.assert_frame_equal(in_period(chosen, date(2015, 3, 10)), expected)
