"""What the police and the council's SSDA903 return would each have recorded of the sample's episodes,
with the disagreements real records show, so the Reconciliation page has work to show (domain.md section 11).

Police record every missing and absent episode with its times. For part of
the children in care the council's return records the same events as
date-only periods (M missing, A away), and some of them disagree: a period
the police never had, a police episode the return left out, police `absent`
recorded as missing, police `missing` recorded as away, a return date days
apart. Every share below is of the compared episodes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from config.canonical import CONTRIBUTION_COLUMNS as COLUMNS

IN_RETURN = 0.35  # of the children with a care episode
POLICE_ONLY = 0.02  # a police episode the return left out
COUNCIL_ONLY = 0.02  # a period in the return the police never had (an extra one)
ABSENT_AS_MISSING = 0.15  # of police absent episodes (the rest the council records as away)
MISSING_AS_AWAY = 0.03  # of police missing episodes
RETURN_DAYS_APART = 0.04  # of returned ones: the return's end date two to five days later


def contributions(episodes: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Police rows for the sample's missing and absent episodes, SSDA903 rows for part of the care children."""
    rng = np.random.default_rng(seed + 903)
    episodes = episodes.sort_values(["child_id", "reported_at", "episode_id"], ignore_index=True)
    police = episodes[episodes["category"].isin(["missing", "absent"])].assign(source="police")
    in_care = np.sort(episodes.loc[episodes["missing_from"] == "care", "child_id"].unique())
    chosen = in_care[rng.random(len(in_care)) < IN_RETURN]
    care = episodes[(episodes["missing_from"] == "care") & episodes["child_id"].isin(chosen)]
    roll = rng.random(len(care))
    council = care[roll >= POLICE_ONLY].copy()  # the left-out ones stay police only
    category = council["category"].astype(str).to_numpy(dtype=object)
    draw = rng.random(len(council))
    category = np.where(category == "absent", np.where(draw < ABSENT_AS_MISSING, "missing", "away"), category)
    category = np.where((council["category"] == "missing").to_numpy() & (draw < MISSING_AS_AWAY), "away", category)
    council["category"] = category
    returned = council["returned_at"].dt.normalize()
    late = (rng.random(len(council)) < RETURN_DAYS_APART) & returned.notna().to_numpy()
    shift = pd.to_timedelta(rng.integers(2, 6, len(council)), unit="D")
    council["returned_at"] = returned.where(~late, returned + shift)
    council["reported_at"] = council["reported_at"].dt.normalize()
    extra = council.sample(frac=COUNCIL_ONLY, random_state=seed).copy()
    extra["reported_at"] = extra["reported_at"] + pd.Timedelta(days=10)
    extra["returned_at"] = extra["reported_at"] + pd.Timedelta(days=1)
    extra["category"] = "missing"
    council = pd.concat([council, extra])
    day = council["reported_at"].dt.strftime("%Y-%m-%d")
    council["episode_id"] = "903-" + council["child_id"].astype(str) + "-" + day
    nth = council.groupby("episode_id").cumcount()
    council["episode_id"] = council["episode_id"].where(nth == 0, council["episode_id"] + "-" + (nth + 1).astype(str))
    council = council.assign(source="ssda903", reported_at_date_only=True, returned_at_date_only=True)
    police = police.assign(reported_at_date_only=False, returned_at_date_only=False)
    frame = pd.concat([police, council], ignore_index=True)
    frame["returned_at_date_only"] = frame["returned_at_date_only"] & frame["returned_at"].notna()
    for column in ("category", "missing_from", "child_id"):
        frame[column] = frame[column].astype(str)
    return frame[list(COLUMNS)]
