"""Data quality: how complete each field of the canonical file is, and which postcodes could not be placed.

Completeness is judged on the episodes a field applies to (a placement type
only for care episodes, a return interview only for returned missing or absent
episodes, ...), so a field reads 100% when it is filled wherever it should be.
A postcode that is well formed but not in the ONS directory counts as not
known: it cannot be mapped or give a distance.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from config.canonical import CANONICAL_COLUMNS
from metrics.filters import ETHNIC_GROUPS, NOT_KNOWN
from metrics.return_interviews import INTERVIEW_DUE_HOURS, eligible_episodes
from metrics.rounding import percent
from metrics.time_limits import certainly_within, may_exceed

COMPLETENESS_COLUMNS = ("field", "applies_to", "episodes", "known", "not_known", "percent_known")
UNRESOLVED_COLUMNS = ("postcode", "where", "episodes", "first_reported", "last_reported")
WELL_FILLED = 90.0  # percent known below which a field is called out

Rule = tuple[str, Callable[[pd.DataFrame], np.ndarray]]


def _all(episodes: pd.DataFrame) -> np.ndarray:
    return np.ones(len(episodes), dtype=bool)


def _care(episodes: pd.DataFrame) -> np.ndarray:
    return (episodes["missing_from"] == "care").to_numpy(dtype=bool)


def _returned(episodes: pd.DataFrame) -> np.ndarray:
    return episodes["returned_at"].notna().to_numpy()


def _police(episodes: pd.DataFrame) -> np.ndarray:
    return episodes["category"].isin(["missing", "absent"]).to_numpy(dtype=bool)


def _returned_missing(episodes: pd.DataFrame) -> np.ndarray:
    return (episodes["category"] == "missing").to_numpy(dtype=bool) & _returned(episodes)


def _completed(episodes: pd.DataFrame) -> np.ndarray:
    return (episodes["rhi_outcome"] == "completed").to_numpy(dtype=bool)


def _completed_late(episodes: pd.DataFrame) -> np.ndarray:
    """Completed interviews not certainly held within 72 hours of return: those owed a late reason."""
    return _completed(episodes) & ~certainly_within(episodes, "returned_at", "rhi_completed_at", INTERVIEW_DUE_HOURS)


def _missing_over_72_hours(episodes: pd.DataFrame) -> np.ndarray:
    """Missing episodes that may have lasted over 72 hours (as the alert judges them), or still open."""
    long = may_exceed(episodes, "reported_at", "returned_at", 72) | ~_returned(episodes)
    return (episodes["category"] == "missing").to_numpy(dtype=bool) & long


# field -> (who it applies to, which episodes)
APPLIES_TO: dict[str, Rule] = {
    "placement_type": ("care episodes", _care),
    "out_of_area": ("care episodes", _care),
    "placing_authority": ("care episodes (filled only when another council placed the child)", _care),
    "establishment_id": ("care episodes", _care),
    "establishment_name": ("care episodes", _care),
    "found_postcode": ("returned episodes", _returned),
    "police_risk": ("missing and absent episodes", _police),
    "safe_and_well_at": ("returned missing episodes", _returned_missing),
    "rhi_offered_at": ("returned missing and absent episodes", eligible_episodes),
    "rhi_outcome": ("returned missing and absent episodes", eligible_episodes),
    "rhi_completed_at": ("episodes with interview completed", _completed),
    "strategy_meeting_at": ("missing episodes over 72 hours or still open", _missing_over_72_hours),
    "rhi_conducted_by": ("episodes with interview completed", _completed),
    "rhi_late_reason": ("episodes with interview completed, not certainly within 72 hours", _completed_late),
    **{
        field: ("episodes with interview completed", _completed)
        for field in ("push_factors", "pull_factors", "disclosures", "follow_up")
    },
}
ALL_EPISODES: Rule = ("all episodes", _all)


def known_values(episodes: pd.DataFrame, field: str) -> np.ndarray:
    """Whether each episode has a usable value: given, and for postcodes found in the directory,
    for ethnicity not a refused / not obtained code."""
    if field in ("from_postcode", "found_postcode"):
        prefix = field.removesuffix("_postcode")
        unknown = episodes[f"{prefix}_unknown"].fillna(False).to_numpy(dtype=bool)
        return episodes[field].notna().to_numpy() & ~unknown
    if field == "ethnicity":
        return episodes[field].notna().to_numpy() & ~episodes[field].isin(ETHNIC_GROUPS[NOT_KNOWN]).to_numpy()
    return episodes[field].notna().to_numpy()


def completeness(episodes: pd.DataFrame) -> pd.DataFrame:
    """Every canonical field, in file order: the episodes it applies to, how many have it, the percent."""
    rows = []
    for field in CANONICAL_COLUMNS:
        applies_to, rule = APPLIES_TO.get(field, ALL_EPISODES)
        relevant = rule(episodes)
        known = int((known_values(episodes, field) & relevant).sum())
        total = int(relevant.sum())
        rows.append((field, applies_to, total, known, total - known))
    table = pd.DataFrame(rows, columns=list(COMPLETENESS_COLUMNS[:-1]))
    table["percent_known"] = percent(table["known"].to_numpy(), table["episodes"].to_numpy())
    return table


def poorly_filled(fields: pd.DataFrame, below: float = WELL_FILLED) -> pd.DataFrame:
    """The rows of a `completeness` table known in under `below` percent of the episodes they apply to
    (a field that applies to none is not called out)."""
    return fields[fields["percent_known"] < below]


def unresolved_postcodes(episodes: pd.DataFrame) -> pd.DataFrame:
    """Well-formed postcodes the ONS directory does not know, with how many episodes gave each
    (missing from or found at) and when: the list a data officer checks against the source."""
    parts = []
    for where in ("from", "found"):
        flagged = episodes.loc[episodes[f"{where}_unknown"].fillna(False).to_numpy(dtype=bool)]
        flagged = flagged.loc[flagged[f"{where}_postcode"].notna()]
        if flagged.empty:
            continue
        grouped = flagged.groupby(flagged[f"{where}_postcode"].astype(str), sort=False)["reported_at"]
        part = grouped.agg(episodes="size", first_reported="min", last_reported="max").reset_index()
        part = part.rename(columns={f"{where}_postcode": "postcode"})
        part.insert(1, "where", "missing from" if where == "from" else "found at")
        parts.append(part)
    if not parts:
        return pd.DataFrame(
            {
                "postcode": pd.Series(dtype="object"),
                "where": pd.Series(dtype="object"),
                "episodes": pd.Series(dtype="int64"),
                "first_reported": pd.Series(dtype="datetime64[ns]"),
                "last_reported": pd.Series(dtype="datetime64[ns]"),
            }
        )
    table = pd.concat(parts, ignore_index=True)
    table["episodes"] = table["episodes"].astype("int64")
    return table.sort_values(["episodes", "postcode", "where"], ascending=[False, True, True], ignore_index=True)[
        list(UNRESOLVED_COLUMNS)
    ]
