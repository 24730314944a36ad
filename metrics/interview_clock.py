"""The 72-hour clock: returned children still waiting for a return interview, overdue first.

For the analyst who chases interviews. Waiting means a missing or absent
episode with a return and no interview held or closed (outcome blank or
`pending`). The clock runs from the return; a date-only return counts from
00:00 of its day, the earliest it may have been, so a deadline is never
shown later than it may be (domain.md section 4). Children placed out of
area, or placed here by another council, are marked: theirs are the
interviews most often missed.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from metrics.return_interviews import eligible_episodes
from metrics.time_limits import HOUR_NS

WAITING_OUTCOMES = ("pending",)
COLUMNS = [
    "child_id",
    "episode_id",
    "category",
    "missing_from",
    "returned_at",
    "rhi_offered_at",
    "rhi_outcome",
    "hours_left",
    "status",
    "placed_out_of_area",
    "placed_by_other_council",
    "placing_authority",
]


def _moment(as_of: date | datetime) -> pd.Timestamp:
    """A datetime is that moment; a date means the end of that day."""
    if isinstance(as_of, datetime):
        return pd.Timestamp(as_of)
    return pd.Timestamp(as_of) + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")


def waiting_for_interview(episodes: pd.DataFrame, as_of: date | datetime, limit_hours: int = 72) -> pd.DataFrame:
    """COLUMNS for each episode still waiting as at `as_of`, overdue first (longest overdue first), then
    fewest hours left. `hours_left` is negative once the 72 hours have passed."""
    moment = _moment(as_of)
    returned = episodes["returned_at"]
    waiting = (
        eligible_episodes(episodes)
        & (returned <= moment).to_numpy(dtype=bool)
        & episodes["rhi_completed_at"].isna().to_numpy()
        & (episodes["rhi_outcome"].isna() | episodes["rhi_outcome"].isin(WAITING_OUTCOMES)).to_numpy(dtype=bool)
    )
    # the columns the table needs, then the waiting rows: not every column of every waiting episode
    chosen = episodes[[c for c in COLUMNS if c in episodes] + ["out_of_area"]].loc[waiting]
    # returned_at of a date-only return is stored at 00:00: the earliest moment it may have been
    elapsed = (
        moment.to_datetime64().astype("datetime64[ns]").view("int64")
        - chosen["returned_at"].to_numpy(dtype="datetime64[ns]").view("int64")
    ) / HOUR_NS
    hours_left = np.floor((limit_hours - elapsed) * 10) / 10
    out_of_area = chosen["out_of_area"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    placing = chosen["placing_authority"].astype(object)
    table = pd.DataFrame(
        {
            "child_id": chosen["child_id"].astype(str).to_numpy(),
            "episode_id": chosen["episode_id"].astype(str).to_numpy(),
            "category": chosen["category"].astype(str).to_numpy(),
            "missing_from": chosen["missing_from"].astype(str).to_numpy(),
            "returned_at": chosen["returned_at"].to_numpy(),
            "rhi_offered_at": chosen["rhi_offered_at"].to_numpy(),
            "rhi_outcome": chosen["rhi_outcome"].astype(object).to_numpy(),
            "hours_left": hours_left,
            "status": np.where(hours_left < 0, "overdue", "due"),
            "placed_out_of_area": out_of_area,
            "placed_by_other_council": placing.notna().to_numpy(),
            "placing_authority": placing.to_numpy(),
        },
        columns=COLUMNS,
    )
    return table.sort_values(["hours_left", "episode_id"], ignore_index=True)
