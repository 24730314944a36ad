from datetime import date, datetime

import pytest

from config.sections import TriggerThresholds
from metrics.children import alert_children
from metrics.triggers import PLACE_TRIGGERS, TRIGGERS, child_alerts, trigger_counts, trigger_words, triggers
from tests.support import make_episodes

LATER = date(2016, 1, 1)


def alerts(*rows, trigger, as_of=LATER, thresholds=None):
    table = triggers(make_episodes(*rows), thresholds=thresholds, as_of=as_of)
    return [tuple(r) for r in table.loc[table["trigger"] == trigger, ["subject", "first_met"]].values]


def missing_at(*times, child="C1", category="missing"):
    return [
        {"child_id": child, "category": category, "reported_at": t, "returned_at": None if len(t) == 10 else t}
        for t in times
    ]


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        (("2015-01-01 10:00", "2015-02-01 10:00", "2015-04-01 10:00"), [("C1", date(2015, 4, 1))]),  # exactly 90 days
        (("2015-01-01 10:00", "2015-02-01 10:00", "2015-04-01 10:01"), []),
        (("2015-01-01 10:00", "2015-02-01 10:00", "2015-04-01"), [("C1", date(2015, 4, 1))]),  # date-only: dates
        (("2015-01-01 10:00", "2015-02-01 10:00", "2015-04-02"), []),
        (("2015-01-01 10:00", "2015-02-01 10:00"), []),
        (("2015-01-01 10:00", "2015-02-01 10:00", "2015-06-01 10:00", "2015-06-02 10:00"), []),
        (
            ("2015-01-01 10:00", "2015-02-01 10:00", "2015-06-01 10:00", "2015-06-02 10:00", "2015-06-03 10:00"),
            [("C1", date(2015, 6, 3))],
        ),
        (("2015-01-04 10:00", "2015-01-02 10:00", "2015-01-01 10:00", "2015-01-03 10:00"), [("C1", date(2015, 1, 3))]),
    ],
)
def test_3_missing_in_90_days_first_met_on_the_completing_episode(times, expected):
    closed = [{**r, "returned_at": None} for r in missing_at(*times)]
    assert alerts(*closed, trigger="3_missing_in_90_days") == expected


def test_counting_trigger_lists_the_episodes_of_the_earliest_window():
    frame = make_episodes(
        *[
            {"episode_id": f"E{d}", "reported_at": f"2015-01-0{d} 10:00", "returned_at": f"2015-01-0{d} 11:00"}
            for d in range(1, 6)
        ]
    )
    table = triggers(frame, as_of=LATER)
    assert table["episode_ids"].tolist() == [["E1", "E2", "E3"]]


def test_counting_triggers_keep_children_and_categories_apart():
    rows = (
        missing_at("2015-01-01 10:00", "2015-01-02 10:00")
        + missing_at("2015-01-03 10:00", category="absent")
        + missing_at("2015-01-04 10:00", child="C2")
        + missing_at("2015-01-05 10:00", "2015-01-06 10:00", "2015-01-07 10:00", child="C3", category="absent")
    )
    rows = [{**r, "returned_at": None} for r in rows]
    assert alerts(*rows, trigger="3_missing_in_90_days") == []
    assert alerts(*rows, trigger="3_absent_in_90_days") == [("C3", date(2015, 1, 7))]


def test_thresholds_can_be_changed():
    rows = [{**r, "returned_at": None} for r in missing_at("2015-01-01 10:00", "2015-01-20 10:00")]
    assert alerts(*rows, trigger="3_missing_in_90_days", thresholds=TriggerThresholds(missing_count=2)) == [
        ("C1", date(2015, 1, 20))
    ]
    assert (
        alerts(
            *rows, trigger="3_missing_in_90_days", thresholds=TriggerThresholds(missing_count=2, missing_window_days=18)
        )
        == []
    )


