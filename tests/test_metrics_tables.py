from datetime import date

import pytest

from metrics.tables import TABLES, headline_counts, metric_table
from tests.support import make_episodes

CLI_TABLES = [
    "duration",
    "distance",
    "repeat",
    "sex",
    "ethnic_group",
    "age_band",
    "home_care",
    "locality",
    "return_interviews",
    "hotspots_from_district",
    "hotspots_from_sector",
    "hotspots_found_district",
    "hotspots_found_sector",
    "hotspots_establishment",
    "trend",
    "triggers",
    "rhi_conducted_by",
    "rhi_late_reasons",
    "rhi_push_factors",
    "rhi_pull_factors",
    "rhi_disclosures",
    "rhi_follow_up",
]
COLUMNS = {
    "return_interviews": ["group", "measure", "count", "denominator", "percent"],
    "trend": ["month", "category", "episodes", "children"],
    "triggers": ["trigger", "subject", "first_met"],
}


@pytest.fixture(scope="module")
def frame():
    return make_episodes(
        *[
            {
                "child_id": "C1",
                "reported_at": f"2015-03-0{d} 10:00",
                "returned_at": f"2015-03-0{d} 12:00",
                "from_postcode": "B23 6AA",
                "found_postcode": "B27 6BB",
                "establishment_id": "H1",
                "sex": "female",
            }
            for d in range(1, 5)
        ],
        {
            "child_id": "C2",
            "category": "absent",
            "missing_from": "home",
            "reported_at": "2015-03-31 23:00",
            "sex": "male",
        },
        {"child_id": "C3", "reported_at": "2015-04-01 00:00"},
        {"child_id": "C3", "reported_at": "2015-02-28 23:59"},
    )


def test_every_cli_table_is_there():
    assert list(TABLES) == CLI_TABLES


@pytest.mark.parametrize("name", CLI_TABLES)
def test_each_table_has_the_cli_columns(frame, name):
    table = metric_table(name, frame, date(2015, 3, 1), date(2015, 3, 31), as_of=date(2015, 6, 1))
    expected = COLUMNS.get(
        name, ["place", "episodes", "children"] if name.startswith("hotspots") else ["band", "count", "percent"]
    )
    assert table.columns.tolist() == expected
    assert len(table) > 0


@pytest.mark.parametrize(
    ("name", "filters", "rows"),
    [
        (
            "duration",
            None,
            [
                ["0-8 hrs", 4, 80.0],
                ["8-16 hrs", 0, 0.0],
                ["16-24 hrs", 0, 0.0],
                ["24-48 hrs", 0, 0.0],
                ["2-7 days", 0, 0.0],
                ["7+ days", 0, 0.0],
                ["Not known", 1, 20.0],
            ],
        ),
        (
            "sex",
            {"category": ["absent"]},
            [["female", 0, 0.0], ["male", 1, 100.0], ["other", 0, 0.0], ["Not known", 0, 0.0]],
        ),
        ("hotspots_establishment", None, [["H1", 4, 1]]),
        ("hotspots_found_district", {"missing_from": ["home"]}, []),
        ("trend", None, [["2015-03", "missing", 4, 1], ["2015-03", "absent", 1, 1]]),
        ("triggers", {"locality": ["East"]}, [["3_missing_in_90_days", "C1", date(2015, 3, 3)]]),
    ],
)
def test_metric_table_selects_period_and_filters(frame, name, filters, rows):
    table = metric_table(name, frame, date(2015, 3, 1), date(2015, 3, 31), filters, as_of=date(2015, 6, 1))
    assert table.values.tolist() == rows


def test_metric_table_rejects_unknown_table_and_filter(frame):
    with pytest.raises(ValueError, match="speed"):
        metric_table("speed", frame, date(2015, 3, 1), date(2015, 3, 31))
    with pytest.raises(ValueError, match="colour"):
        metric_table("sex", frame, date(2015, 3, 1), date(2015, 3, 31), {"colour": ["red"]})


def test_headline_counts(frame):
    counts = headline_counts(frame.iloc[:5])
    assert counts == {
        "episodes": 5,
        "children": 2,
        "missing": 4,
        "absent": 1,
        "away": 0,
        "home": 1,
        "care": 4,
        "persistent_runaways": 1,
        "open_episodes": 1,
    }
