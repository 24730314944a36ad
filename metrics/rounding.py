"""Percentages as the council publishes them: half up to one decimal place.

Counts are whole numbers, so the rounding is done in integers and never
suffers from binary floating point (1/8 is 12.5, not 12.499999...).
"""

from __future__ import annotations

import numpy as np


def percent(count, denominator):
    """count / denominator as a percentage, half up to 1 dp; NaN when the denominator is 0.

    Takes scalars or array-likes of whole numbers; returns a float or a float array.
    """
    counts = np.asarray(count, dtype="int64")
    denominators = np.asarray(denominator, dtype="int64")
    safe = np.where(denominators == 0, 1, denominators)
    # round(1000 c / d) half up == floor((2000 c + d) / (2 d)), exact in integers
    tenths = (2000 * counts + safe) // (2 * safe)
    result = np.where(denominators == 0, np.nan, tenths / 10.0)
    return float(result) if result.ndim == 0 else result