@pytest.mark.parametrize(
    ("episode", "expected"),
    [
        ({"reported_at": "2015-03-02 10:00", "returned_at": "2015-03-05 10:00"}, []),  # exactly 72 hours
        ({"reported_at": "2015-03-02 10:00", "returned_at": "2015-03-05 10:01"}, [("E1", date(2015, 3, 5))]),
        ({"reported_at": "2015-03-02 22:00", "returned_at": "2015-03-06 09:00"}, [("E1", date(2015, 3, 5))]),
        # date-only: 00:00 where it opens, 24:00 where it closes; fires if it may have lasted over 72 hours
        ({"reported_at": "2015-03-02", "returned_at": "2015-03-04"}, []),  # at most 72 hours
        ({"reported_at": "2015-03-02", "returned_at": "2015-03-05"}, [("E1", date(2015, 3, 5))]),  # up to 96 hours
        ({"reported_at": "2015-03-02", "returned_at": "2015-03-06"}, [("E1", date(2015, 3, 5))]),
        ({"reported_at": "2015-03-02 10:00", "returned_at": "2015-03-05"}, [("E1", date(2015, 3, 5))]),  # to 86h
        ({"reported_at": "2015-03-02 10:00", "returned_at": "2015-03-04"}, []),  # at most 62 hours
        ({"reported_at": "2015-03-02", "returned_at": "2015-03-05 00:00"}, []),  # at most 72 hours
        ({"reported_at": "2015-03-02", "returned_at": "2015-03-05 00:01"}, [("E1", date(2015, 3, 5))]),
        ({"reported_at": "2015-03-02 10:00", "returned_at": "2015-03-06"}, [("E1", date(2015, 3, 5))]),
        ({"category": "absent", "reported_at": "2015-03-02 10:00", "returned_at": "2015-03-20 10:00"}, []),
        ({"category": "away", "reported_at": "2015-03-02 10:00", "returned_at": None}, []),
        ({"reported_at": "2015-03-02 10:00", "returned_at": None}, [("E1", date(2015, 3, 5))]),  # still open
    ],
)
def test_missing_over_72_hours(episode, expected):
    assert alerts(episode, trigger="missing_over_72_hours") == expected


@pytest.mark.parametrize(
    ("as_of", "met"),
    [
        (date(2015, 3, 4), False),
        (date(2015, 3, 5), True),  # the 72-hour point falls that day
        (datetime(2015, 3, 5, 10, 0), False),  # exactly 72 hours open
        (datetime(2015, 3, 5, 10, 1), True),
    ],
)
def test_open_episode_counts_once_72_hours_have_passed_by_as_of(as_of, met):
    episode = {"reported_at": "2015-03-02 10:00", "returned_at": None}
    assert alerts(episode, trigger="missing_over_72_hours", as_of=as_of) == ([("E1", date(2015, 3, 5))] if met else [])


@pytest.mark.parametrize(
    ("reported", "first_met"),
    [
        ("2015-03-02 10:00", date(2015, 3, 13)),  # 72h point Thu 5th; deadline Thu 12th
        ("2015-03-03 10:00", date(2015, 3, 14)),  # point Fri 6th; deadline Fri 13th
        ("2015-03-04 10:00", date(2015, 3, 14)),  # point Sat 7th: Mon-Fri after it; deadline Fri 13th
        ("2015-03-05 10:00", date(2015, 3, 14)),  # point Sun 8th; deadline Fri 13th
        ("2015-03-06 10:00", date(2015, 3, 17)),  # point Mon 9th; deadline Mon 16th
        ("2015-03-04", date(2015, 3, 14)),  # date-only: point Sat 7th 00:00
    ],
)
def test_strategy_meeting_deadline_counts_working_days(reported, first_met):
    episode = {"reported_at": reported, "returned_at": None}
    assert alerts(episode, trigger="strategy_meeting_overdue") == [("E1", first_met)]


