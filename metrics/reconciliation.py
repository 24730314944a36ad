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

SECOND_NS = 1_000_000_000

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


def _year_ending_march(times: pd.Series) -> np.ndarray:
    return (times.dt.year + (times.dt.month >= 4)).to_numpy()


def _in_time_order(rows: pd.DataFrame) -> pd.DataFrame:
    """By child (as text), then start; ties keep their order. Each child's rows are matched in this order."""
    rows = rows.assign(child_id=rows["child_id"].astype(str))
    return rows.sort_values(["child_id", "reported_at"], kind="stable", ignore_index=True)


def _ns(times: pd.Series) -> np.ndarray:
    return times.to_numpy(dtype="datetime64[ns]").view("int64")


def _start_candidates(police: pd.DataFrame, council: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of (police, council) episodes of one child starting within a day: 24 hours, or one
    calendar day where either start is date-only. Ordered by council row, then police row.

    Both sides are in `_in_time_order`, so each council episode looks only at the police episodes of
    its child starting up to three days either side (a binary search), not at all of them.
    """
    p_keep = np.flatnonzero(police["reported_at"].notna().to_numpy())
    c_keep = np.flatnonzero(council["reported_at"].notna().to_numpy())
    if not len(p_keep) or not len(c_keep):
        return np.empty(0, dtype="int64"), np.empty(0, dtype="int64")
    children = pd.concat([police["child_id"].iloc[p_keep], council["child_id"].iloc[c_keep]], ignore_index=True)
    codes = pd.factorize(children, sort=True)[0].astype("int64")  # sorted: the same order as the rows
    p_ns, c_ns = _ns(police["reported_at"])[p_keep], _ns(council["reported_at"])[c_keep]
    earliest = min(p_ns.min(), c_ns.min())
    p_seconds, c_seconds = (p_ns - earliest) // SECOND_NS, (c_ns - earliest) // SECOND_NS
    reach = 3 * DAY_NS // SECOND_NS
    span = int(max(p_seconds.max(), c_seconds.max())) + 2 * reach + 1
    p_key = codes[: len(p_keep)] * span + p_seconds + reach
    c_key = codes[len(p_keep) :] * span + c_seconds + reach
    low = np.searchsorted(p_key, c_key - reach, side="left")
    counts = np.searchsorted(p_key, c_key + reach, side="right") - low
    c_at = np.repeat(np.arange(len(c_keep)), counts)
    p_at = np.repeat(low, counts) + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    p_rows, c_rows = p_keep[p_at], c_keep[c_at]
    p_times, c_times = p_ns[p_at], c_ns[c_at]
    date_only = police["reported_at_date_only"].to_numpy(dtype=bool)[p_rows]
    date_only |= council["reported_at_date_only"].to_numpy(dtype=bool)[c_rows]
    days_apart = np.abs(p_times // DAY_NS - c_times // DAY_NS)
    within = np.where(date_only, days_apart <= 1, np.abs(p_times - c_times) <= DAY_NS)
    return p_rows[within], c_rows[within]


def _pairs(police: pd.DataFrame, council: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each council episode, in time order, paired with the first police episode of its child not yet
    paired that starts within a day of it: (police rows, council rows) of the pairs."""
    p_rows, c_rows = _start_candidates(police, council)
    paired_police: set[int] = set()
    pairs: list[tuple[int, int]] = []
    last_paired = -1
    for p, c in zip(p_rows.tolist(), c_rows.tolist(), strict=True):
        if c != last_paired and p not in paired_police:
            paired_police.add(p)
            pairs.append((p, c))
            last_paired = c
    found = np.array(pairs, dtype="int64").reshape(-1, 2)
    return found[:, 0], found[:, 1]


def _returns_apart(police: pd.DataFrame, council: pd.DataFrame) -> np.ndarray:
    """Return times more than 12 hours apart; return dates more than a day apart where either is date-only
    (row by row; False where either has no return)."""
    known = (police["returned_at"].notna() & council["returned_at"].notna()).to_numpy()
    p_ns, c_ns = _ns(police["returned_at"]), _ns(council["returned_at"])
    date_only = police["returned_at_date_only"].to_numpy(dtype=bool) | council["returned_at_date_only"].to_numpy(
        dtype=bool
    )
    days_apart = np.abs(p_ns // DAY_NS - c_ns // DAY_NS)
    return known & np.where(date_only, days_apart > 1, np.abs(p_ns - c_ns) > 12 * HOUR_NS)


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
    police = _in_time_order(police[np.isin(_year_ending_march(police["reported_at"]), list(years))])
    council = _in_time_order(council)
    paired_p, paired_c = _pairs(police, council)
    p_side, c_side = police.iloc[paired_p].reset_index(drop=True), council.iloc[paired_c].reset_index(drop=True)
    category = np.array(
        [pair in CATEGORY_DISAGREEMENTS for pair in zip(p_side["category"], c_side["category"], strict=True)],
        dtype=bool,
    )
    council_only = np.setdiff1d(np.flatnonzero((council["category"] != "away").to_numpy()), paired_c)
    police_only = np.setdiff1d(np.arange(len(police)), paired_p)
    returns = _returns_apart(p_side, c_side)
    found = [
        # kind, police row, council row (-1: none), and where the item comes in its child's list
        ("council_only", np.full(len(council_only), -1), council_only, council_only, 0),
        ("category", paired_p[category], paired_c[category], paired_c[category], 1),
        ("return_time", paired_p[returns], paired_c[returns], paired_c[returns], 2),
        ("police_only", police_only, np.full(len(police_only), -1), police_only, 3),
    ]
    table = _item_table(police, council, found)
    if table.empty:
        return table
    table["order"] = table["kind"].map({k: i for i, k in enumerate(KINDS)})
    started = table["police_reported_at"].where(table["police_reported_at"].notna(), table["council_reported_at"])
    table["started"] = pd.to_datetime(started)
    table = table.sort_values(["child_id", "started", "order"], ignore_index=True)
    text = ["police_episode", "council_episode", "police_category", "council_category"]
    table[text] = table[text].astype(object).where(table[text].notna(), None)  # one side missing: None, not NaN
    return table.drop(columns=["order", "started"])


def _item_table(police: pd.DataFrame, council: pd.DataFrame, found: list) -> pd.DataFrame:
    """ITEM_COLUMNS for the items `found`, in a child's list order: its council episodes in time order (each's
    category item before its return-time item), then the police episodes known to the police only."""
    kinds = np.concatenate([np.full(len(p_rows), kind, dtype=object) for kind, p_rows, *_ in found])
    if not len(kinds):
        return pd.DataFrame([], columns=ITEM_COLUMNS)
    p_rows = np.concatenate([p_rows for _, p_rows, *_ in found]).astype("int64")
    c_rows = np.concatenate([c_rows for _, _, c_rows, *_ in found]).astype("int64")
    position = np.concatenate([rows for *_, rows, _ in found])
    step = np.concatenate([np.full(len(rows), step) for *_, rows, step in found])
    # both frames have a RangeIndex, so row -1 (no episode on that side) reads as missing
    child = np.where(
        c_rows >= 0,
        council["child_id"].reindex(c_rows).to_numpy(dtype=object),
        police["child_id"].reindex(p_rows).to_numpy(dtype=object),
    )
    order = np.lexsort((step, position, step == 3, pd.factorize(child, sort=True)[0]))
    table = pd.DataFrame({"kind": kinds[order], "child_id": child[order]})
    sides = {"police": (police, p_rows[order]), "council": (council, c_rows[order])}
    for column in ("episode_id", "category", "reported_at", "returned_at"):
        for name, (rows, at) in sides.items():
            table[f"{name}_{column.removesuffix('_id')}"] = rows[column].reindex(at).to_numpy()
    earlier = table[["police_reported_at", "council_reported_at"]].min(axis=1)
    table["month"] = earlier.dt.strftime("%Y-%m")
    return table[ITEM_COLUMNS]


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
