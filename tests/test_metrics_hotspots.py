import pytest

from metrics.hotspots import hotspot_table_name, hotspots
from metrics.tables import TABLES
from metrics.trend import trend
from reports.tables import HOTSPOT_TABLES
from tests.support import make_episodes


@pytest.fixture(scope="module")
def frame():
    return make_episodes(
        {"child_id": "C1", "from_postcode": "B27 6BB", "found_postcode": "B23 6AA", "establishment_id": "H2"},
        {"child_id": "C1", "from_postcode": "B27 6BB", "found_postcode": "B23 6AA", "establishment_id": "H2"},
        {"child_id": "C2", "from_postcode": "B23 6AA", "found_postcode": None, "establishment_id": "H1"},
        {"child_id": "C3", "from_postcode": "B23 6AB", "found_postcode": "B99 9ZZ", "establishment_id": "H1"},
        {"child_id": "C4", "from_postcode": "B23 7AA"},
        {"child_id": "C5", "from_postcode": None},
    )


@pytest.mark.parametrize(
    ("by", "rows"),
    [
        # B23 has 3 episodes; B27 2; ties broken by place
        ("from_district", [["B23", 3, 3], ["B27", 2, 1]]),
        ("from_sector", [["B23 6", 2, 2], ["B27 6", 2, 1], ["B23 7", 1, 1]]),
        ("found_district", [["B23", 2, 1], ["B99", 1, 1]]),  # a postcode the directory lacks still has a district
        ("found_sector", [["B23 6", 2, 1], ["B99 9", 1, 1]]),
        ("establishment", [["H1", 2, 2], ["H2", 2, 1]]),
    ],
)
def test_hotspots_most_episodes_first_ties_by_place_unknown_left_out(frame, by, rows):
    table = hotspots(frame, by)
    assert table.columns.tolist() == ["place", "episodes", "children"]
    assert table.values.tolist() == rows


@pytest.mark.parametrize(
    ("where", "level", "name"),
    [
        ("from", "district", "hotspots_from_district"),
        ("from", "sector", "hotspots_from_sector"),
        ("found", "district", "hotspots_found_district"),
        ("found", "sector", "hotspots_found_sector"),
    ],
)
def test_hotspot_table_name_is_a_table_with_a_publication_rule(where, level, name):
    assert hotspot_table_name(where, level) == name
    assert name in TABLES and name in HOTSPOT_TABLES


@pytest.mark.parametrize(("where", "level"), [("from", "ward"), ("to", "sector"), ("establishment", "")])
def test_hotspot_table_name_refuses_unknown_places(where, level):
    with pytest.raises(ValueError, match="unknown hotspot place"):
        hotspot_table_name(where, level)


def test_hotspots_unknown_kind_raises():
    with pytest.raises(ValueError, match="ward"):
        hotspots(make_episodes({}), "ward")


def test_trend_by_month_and_category_only_rows_with_episodes():
    frame = make_episodes(
        {"child_id": "C1", "category": "missing", "reported_at": "2015-01-31 23:59"},
        {"child_id": "C1", "category": "missing", "reported_at": "2015-01-02"},
        {"child_id": "C2", "category": "missing", "reported_at": "2015-01-10 10:00"},
        {"child_id": "C1", "category": "away", "reported_at": "2015-01-10 10:00"},
        {"child_id": "C3", "category": "absent", "reported_at": "2015-02-01 00:00"},
        {"child_id": "C3", "category": "missing", "reported_at": "2015-12-01 00:00"},
    )
    table = trend(frame)
    assert table.columns.tolist() == ["month", "category", "episodes", "children"]
    assert table.values.tolist() == [
        ["2015-01", "missing", 3, 2],
        ["2015-01", "away", 1, 1],
        ["2015-02", "absent", 1, 1],
        ["2015-12", "missing", 1, 1],
    ]