@pytest.mark.parametrize(
    ("meeting", "as_of", "overdue"),
    [
        (None, date(2015, 3, 13), False),  # the deadline day itself is not past
        (None, date(2015, 3, 14), True),
        ("2015-03-13 17:00", date(2015, 3, 20), False),  # held on the deadline
        ("2015-03-13", date(2015, 3, 20), False),
        ("2015-03-16 09:00", date(2015, 3, 20), True),  # held late
        ("2015-03-05 09:00", date(2015, 3, 20), False),  # held early
    ],
)
def test_strategy_meeting_overdue_uses_as_of_and_meeting_date(meeting, as_of, overdue):
    episode = {"reported_at": "2015-03-04 10:00", "returned_at": None, "strategy_meeting_at": meeting}
    expected = [("E1", date(2015, 3, 14))] if overdue else []
    assert alerts(episode, trigger="strategy_meeting_overdue", as_of=as_of) == expected


def test_no_strategy_meeting_needed_under_72_hours():
    episode = {"reported_at": "2015-03-02 10:00", "returned_at": "2015-03-05 10:00"}
    assert alerts(episode, trigger="strategy_meeting_overdue") == []


def place_rows(times, **place):
    return [{"child_id": f"C{i}", "reported_at": t, **place} for i, t in enumerate(times)]


FOUR = ["2015-03-01 10:00", "2015-03-05 10:00", "2015-03-10 10:00", "2015-03-20 10:00"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (place_rows([*FOUR, "2015-03-31 10:00"], establishment_id="H1"), [("H1", date(2015, 3, 31))]),  # 30 days
        (place_rows([*FOUR, "2015-03-31 10:01"], establishment_id="H1"), []),
        (place_rows([*FOUR, "2015-03-31"], establishment_id="H1"), [("H1", date(2015, 3, 31))]),
        (place_rows(FOUR, establishment_id="H1"), []),
        (
            place_rows([*FOUR, "2015-03-21 10:00", "2015-03-22 10:00"], establishment_id="H1"),
            [("H1", date(2015, 3, 21))],
        ),
        (place_rows([*FOUR, "2015-03-21 10:00"], from_postcode="B23 6AA"), [("B23 6AA", date(2015, 3, 21))]),
        (
            place_rows(FOUR, from_postcode="B23 6AA")
            + place_rows(["2015-03-21 10:00"], from_postcode="B23 6AA", establishment_id="H1"),
            [],
        ),
        (place_rows([*FOUR, "2015-03-21 10:00"]), []),  # no place known
    ],
)
def test_location_5_in_30_days_once_per_place(rows, expected):
    assert alerts(*rows, trigger="location_5_in_30_days") == expected


def test_trigger_table_columns_and_order():
    rows = place_rows([*FOUR, "2015-03-21 10:00"], establishment_id="H1") + [
        {**r, "returned_at": None}
        for r in missing_at("2015-01-01 10:00", "2015-01-02 10:00", "2015-01-03 10:00", child="C9")
    ]
    table = triggers(make_episodes(*rows), as_of=date(2015, 3, 1))
    assert table.columns.tolist() == ["trigger", "subject", "first_met", "episode_ids"]
    assert table["trigger"].tolist() == [
        "3_missing_in_90_days",
        "missing_over_72_hours",
        "missing_over_72_hours",
        "missing_over_72_hours",
        "strategy_meeting_overdue",
        "strategy_meeting_overdue",
        "strategy_meeting_overdue",
        "location_5_in_30_days",
    ]
    assert set(table["trigger"]) <= set(TRIGGERS)
    assert table["first_met"].tolist()[:4] == [date(2015, 1, 3), date(2015, 1, 4), date(2015, 1, 5), date(2015, 1, 6)]


def test_no_episodes_no_alerts():
    table = triggers(make_episodes({}).iloc[0:0], as_of=LATER)
    assert table.columns.tolist() == ["trigger", "subject", "first_met", "episode_ids"] and len(table) == 0


COUNCIL = TriggerThresholds(
    missing_count=4,
    missing_window_days=60,
    absent_count=2,
    absent_window_days=30,
    missing_over_hours=48,
    strategy_meeting_working_days=3,
    location_count=6,
    location_window_days=14,
)


