"""Do our records agree? Police and council (SSDA903) records of the same children, compared
(domain.md section 11). For the data officer: each disagreement is an item to check and resolve.

Input is the contributions: one row per imported row, with the source that
gave it and the values it gave (not the merged episode, which keeps one
source's times). Only care episodes of children who appear in an SSDA903
return are compared, and only in the years ending 31 March that the return
covers. Police never record `away`, so a council `away` episode with no
police record is not an item.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.time_limits import DAY_NS, HOUR_NS

KINDS = ("police_only", "council_only", "category", "return_time")
KIND_WORDING = {
    "police_only": "known to the police only",
    "council_only": "known to the council (SSDA903) only",
    "category": "category disagrees",
    "return_time": "return times more than 12 hours apart",
}
# (police, council) categories that disagree in a way that matters
CATEGORY_DISAGREEMENTS = {("absent", "missing"), ("missing", "away")}
COUNCIL, POLICE = "ssda903", "police"
ITEM_COLUMNS = [
    "kind",
    "child_id",
    "month",
    "police_episode",
    "council_episode",
    "police_category",
    "council_category",
    "police_reported_at",
    "council_reported_at",
    "police_returned_at",
    "council_returned_at",
]
CONTRIBUTION_COLUMNS = [
    "episode_id",
    "source",
    "child_id",
    "category",
    "missing_from",
    "reported_at",
    "reported_at_date_only",
    "returned_at",
    "returned_at_date_only",
]


def _year_ending_march(times: pd.Series) -> np.ndarray:
    return (times.dt.year + (times.dt.month >= 4)).to_numpy()


def _starts_within_a_day(police: pd.Timestamp, police_date_only: bool, council: pd.Timestamp, council_date_only: bool):
    """Starts within a day: 24 hours, or one calendar day where either start is date-only."""
    if police_date_only or council_date_only:
        return abs((police.normalize() - council.normalize()).days) <= 1
    return abs(police - council) <= pd.Timedelta(days=1)


def _returns_apart(p: dict, c: dict) -> bool:
    """Return times more than 12 hours apart; return dates more than a day apart where either is date-only."""
    if pd.isna(p["returned_at"]) or pd.isna(c["returned_at"]):
        return False
    if p["returned_at_date_only"] or c["returned_at_date_only"]:
        days = (p["returned_at"].normalize() - c["returned_at"].normalize()).value // DAY_NS
        return abs(days) > 1
    return abs((p["returned_at"] - c["returned_at"]).value) > 12 * HOUR_NS


def reconciliation_items(contributions: pd.DataFrame) -> pd.DataFrame:
    """ITEM_COLUMNS: one row per item, by child and time; `month` (YYYY-MM) of the earlier start."""
    council = contributions[contributions["source"] == COUNCIL]
    compared_children = set(council["child_id"].astype(str))
    years = set(_year_ending_march(council["reported_at"]))
    police = contributions[
        (contributions["source"] == POLICE)
        & (contributions["missing_from"] == "care")
        & contributions["child_id"].astype(str).isin(compared_children)
    ]
    police = police[np.isin(_year_ending_march(police["reported_at"]), list(years))]
    items = []
    # plain records, not iterrows: a Series per row made a two-year sample take minutes
    theirs_by_child = {
        child: rows.sort_values("reported_at", kind="stable").to_dict("records")
        for child, rows in police.groupby(police["child_id"].astype(str), sort=False)
    }
    for child, mine in council.groupby(council["child_id"].astype(str), sort=True):
        items += _child_items(str(child), mine, theirs_by_child.get(str(child), []))
    table = pd.DataFrame(items, columns=ITEM_COLUMNS)
    if table.empty:
        return table
    table["order"] = table["kind"].map({k: i for i, k in enumerate(KINDS)})
    started = table["police_reported_at"].where(table["police_reported_at"].notna(), table["council_reported_at"])
    table["started"] = pd.to_datetime(started)
    table = table.sort_values(["child_id", "started", "order"], ignore_index=True)
    text = ["police_episode", "council_episode", "police_category", "council_category"]
    table[text] = table[text].astype(object).where(table[text].notna(), None)  # one side missing: None, not NaN
    return table.drop(columns=["order", "started"])


def _child_items(child: str, mine: pd.DataFrame, theirs: list[dict]) -> list[dict]:
    """One child's items: each council episode paired with the first unpaired police episode
    starting within a day of it, in time order; what stays unpaired is one side's only."""
    items = []
    matched_police: set[int] = set()
    for c in mine.sort_values("reported_at", kind="stable").to_dict("records"):
        index = _first_match(theirs, matched_police, c)
        if index is None:
            if c["category"] != "away":
                items.append(_item("council_only", child, None, c))
            continue
        matched_police.add(index)
        p = theirs[index]
        if (p["category"], c["category"]) in CATEGORY_DISAGREEMENTS:
            items.append(_item("category", child, p, c))
        if _returns_apart(p, c):
            items.append(_item("return_time", child, p, c))
    for index, p in enumerate(theirs):
        if index not in matched_police:
            items.append(_item("police_only", child, p, None))
    return items


def _first_match(theirs: list[dict], matched_police: set[int], c: dict) -> int | None:
    """The first police episode not yet paired that starts within a day of council episode `c`."""
    for index, p in enumerate(theirs):
        if index not in matched_police and _starts_within_a_day(
            p["reported_at"], p["reported_at_date_only"], c["reported_at"], c["reported_at_date_only"]
        ):
            return index
    return None


def _item(kind: str, child: str, p: dict | None, c: dict | None) -> dict:
    def value(row: dict | None, column: str):
        return None if row is None else row[column]

    starts = [row["reported_at"] for row in (p, c) if row is not None]
    return {
        "kind": kind,
        "child_id": child,
        "month": f"{min(starts):%Y-%m}",
        "police_episode": value(p, "episode_id"),
        "council_episode": value(c, "episode_id"),
        "police_category": value(p, "category"),
        "council_category": value(c, "category"),
        "police_reported_at": value(p, "reported_at"),
        "council_reported_at": value(c, "reported_at"),
        "police_returned_at": value(p, "returned_at"),
        "council_returned_at": value(c, "returned_at"),
    }


def items_by_kind_and_month(items: pd.DataFrame) -> pd.DataFrame:
    """kind,month,items (`reports table reconciliation`): kinds in order, months in order, rows with items only."""
    if items.empty:
        return pd.DataFrame(columns=["kind", "month", "items"])
    counts = items.groupby(["kind", "month"]).size().rename("items").reset_index()
    counts["order"] = counts["kind"].map({k: i for i, k in enumerate(KINDS)})
    return counts.sort_values(["order", "month"], ignore_index=True)[["kind", "month", "items"]]


def item_keys(items: pd.DataFrame) -> pd.Series:
    """Each item's stable key, `kind|police episode|council episode`: the same disagreement gets the same key
    after later imports, so a resolution stays with it (and a new disagreement is a new item)."""
    if items.empty:
        return pd.Series([], index=items.index, dtype=object)
    police = items["police_episode"].fillna("").astype(str)
    council = items["council_episode"].fillna("").astype(str)
    return items["kind"].astype(str) + "|" + police + "|" + council
