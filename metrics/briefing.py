"""A child's briefing (issue: who needs attention now): one page a police officer or social worker
takes into the Operational Group. Child-level: analysts only, every briefing audited.

Pure: the child's episodes (and, for associates, everyone's up to the date)
in, small tables out. No other child is named except the child's associates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from config.canonical import CATEGORIES, NOT_KNOWN
from metrics.attention import AttentionSettings, escalation_table
from metrics.children import child_facts
from metrics.escalation import REASON_WORDING
from metrics.filters import DURATION_BANDS, ensure_derived
from metrics.return_interviews import eligible_episodes
from metrics.time_limits import date_only_flags
from metrics.together import associates as pairs_of_children
from metrics.together import episode_place, found_together_rows, missing_together_rows
from metrics.trend import last_months
from metrics.triggers import PLACE_TRIGGERS, triggers

TIMES_OF_DAY = ("00:00-05:59", "06:00-11:59", "12:00-17:59", "18:00-23:59", NOT_KNOWN)
RISK_COLUMNS = ["reported", "category", "police_risk", "rag", "duration", "found_in", "exploitation", "interview"]
# what `metrics.together`'s missing_together and found_together read of the episodes
PAIR_READS = (
    "episode_id",
    "child_id",
    "reported_at",
    "returned_at",
    "establishment_id",
    "from_postcode",
    "found_postcode",
)


@dataclass(frozen=True)
class Briefing:
    """What the one page shows, each part a small table (or words) the Word file and the page lay out."""

    child_id: str
    as_of: date
    period: tuple[date, date]
    facts: dict
    by_month: pd.DataFrame  # month, missing, absent, away
    durations: pd.DataFrame  # band, episodes
    times_of_day: pd.DataFrame  # band, episodes
    found: pd.DataFrame  # place, episodes, median_miles
    associates: pd.DataFrame  # associate, missing_together, found_together, first_linked
    interviews: pd.DataFrame  # outcome, episodes
    themes: pd.DataFrame  # theme, value, interviews (empty until interview content is recorded)
    alerts: pd.DataFrame  # trigger, first_met
    escalation: pd.DataFrame  # reason, first_met
    risk_history: pd.DataFrame  # RISK_COLUMNS, latest first


def _months(period: tuple[date, date]) -> list[str]:
    first, last = period
    index = range(first.year * 12 + first.month - 1, last.year * 12 + last.month)
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in index]


def _by_month(mine: pd.DataFrame, period: tuple[date, date]) -> pd.DataFrame:
    months = _months(period)
    counts = pd.crosstab(mine["reported_at"].dt.strftime("%Y-%m"), mine["category"].astype(str))
    table = counts.reindex(index=months, columns=list(CATEGORIES), fill_value=0).rename_axis(index="month")
    return table.reset_index().rename_axis(columns=None)


def _band_counts(values: pd.Series, bands: tuple[str, ...], name: str) -> pd.DataFrame:
    counts = values.astype(str).value_counts()
    return pd.DataFrame({name: list(bands), "episodes": [int(counts.get(b, 0)) for b in bands]})


def _times_of_day(mine: pd.DataFrame) -> pd.Series:
    hours = mine["reported_at"].dt.hour.to_numpy()
    labels = np.asarray(TIMES_OF_DAY[:4], dtype=object)[np.minimum(hours // 6, 3)]
    return pd.Series(np.where(date_only_flags(mine, "reported_at"), NOT_KNOWN, labels), index=mine.index)


def _found(mine: pd.DataFrame, limit: int = 5) -> pd.DataFrame:
    place = mine["found_sector"].fillna(mine["found_district"]) if "found_sector" in mine else mine["found_district"]
    known = mine.assign(place=place).dropna(subset=["place"])
    if known.empty:
        return pd.DataFrame(columns=["place", "episodes", "median_miles"])
    grouped = known.groupby("place")
    table = pd.DataFrame({"episodes": grouped.size(), "median_miles": grouped["distance_miles"].median().round(1)})
    table = table.reset_index().sort_values(["episodes", "place"], ascending=[False, True])
    return table.head(limit).reset_index(drop=True)


def _themes(completed: pd.DataFrame) -> pd.DataFrame:
    """Push and pull factors and disclosures recorded at completed interviews, where recorded."""
    rows = []
    for column in ("push_factors", "pull_factors", "disclosures"):
        if column not in completed:
            continue
        values = completed[column].dropna().astype(str).str.split(";").explode().str.strip()
        for value, count in values[values != ""].value_counts().items():
            rows.append((column.replace("_", " "), value.replace("_", " "), int(count)))
    return pd.DataFrame(rows, columns=["theme", "value", "interviews"])


def _risk_history(mine: pd.DataFrame, limit: int) -> pd.DataFrame:
    latest = mine.sort_values(["reported_at", "episode_id"], ascending=False).head(limit)

    def text(value: object) -> str:
        return NOT_KNOWN if value is None or pd.isna(value) else str(value).replace("_", " ")

    exploitation = [
        ", ".join(name for name, flag in (("CSE", cse), ("CCE", cce)) if flag is True) or "none recorded"
        for cse, cce in zip(latest["cse_concern"].astype(object), latest["cce_concern"].astype(object), strict=True)
    ]
    return pd.DataFrame(
        {
            "reported": [
                f"{t:%d %b %Y}" if only else f"{t:%d %b %Y %H:%M}"
                for t, only in zip(latest["reported_at"], date_only_flags(latest, "reported_at"), strict=True)
            ],
            "category": latest["category"].astype(str).to_numpy(),
            "police_risk": [text(v) for v in latest["police_risk"]],
            "rag": [text(v) for v in latest["rag"]],
            "duration": [text(v) for v in latest["duration_band"]],
            "found_in": [text(v) for v in latest["found_district"]],
            "exploitation": exploitation,
            "interview": [text(v) for v in latest["rhi_outcome"]],
        },
        columns=RISK_COLUMNS,
    )


def _is_child(child_ids: pd.Series, child_id: str) -> np.ndarray:
    """Which rows are the child's, ids compared as text; a categorical column by its categories
    (a million ids written out as text to compare cost more than the rest of a briefing)."""
    if isinstance(child_ids.dtype, pd.CategoricalDtype):
        codes = np.flatnonzero(child_ids.cat.categories.astype(str) == child_id)
        return np.isin(child_ids.cat.codes.to_numpy(), codes)
    return (child_ids.astype(str) == child_id).to_numpy(dtype=bool)


def _sharing_a_place(episodes: pd.DataFrame, mine: np.ndarray) -> np.ndarray:
    """Episodes that started where one of the child's did, or were found at one of its found postcodes:
    every episode an associate of the child can share (`metrics.together`), so the pairs are worked out
    on these alone rather than on every child's."""
    home, postcode, found = episodes["establishment_id"], episodes["from_postcode"], episodes["found_postcode"]
    places = episode_place(episodes.loc[mine]).dropna().unique()  # a place is the home, else the from postcode
    near = home.isin(places) | (home.isna() & postcode.isin(places)) | found.isin(found.loc[mine].dropna().unique())
    return near.to_numpy(dtype=bool)


