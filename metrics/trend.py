"""Month by month: episodes and distinct children by calendar month and category."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from metrics.bands import episodes_and_children


def trend(episodes: pd.DataFrame) -> pd.DataFrame:
    """month (YYYY-MM),category,episodes,children; only months and categories with episodes."""
    reported = pd.DatetimeIndex(episodes["reported_at"])
    months = (reported.year.to_numpy() * 12 + reported.month.to_numpy() - 1).astype("int64")
    categories = pd.Categorical(episodes["category"])
    first = int(months.min()) if len(months) else 0
    n_categories = len(categories.categories)
    span = (int(months.max()) - first + 1) if len(months) else 0
    groups = np.where(categories.codes >= 0, (months - first) * n_categories + categories.codes, -1)
    child_codes, _ = pd.factorize(episodes["child_id"])
    counts, children = episodes_and_children(groups, span * n_categories, child_codes)
    present = np.flatnonzero(counts)
    month = first + present // max(n_categories, 1)
    return pd.DataFrame(
        {
            "month": [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in month],
            "category": [str(categories.categories[c]) for c in present % max(n_categories, 1)],
            "episodes": counts[present].astype("int64"),
            "children": children[present].astype("int64"),
        }
    )


def last_months(end: date, months: int = 12) -> tuple[date, date]:
    """The `months` calendar months ending with the month of `end`: (first day, `end`)."""
    index = end.year * 12 + end.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1), end


TREND_MONTHS = 24  # a process-behaviour chart needs history: 12 points at least, 24 to see a shift


def trend_window(start: date, end: date, months: int = TREND_MONTHS) -> tuple[date, date]:
    """The months a trend chart shows: the period, reaching back to `months` calendar months
    before its end when it is shorter (a month or a year alone cannot show a change)."""
    first, _ = last_months(end, months)
    return min(start, first), end
