"""Month by month: episodes and distinct children by calendar month and category."""

from __future__ import annotations

import pandas as pd


def trend(episodes: pd.DataFrame) -> pd.DataFrame:
    """month (YYYY-MM),category,episodes,children; only months and categories with episodes."""
    reported = episodes["reported_at"]
    frame = pd.DataFrame(
        {
            "month": (reported.dt.year * 100 + reported.dt.month).astype("int64"),
            "category": episodes["category"],
            "child_id": episodes["child_id"],
        }
    )
    grouped = frame.groupby(["month", "category"], observed=True, sort=True)["child_id"]
    table = pd.DataFrame({"episodes": grouped.size(), "children": grouped.nunique()}).reset_index()
    table = table[table["episodes"] > 0]
    table["month"] = [f"{m // 100:04d}-{m % 100:02d}" for m in table["month"]]
    table["category"] = table["category"].astype(str)
    return table.astype({"episodes": "int64", "children": "int64"}).reset_index(drop=True)
