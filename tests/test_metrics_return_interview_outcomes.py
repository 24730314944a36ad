"""Return interviews by outcome and by month."""

import pytest

from metrics.return_interviews import OUTCOME_BANDS, monthly_return_interviews, outcome_bands
from tests.support import make_episodes

RETURNED = {"returned_at": "2015-03-02 10:00"}


@pytest.mark.parametrize(
    ("rows", "counts"),
    [
        ([{"rhi_outcome": "declined"}], {"declined": 1}),
        ([{}], {"Not recorded": 1}),
        ([{"category": "away", "rhi_outcome": "declined"}], {}),  # away: not eligible
        ([{"returned_at": None, "rhi_outcome": "pending"}], {}),  # not returned: not eligible
        (
            [{"rhi_outcome": "completed", "rhi_completed_at": "2015-03-03 10:00"}, {"rhi_outcome": "pending"}, {}, {}],
            {"completed": 1, "pending": 1, "Not recorded": 2},
        ),
    ],
)
def test_outcome_bands(rows, counts):
    table = outcome_bands(make_episodes(*({**RETURNED, **row} for row in rows)))
    assert list(table["band"]) == list(OUTCOME_BANDS)
    assert dict(zip(table["band"], table["count"], strict=True)) == {
        band: counts.get(band, 0) for band in OUTCOME_BANDS
    }
    total = sum(counts.values())
    if total:
        assert dict(zip(table["band"], table["percent"], strict=True))["Not recorded"] == round(
            100 * counts.get("Not recorded", 0) / total, 1
        )


def test_monthly_rates_by_month_of_report():
    table = monthly_return_interviews(
        make_episodes(
            {
                "reported_at": "2015-02-27 10:00",
                "returned_at": "2015-02-28 10:00",
                "rhi_offered_at": "2015-03-01 10:00",
            },
            {"reported_at": "2015-02-28 10:00", "returned_at": "2015-02-28 12:00"},
            {
                "reported_at": "2015-03-02 10:00",
                "returned_at": "2015-03-02 12:00",
                "rhi_offered_at": "2015-03-09 10:00",
            },
        )
    )
    rows = {(m, k): (c, d, p) for m, k, c, d, p in table.itertuples(index=False, name=None)}
    assert rows[("2015-02", "offered")] == (1, 2, 50.0)
    assert rows[("2015-02", "offered_within_72h")] == (1, 2, 50.0)
    assert rows[("2015-03", "offered")] == (1, 1, 100.0)
    assert rows[("2015-03", "offered_within_72h")] == (0, 1, 0.0)
    assert {k for _, k in rows} == {"offered", "offered_within_72h", "completed", "completed_within_72h"}
    assert monthly_return_interviews(make_episodes({}).iloc[0:0]).empty
