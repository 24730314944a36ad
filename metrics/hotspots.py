"""Places that come up again and again: where children go missing from and are found.

Episodes and distinct children by postcode district or sector of from_postcode,
by district of found_postcode, and by establishment; places not known are left out.
"""

from __future__ import annotations

import pandas as pd

HOTSPOT_PLACES = {
    "from_district": "from_district",
    "from_sector": "from_sector",
    "found_district": "found_district",
    "establishment": "establishment_id",
}


def hotspots(episodes: pd.DataFrame, by: str) -> pd.DataFrame:
    """place,episodes,children for one kind of place (`HOTSPOT_PLACES`), most episodes first, ties by place."""
    if by not in HOTSPOT_PLACES:
        raise ValueError(f"unknown hotspot place {by!r} (allowed: {', '.join(HOTSPOT_PLACES)})")
    frame = pd.DataFrame(
        {"place": episodes[HOTSPOT_PLACES[by]].astype("object"), "child_id": episodes["child_id"].astype("object")}
    ).dropna(subset=["place"])
    frame = frame[frame["place"].astype(str).str.strip() != ""]
    grouped = frame.groupby("place", sort=False)["child_id"]
    table = pd.DataFrame({"episodes": grouped.size(), "children": grouped.nunique()}).reset_index()
    table["place"] = table["place"].astype(str)
    table = table.astype({"episodes": "int64", "children": "int64"})
    return table.sort_values(["episodes", "place"], ascending=[False, True], ignore_index=True)[["place", "episodes", "children"]]
