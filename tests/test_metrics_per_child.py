"""Missing against absent per child: the grid and the summary, as tables of cases."""

import pytest

from metrics.per_child import missing_absent_grid, missing_absent_summary
from tests.support import make_episodes


def episodes(*pairs: tuple[str, str]):
    """(child, category) pairs as episodes."""
    return make_episodes(*({"child_id": child, "category": category} for child, category in pairs))


@pytest.mark.parametrize(
    ("pairs", "grid", "summary"),
    [
        ([("C1", "missing")], [("1", "0", 1)], (1, 0, 0)),
        ([("C1", "absent"), ("C1", "absent")], [("0", "2", 1)], (0, 1, 0)),
        ([("C1", "away")], [], (0, 0, 0)),  # only away: in neither count
        (
            [("C1", "missing"), ("C1", "absent"), ("C2", "absent"), ("C2", "missing"), ("C3", "missing")],
            [("1", "0", 1), ("1", "1", 2)],
            (1, 0, 2),
        ),
        (
            [("C1", "missing")] * 12 + [("C1", "absent")] * 10 + [("C2", "absent")] * 9,
            [("0", "9", 1), ("10+", "10+", 1)],
            (0, 1, 1),
        ),
    ],
)
def test_missing_absent_grid(pairs, grid, summary):
    frame = episodes(*pairs)
    table = missing_absent_grid(frame)
    assert list(table.columns) == ["missing", "absent", "children"]
    assert list(table.itertuples(index=False, name=None)) == grid
    assert tuple(missing_absent_summary(frame).values()) == summary


def test_grid_orders_counts_as_numbers_not_text():
    frame = episodes(*([("C1", "missing")] * 2 + [("C2", "missing")] * 10 + [("C3", "missing")] * 3))
    assert list(missing_absent_grid(frame)["missing"]) == ["2", "3", "10+"]
