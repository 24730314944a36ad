"""Band tables per group and the trend window."""

from datetime import date

import pytest

from metrics.bands import duration_bands
from metrics.groups import bands_by_group
from metrics.trend import last_months
from tests.support import make_episodes


def test_bands_by_group_has_every_group_with_its_own_denominator():
    frame = make_episodes(
        {"missing_from": "home", "returned_at": "2015-03-02 12:00"},
        {"missing_from": "care", "returned_at": "2015-03-02 12:00"},
        {"missing_from": "care", "returned_at": "2015-03-03 12:00"},
    )
    table = bands_by_group(frame, duration_bands, "missing_from")
    assert list(table.columns) == ["group", "band", "count", "percent"]
    rows = {(g, b): (c, p) for g, b, c, p in table.itertuples(index=False, name=None)}
    assert rows[("home", "0-8 hrs")] == (1, 100.0)
    assert rows[("care", "0-8 hrs")] == (1, 50.0)
    assert rows[("care", "24-48 hrs")] == (1, 50.0)
    assert list(dict.fromkeys(table["group"])) == ["home", "care"]
    by_category = bands_by_group(frame, duration_bands, "category")
    assert list(dict.fromkeys(by_category["group"])) == ["missing", "absent", "away"]
    away = by_category[by_category["group"] == "away"]
    assert away["count"].sum() == 0 and away["percent"].isna().all()


@pytest.mark.parametrize(
    ("end", "months", "start"),
    [
        (date(2015, 4, 30), 12, date(2014, 5, 1)),
        (date(2015, 12, 31), 12, date(2015, 1, 1)),
        (date(2015, 1, 15), 3, date(2014, 11, 1)),
        (date(2015, 3, 31), 1, date(2015, 3, 1)),
    ],
)
def test_last_months(end, months, start):
    assert last_months(end, months) == (start, end)
