import math

import numpy as np
import pytest

from metrics.rounding import percent


@pytest.mark.parametrize(
    ("count", "denominator", "expected"),
    [
        (1, 8, 12.5),
        (1, 3, 33.3),
        (2, 3, 66.7),
        (3, 8, 37.5),
        (1, 16, 6.3),  # 6.25 rounds half up, not to even
        (1, 2000, 0.1),  # 0.05 rounds up
        (1, 2001, 0.0),
        (5, 5, 100.0),
        (0, 7, 0.0),
    ],
)
def test_percent_rounds_half_up_to_one_place(count, denominator, expected):
    assert percent(count, denominator) == expected


def test_percent_of_zero_denominator_is_blank():
    assert math.isnan(percent(0, 0))


def test_percent_takes_arrays():
    result = percent([1, 2, 0], [8, 3, 0])
    assert result[:2].tolist() == [12.5, 66.7]
    assert np.isnan(result[2])
