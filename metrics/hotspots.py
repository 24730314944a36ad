"""Places that come up again and again: where children go missing from and are found.

Episodes and distinct children by postcode district or sector of from_postcode or
found_postcode, and by establishment; places not known are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.bands import episodes_and_children

HOTSPOT_PLACES = {
    "from_district": "from_district",
    "from_sector": "from_sector",
    "found_district": "found_district",
    "found_sector": "found_sector",
    "establishment": "establishment_id",
}


def hotspot_table_name(where: str, level: str) -> str:
    """The table (metrics.tables, and its publication rule in reports.tables) of children who went missing
    `from` or were `found` in each postcode `level` (district, sector): `hotspots_found_sector`."""
    by = f"{where}_{level}"
    if by not in HOTSPOT_PLACES:
        raise ValueError(f"unknown hotspot place {by!r} (allowed: {', '.join(HOTSPOT_PLACES)})")
    return f"hotspots_{by}"


def hotspots(episodes: pd.DataFrame, by: str) -> pd.DataFrame:
    """place,episodes,children for one kind of place (`HOTSPOT_PLACES`), most episodes first, ties by place."""
    if by not in HOTSPOT_PLACES:
        raise ValueError(f"unknown hotspot place {by!r} (allowed: {', '.join(HOTSPOT_PLACES)})")
    place_codes, places = pd.factorize(episodes[HOTSPOT_PLACES[by]])
    child_codes, _ = pd.factorize(episodes["child_id"])
    counts, children = episodes_and_children(place_codes, len(places), child_codes)
    table = pd.DataFrame(
        {"place": np.asarray(places, dtype=object).astype(str), "episodes": counts, "children": children}
    )
    table = table[table["place"].str.strip() != ""].astype({"episodes": "int64", "children": "int64"})
    return table.sort_values(["episodes", "place"], ascending=[False, True], ignore_index=True)