@pytest.mark.parametrize(
    ("trigger", "label", "short", "subject"),
    [
        ("3_missing_in_90_days", "4 missing episodes within 60 days", "4 missing, 60 days", None),
        ("3_absent_in_90_days", "2 absent episodes within 30 days", "2 absent, 30 days", None),
        ("missing_over_72_hours", "Missing over 48 hours", "Missing over 48h", "Episode"),
        ("strategy_meeting_overdue", "Strategy meeting overdue", "Meeting overdue", "Episode"),
        ("location_5_in_30_days", "6 episodes from one place within 14 days", "6 from one place", "Place"),
    ],
)
def test_trigger_words_carry_the_councils_numbers(trigger, label, short, subject):
    words = trigger_words(COUNCIL)[trigger]
    assert (words.label, words.short, words.subject) == (label, short, subject)
    assert words.definition.endswith(".")


def test_every_trigger_has_words_in_order():
    assert tuple(trigger_words(COUNCIL)) == TRIGGERS
    overdue = trigger_words(COUNCIL)["strategy_meeting_overdue"].definition
    assert "missing over 48 hours with no strategy meeting within 3 working days" in overdue


@pytest.mark.parametrize(
    ("as_of", "thresholds"),
    [(date(2015, 3, 1), None), (date(2015, 1, 3), None), (LATER, COUNCIL), (datetime(2015, 1, 4, 10, 0), COUNCIL)],
)
def test_trigger_counts_are_the_lengths_of_the_lists(as_of, thresholds):
    rows = (
        place_rows([*FOUR, "2015-03-21 10:00", "2015-03-22"], establishment_id="H1")
        + place_rows([*FOUR, "2015-03-21 10:00"], from_postcode="B23 6AA")
        + missing_at("2015-01-01 10:00", "2015-01-02 10:00", "2015-01-03 10:00", "2015-01-04", child="C9")
        + missing_at("2015-02-01 10:00", "2015-02-02 10:00", child="C8", category="absent")
    )
    episodes = make_episodes(*rows)
    table = triggers(episodes, thresholds=thresholds, as_of=as_of)
    counts = trigger_counts(episodes, thresholds=thresholds, as_of=as_of)
    assert list(counts) == list(TRIGGERS)
    assert counts == {trigger: int((table["trigger"] == trigger).sum()) for trigger in TRIGGERS}
    assert sum(counts.values()) == len(table) > 0
    assert trigger_counts(episodes.iloc[0:0], as_of=LATER) == dict.fromkeys(TRIGGERS, 0)


@pytest.mark.parametrize(("as_of", "thresholds"), [(LATER, None), (date(2015, 1, 3), COUNCIL), (LATER, COUNCIL)])
def test_child_alerts_are_the_alerts_about_children_with_their_child(as_of, thresholds):
    """The meeting list's alerts: every alert `triggers` lists about a child or an episode, with the child
    `alert_children` finds behind it, and none about a place."""
    rows = (
        place_rows([*FOUR, "2015-03-21 10:00", "2015-03-22"], establishment_id="H1")
        + missing_at("2015-01-01 10:00", "2015-01-02 10:00", "2015-01-03 10:00", "2015-01-04", child="C9")
        + missing_at("2015-02-01 10:00", "2015-02-02 10:00", "2015-02-03 10:00", child="C8", category="absent")
        + missing_at("2015-02-05 10:00", child="C7")
    )
    episodes = make_episodes(*rows)
    listed = triggers(episodes, thresholds=thresholds, as_of=as_of)
    behind = alert_children(listed, episodes)
    expected = sorted(
        (alert.trigger, child, alert.first_met)
        for alert in behind.itertuples()
        if alert.trigger not in PLACE_TRIGGERS
        for child in alert.children
    )
    table = child_alerts(episodes, thresholds, as_of)
    assert table.columns.tolist() == ["trigger", "child_id", "first_met"]
    found = sorted(zip(table["trigger"], table["child_id"], table["first_met"].dt.date, strict=True))
    assert found == expected
    assert {"3_missing_in_90_days", "3_absent_in_90_days"} <= {t for t, _, _ in found}
    if thresholds is None:  # the defaults: an episode over 72 hours, and a place alert left out
        assert "missing_over_72_hours" in {t for t, _, _ in found}
        assert "location_5_in_30_days" in set(listed["trigger"])
