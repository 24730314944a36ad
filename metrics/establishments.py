"""Children's homes and other placements: which establishments do children go missing from,
how many children, how often each, and is it getting better or worse?"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.filters import month_labels
from metrics.rounding import percent


def establishment_labels(episodes: pd.DataFrame) -> dict[str, str]:
    """establishment_id -> "Name (id)" ("id" alone where no name is recorded), as people know them."""
    frame = episodes[["establishment_id", "establishment_name"]].dropna(subset=["establishment_id"])
    frame = frame.astype("object")
    named = frame.dropna(subset=["establishment_name"]).drop_duplicates("establishment_id")
    names = dict(zip(named["establishment_id"].astype(str), named["establishment_name"].astype(str), strict=True))
    return {
        place: (f"{names[place]} ({place})" if names.get(place, "").strip() else place)
        for place in frame["establishment_id"].astype(str).unique()
    }


def with_episodes_per_child(table: pd.DataFrame) -> pd.DataFrame:
    """A `place,episodes,children` table with episodes_per_child (1 dp, half up); blank where
    either count is blank (suppressed) or there are no children."""
    episodes = pd.to_numeric(table["episodes"], errors="coerce")
    children = pd.to_numeric(table["children"], errors="coerce")
    known = (episodes.notna() & children.notna()).to_numpy()
    # percent(e, 100 c) = e / c to 1 dp, half up, in exact integer arithmetic
    ratio = np.full(len(table), np.nan)
    if known.any():
        ratio[known] = percent(episodes[known].to_numpy(dtype="int64"), 100 * children[known].to_numpy(dtype="int64"))
    return table.assign(episodes_per_child=ratio)


def establishment_trend(episodes: pd.DataFrame, places: list[str]) -> pd.DataFrame:
    """month,place,episodes,children for the given establishment ids (months with episodes only)."""
    # the three columns read, not every column of the chosen rows
    chosen = episodes.loc[
        episodes["establishment_id"].isin(places).to_numpy(dtype=bool), ["reported_at", "establishment_id", "child_id"]
    ]
    if chosen.empty:
        return pd.DataFrame({"month": [], "place": [], "episodes": [], "children": []}).astype(
            {"episodes": "int64", "children": "int64"}
        )
    frame = pd.DataFrame(
        {
            "month": month_labels(chosen["reported_at"]),
            "place": chosen["establishment_id"].astype(str).to_numpy(),
            "child_id": chosen["child_id"].to_numpy(),
        }
    )
    table = frame.groupby(["month", "place"]).agg(episodes=("child_id", "size"), children=("child_id", "nunique"))
    return table.reset_index().astype({"episodes": "int64", "children": "int64"})
