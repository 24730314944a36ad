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


def _child_codes(child_ids: pd.Series) -> np.ndarray:
    """Each row's child as an integer in the order of the ids as text (a missing id last): grouping and sorting
    on it is grouping and sorting on the text, without comparing a million strings (or converting them)."""
    codes, uniques = pd.factorize(child_ids)
    text_codes, texts = pd.factorize(pd.Index(uniques).astype(str), sort=True)
    return np.append(text_codes, len(texts)).astype("int64")[codes]


def _in_time_order(rows: np.ndarray, child: np.ndarray, started: np.ndarray) -> np.ndarray:
    """The row positions `rows` by child, then start (none last); ties keep their order. Each child's rows are
    matched in this order."""
    started = np.where(started == np.iinfo("int64").min, np.iinfo("int64").max, started)  # NaT last
    return rows[np.lexsort((started[rows], child[rows]))]


def _ns(times: pd.Series) -> np.ndarray:
    return times.to_numpy(dtype="datetime64[ns]").view("int64")


def _flags(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=bool)


def _start_candidates(police: pd.DataFrame, council: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of (police, council) episodes of one child starting within a day: 24 hours, or one
    calendar day where either start is date-only. Ordered by council row, then police row.

    Each side (columns child, reported_at as int64 nanoseconds, reported_at_date_only) is in `_in_time_order`,
    so each council episode looks only at the police episodes of its child starting up to three days either
    side (a binary search), not at all of them.
    """
    p_keep = np.flatnonzero(police["reported_at"].to_numpy() != np.iinfo("int64").min)
    c_keep = np.flatnonzero(council["reported_at"].to_numpy() != np.iinfo("int64").min)
    if not len(p_keep) or not len(c_keep):
        return np.empty(0, dtype="int64"), np.empty(0, dtype="int64")
    p_child, c_child = police["child"].to_numpy()[p_keep], council["child"].to_numpy()[c_keep]
    p_ns, c_ns = police["reported_at"].to_numpy()[p_keep], council["reported_at"].to_numpy()[c_keep]
    earliest = min(p_ns.min(), c_ns.min())
    p_seconds, c_seconds = (p_ns - earliest) // SECOND_NS, (c_ns - earliest) // SECOND_NS
    reach = 3 * DAY_NS // SECOND_NS
    span = int(max(p_seconds.max(), c_seconds.max())) + 2 * reach + 1
    p_key = p_child * span + p_seconds + reach
    c_key = c_child * span + c_seconds + reach
    low = np.searchsorted(p_key, c_key - reach, side="left")
    counts = np.searchsorted(p_key, c_key + reach, side="right") - low
    c_at = np.repeat(np.arange(len(c_keep)), counts)
    p_at = np.repeat(low, counts) + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    p_rows, c_rows = p_keep[p_at], c_keep[c_at]
    p_times, c_times = p_ns[p_at], c_ns[c_at]
    date_only = police["reported_at_date_only"].to_numpy()[p_rows] | council["reported_at_date_only"].to_numpy()[c_rows]
    days_apart = np.abs(p_times // DAY_NS - c_times // DAY_NS)
    within = np.where(date_only, days_apart <= 1, np.abs(p_times - c_times) <= DAY_NS)
    return p_rows[within], c_rows[within]


def _pairs(p_rows: np.ndarray, c_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each council episode, in time order, paired with the first police episode of its child not yet
    paired that starts within a day of it: (police rows, council rows) of the pairs, by council row.

    `p_rows`, `c_rows` are the candidates of `_start_candidates`, by council row then police row. A candidate
    that is its council episode's only one and its police episode's only one is paired whatever the order
    (180,000 of 392,000 candidates at a million episodes): only the others are walked one by one.
    """
    alone = np.zeros(len(p_rows), dtype=bool)
    if len(p_rows):
        alone = (np.bincount(p_rows)[p_rows] == 1) & (np.bincount(c_rows)[c_rows] == 1)
    paired_police: set[int] = set()
    pairs: list[tuple[int, int]] = []
    last_paired = -1
    for p, c in zip(p_rows[~alone].tolist(), c_rows[~alone].tolist(), strict=True):
        if c != last_paired and p not in paired_police:
            paired_police.add(p)
            pairs.append((p, c))
            last_paired = c
    walked = np.array(pairs, dtype="int64").reshape(-1, 2)
    police, council = np.concatenate([p_rows[alone], walked[:, 0]]), np.concatenate([c_rows[alone], walked[:, 1]])
    order = np.argsort(council, kind="stable")
    return police[order].astype("int64"), council[order].astype("int64")


def _returns_apart(police: pd.DataFrame, council: pd.DataFrame) -> np.ndarray:
    """Return times more than 12 hours apart; return dates more than a day apart where either is date-only
    (row by row; False where either has no return)."""
    known = (police["returned_at"].notna() & council["returned_at"].notna()).to_numpy()
    p_ns, c_ns = _ns(police["returned_at"]), _ns(council["returned_at"])
    date_only = _flags(police["returned_at_date_only"]) | _flags(council["returned_at_date_only"])
    days_apart = np.abs(p_ns // DAY_NS - c_ns // DAY_NS)
    return known & np.where(date_only, days_apart > 1, np.abs(p_ns - c_ns) > 12 * HOUR_NS)


def _disagree(police: np.ndarray, council: np.ndarray) -> np.ndarray:
    """Pairs whose (police, council) categories are one of CATEGORY_DISAGREEMENTS."""
    found = np.zeros(len(police), dtype=bool)
    for police_category, council_category in CATEGORY_DISAGREEMENTS:
        found |= (police == police_category) & (council == council_category)
    return found


def reconciliation_items(contributions: pd.DataFrame) -> pd.DataFrame:
    """ITEM_COLUMNS: one row per item, by child and time; `month` (YYYY-MM) of the earlier start.

    Worked on row positions and integer codes (a child, a source), not on copies of the rows: at a million
    contributions the copies and the text compared row by row were most of a minute."""
    frame = contributions.reset_index(drop=True)
    child = _child_codes(frame["child_id"])
    started = _ns(frame["reported_at"])
    years = _year_ending_march(frame["reported_at"])
    is_council = frame["source"].eq(COUNCIL).to_numpy(dtype=bool)
    is_police = (frame["source"].eq(POLICE) & frame["missing_from"].eq("care")).to_numpy(dtype=bool)
    is_police = is_police & np.isin(child, child[is_council]) & np.isin(years, years[is_council])
    police = _in_time_order(np.flatnonzero(is_police), child, started)
    council = _in_time_order(np.flatnonzero(is_council), child, started)

    date_only = _flags(frame["reported_at_date_only"])

    def side(rows: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            {"child": child[rows], "reported_at": started[rows], "reported_at_date_only": date_only[rows]}
        )

    paired_p, paired_c = _pairs(*_start_candidates(side(police), side(council)))
    paired = frame[["category", "returned_at", "returned_at_date_only"]]
    p_side, c_side = (paired.take(rows).reset_index(drop=True) for rows in (police[paired_p], council[paired_c]))
    category = _disagree(p_side["category"].to_numpy(dtype=object), c_side["category"].to_numpy(dtype=object))
    returns = _returns_apart(p_side, c_side)
    council_only = frame["category"].ne("away").to_numpy(dtype=bool)[council]
    council_only[paired_c] = False
    council_only = np.flatnonzero(council_only)
    police_only = np.ones(len(police), dtype=bool)
    police_only[paired_p] = False
    police_only = np.flatnonzero(police_only)
    found = [
        # kind, police row, council row (-1: none), and where the item comes in its child's list
        ("council_only", np.full(len(council_only), -1), council_only, council_only, 0),
        ("category", paired_p[category], paired_c[category], paired_c[category], 1),
        ("return_time", paired_p[returns], paired_c[returns], paired_c[returns], 2),
        ("police_only", police_only, np.full(len(police_only), -1), police_only, 3),
    ]
    table = _item_table(frame, child, police, council, found)
    if table.empty:
        return table
    table["order"] = table["kind"].map({k: i for i, k in enumerate(KINDS)})
    started_at = table["police_reported_at"].where(table["police_reported_at"].notna(), table["council_reported_at"])
    table["started"] = pd.to_datetime(started_at)
    table = table.sort_values(["child_id", "started", "order"], ignore_index=True)
    text = ["police_episode", "council_episode", "police_category", "council_category"]
    table[text] = table[text].astype(object).where(table[text].notna(), None)  # one side missing: None, not NaN
    return table.drop(columns=["order", "started"])


def _item_table(frame: pd.DataFrame, child: np.ndarray, police: np.ndarray, council: np.ndarray, found: list):
    """ITEM_COLUMNS for the items `found` (positions in `police` and `council`, the frame's rows in time order),
    in a child's list order: its council episodes in time order (each's category item before its return-time
    item), then the police episodes known to the police only."""
    kinds = np.concatenate([np.full(len(p_rows), kind, dtype=object) for kind, p_rows, *_ in found])
    if not len(kinds):
        return pd.DataFrame([], columns=ITEM_COLUMNS)
    p_at = np.concatenate([p_rows for _, p_rows, *_ in found]).astype("int64")
    c_at = np.concatenate([c_rows for _, _, c_rows, *_ in found]).astype("int64")
    # the frame's rows of each side; -1 (no episode on that side) reads as missing from its RangeIndex
    p_rows, c_rows = np.where(p_at >= 0, police[p_at], -1), np.where(c_at >= 0, council[c_at], -1)
    rows = np.where(c_rows >= 0, c_rows, p_rows)
    position = np.concatenate([rows for *_, rows, _ in found])
    step = np.concatenate([np.full(len(rows), step) for *_, rows, step in found])
    order = np.lexsort((step, position, step == 3, child[rows]))
    table = pd.DataFrame(
        {"kind": kinds[order], "child_id": frame["child_id"].take(rows[order]).astype(str).to_numpy(dtype=object)}
    )
    sides = {"police": p_rows[order], "council": c_rows[order]}
    for column in ("episode_id", "category", "reported_at", "returned_at"):
        for name, at in sides.items():
            table[f"{name}_{column.removesuffix('_id')}"] = frame[column].reindex(at).to_numpy()
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
