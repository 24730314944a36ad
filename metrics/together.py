"""Children who go missing together: different children leaving the same place within an hour.

The place is the establishment when given, else the full from_postcode.
Episodes are sorted by place and time and each is paired only with the
episodes after it inside the window, so a busy place does not cost
episodes x episodes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import config
from metrics.filters import first_known

PAIR_COLUMNS = [
    "place",
    "child_a",
    "episode_a",
    "reported_at_a",
    "child_b",
    "episode_b",
    "reported_at_b",
    "minutes_apart",
]
SECOND_NS = 1_000_000_000


def episode_place(episodes: pd.DataFrame) -> pd.Series:
    """establishment_id, else from_postcode, else missing: where an episode started."""
    return first_known(episodes["establishment_id"], episodes["from_postcode"])


def missing_together(episodes: pd.DataFrame, window_minutes: int | None = None) -> pd.DataFrame:
    """Pairs of episodes of two different children from one place, reported at most `window_minutes` apart."""
    if window_minutes is None:
        window_minutes = int(config.settings()["missing_together"]["window_minutes"])
    place = episode_place(episodes)
    keep = np.flatnonzero((place.notna() & episodes["reported_at"].notna()).to_numpy())
    if not len(keep):
        return pd.DataFrame(columns=PAIR_COLUMNS)
    place_codes, place_names = pd.factorize(place.iloc[keep])
    times = episodes["reported_at"].to_numpy(dtype="datetime64[ns]")[keep].view("int64")
    child_codes = pd.factorize(episodes["child_id"])[0][keep]
    order = np.lexsort((times, place_codes))
    place_codes, times, child_codes, rows = place_codes[order], times[order], child_codes[order], keep[order]

    window_ns = window_minutes * 60 * SECOND_NS
    seconds = (times - times.min()) // SECOND_NS
    span = int(seconds.max()) + window_minutes * 60 + 1
    key = place_codes.astype("int64") * span + seconds
    ends = np.searchsorted(key, key + window_minutes * 60, side="right")
    counts = ends - np.arange(len(key)) - 1
    first = np.repeat(np.arange(len(key)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    second = first + 1 + offsets
    real = (child_codes[first] != child_codes[second]) & (times[second] - times[first] <= window_ns)
    first, second = first[real], second[real]

    def column(name: str, positions: np.ndarray) -> np.ndarray:
        return episodes[name].iloc[rows[positions]].to_numpy(dtype=object)

    child_first, child_second = column("child_id", first), column("child_id", second)
    id_first, id_second = column("episode_id", first), column("episode_id", second)
    swap = child_first > child_second
    pairs = pd.DataFrame(
        {
            "place": np.asarray(place_names, dtype=object)[place_codes[first]],
            "child_a": np.where(swap, child_second, child_first),
            "episode_a": np.where(swap, id_second, id_first),
            "reported_at_a": np.where(swap, times[second], times[first]).view("datetime64[ns]"),
            "child_b": np.where(swap, child_first, child_second),
            "episode_b": np.where(swap, id_first, id_second),
            "reported_at_b": np.where(swap, times[first], times[second]).view("datetime64[ns]"),
            "minutes_apart": np.abs(times[second] - times[first]) / (60 * SECOND_NS),
        }
    )
    return pairs.sort_values(["reported_at_a", "place", "child_a", "child_b"], ignore_index=True)


def together_children(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of children: how often they went missing together, and from how many places."""
    grouped = pairs.groupby(["child_a", "child_b"], sort=True)
    table = pd.DataFrame({"times": grouped.size(), "places": grouped["place"].nunique()}).reset_index()
    return table.sort_values(["times", "child_a", "child_b"], ascending=[False, True, True], ignore_index=True)
