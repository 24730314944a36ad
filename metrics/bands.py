"""Band tables over episodes or children: count and percent in every band, in order.

Each function takes episodes already chosen by `filters.select_episodes`
(derived columns are added when missing) and returns `band,count,percent`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.filters import DISTANCE_BANDS, DURATION_BANDS, distinct_sorted, ensure_derived, locality_names, run_starts
from metrics.rounding import percent

REPEAT_BANDS = ("1-2", "3-5", "6-8", "9-19", "20+")
REPEAT_EDGES = (1, 3, 6, 9, 20)
PERSISTENT_FROM = 4  # a persistent runaway has more than 3 episodes in the period


def band_table(codes: np.ndarray, bands: tuple[str, ...]) -> pd.DataFrame:
    """Count of each band position (0..len-1) with its share of all positions given."""
    counts = np.bincount(np.asarray(codes, dtype="int64"), minlength=len(bands))[: len(bands)]
    return pd.DataFrame(
        {
            "band": list(bands),
            "count": counts.astype("int64"),
            "percent": percent(counts, np.full(len(bands), len(codes))),
        }
    )


def category_band_table(values: pd.Series | pd.Categorical, bands: tuple[str, ...]) -> pd.DataFrame:
    """A band table of a categorical column whose categories are exactly `bands`."""
    categorical = pd.Categorical(values, categories=list(bands))
    return band_table(categorical.codes, bands)


def duration_bands(episodes: pd.DataFrame) -> pd.DataFrame:
    """Time missing (returned_at - reported_at) in bands; denominator episodes."""
    return category_band_table(ensure_derived(episodes)["duration_band"], DURATION_BANDS)


def distance_bands(episodes: pd.DataFrame) -> pd.DataFrame:
    """Distance from home/placement to where found, in bands; denominator episodes."""
    return category_band_table(ensure_derived(episodes)["distance_band"], DISTANCE_BANDS)


def locality_bands(episodes: pd.DataFrame) -> pd.DataFrame:
    """Episodes by the locality of from_postcode; denominator episodes."""
    return category_band_table(ensure_derived(episodes)["locality"], locality_names())


def episodes_per_child(episodes: pd.DataFrame) -> pd.Series:
    """Number of episodes of each child in the frame, indexed by child_id."""
    codes, children = pd.factorize(episodes["child_id"])
    return pd.Series(np.bincount(codes, minlength=len(children)), index=pd.Index(children, name="child_id"))


def first_per_child(episodes: pd.DataFrame, latest: bool = False) -> pd.DataFrame:
    """One episode per child: the first reported in the frame, or the latest (ties: frame order)."""
    codes, _ = pd.factorize(episodes["child_id"])
    times = episodes["reported_at"].to_numpy(dtype="datetime64[ns]").view("int64")
    order = np.lexsort((times, codes))  # stable: equal times keep frame order
    ordered = codes[order]
    if latest:
        edge = np.append(ordered[1:] != ordered[:-1], True)
    else:
        edge = run_starts(ordered)
    return episodes.iloc[order[edge[: len(order)]]]


def episodes_and_children(
    group_codes: np.ndarray, groups: int, child_codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Episodes and distinct children in each group, from integer codes (group -1 = left out)."""
    keep = group_codes >= 0
    group_codes, child_codes = group_codes[keep].astype("int64"), child_codes[keep].astype("int64")
    episodes = np.bincount(group_codes, minlength=groups)
    span = int(child_codes.max()) + 1 if len(child_codes) else 1
    pairs = distinct_sorted(group_codes * span + child_codes)
    return episodes, np.bincount(pairs // span, minlength=groups)


def repeat_bands(episodes: pd.DataFrame) -> pd.DataFrame:
    """Children by how many episodes they had in the period; denominator children."""
    counts = episodes_per_child(episodes).to_numpy()
    codes = np.searchsorted(np.asarray(REPEAT_EDGES), counts, side="right") - 1
    return band_table(codes, REPEAT_BANDS)


def persistent_children(episodes: pd.DataFrame) -> pd.DataFrame:
    """Children with 4 or more episodes in the frame (persistent runaways), most episodes first."""
    counts = episodes_per_child(episodes)
    counts = counts[counts.to_numpy() >= PERSISTENT_FROM]
    table = pd.DataFrame({"child_id": counts.index.astype(str), "episodes": counts.to_numpy(dtype="int64")})
    return table.sort_values(["episodes", "child_id"], ascending=[False, True], ignore_index=True)