def child_briefing(
    episodes: pd.DataFrame, child_id: str, as_of: date, settings: AttentionSettings, risk_rows: int = 8
) -> Briefing:
    """The child's last 12 months to `as_of` (and history before it where a rule looks back).

    Raises KeyError when the child has no episode up to `as_of`.
    """
    up_to = (episodes["reported_at"] < pd.Timestamp(as_of) + pd.Timedelta(days=1)).to_numpy(dtype=bool)
    is_mine = _is_child(episodes["child_id"], child_id)
    if not (up_to & is_mine).any():
        raise KeyError(f"no episodes for child {child_id!r} up to {as_of}")
    # the pairs read only these columns, of the episodes sharing a place with the child's: not a copy of every column
    history = episodes.loc[up_to & (is_mine | _sharing_a_place(episodes, is_mine & up_to)), list(PAIR_READS)]
    mine_all = ensure_derived(episodes.loc[up_to & is_mine])
    period = last_months(as_of, 12)
    mine = mine_all.loc[(mine_all["reported_at"] >= pd.Timestamp(period[0])).to_numpy()]

    linked = pairs_of_children(
        history,
        missing_together_rows(history, settings.window_minutes),
        found_together_rows(history, settings.found_window_hours),
    )
    linked = linked[(linked["child_a"] == child_id) | (linked["child_b"] == child_id)]
    associates = pd.DataFrame(
        {
            "associate": np.where(linked["child_a"] == child_id, linked["child_b"], linked["child_a"]),
            "missing_together": linked["missing_together"].to_numpy(),
            "found_together": linked["found_together"].to_numpy(),
            "first_linked": pd.to_datetime(linked["first_linked"]).dt.date.to_numpy(),
        }
    )

    returned = mine[eligible_episodes(mine)]
    outcomes = returned["rhi_outcome"].astype(object).fillna("not recorded").astype(str).value_counts()
    interviews = outcomes.rename_axis("outcome").reset_index(name="episodes")
    interviews["outcome"] = interviews["outcome"].str.replace("_", " ")

    alerts = triggers(mine, thresholds=settings.triggers, as_of=as_of)
    alerts = alerts[~alerts["trigger"].isin(PLACE_TRIGGERS)]
    alerts = alerts.groupby("trigger", sort=False)["first_met"].min().reset_index()
    escalation = escalation_table(mine_all, period[0], as_of, settings)
    escalation = pd.DataFrame(
        {"reason": escalation["reason"].map(REASON_WORDING).to_numpy(), "first_met": escalation["first_met"].to_numpy()}
    )

    return Briefing(
        child_id=child_id,
        as_of=as_of,
        period=period,
        facts=child_facts(mine_all, child_id, period),
        by_month=_by_month(mine, period),
        durations=_band_counts(mine["duration_band"], DURATION_BANDS, "band"),
        times_of_day=_band_counts(_times_of_day(mine), TIMES_OF_DAY, "band"),
        found=_found(mine),
        associates=associates,
        interviews=interviews,
        themes=_themes(returned[returned["rhi_outcome"].astype(object) == "completed"]),
        alerts=alerts,
        escalation=escalation,
        risk_history=_risk_history(mine_all, risk_rows),
    )
