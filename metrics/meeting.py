"""The Operational Group's list of children to discuss (issue: who needs attention now).

One row per child met in the period by a child or episode trigger
(domain.md section 5), an escalation reason or an associate going missing
(section 12). Place triggers stay with the places: a busy home would
otherwise put every child who lives there on the agenda.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from metrics.filters import distinct_sorted

COLUMNS = ["child_id", "reasons", "first_met", "triggers", "escalation", "associates_missing"]
KINDS = COLUMNS[3:]
LABELS = {"triggers": "alert", "escalation": "escalating", "associates_missing": "associate missing"}


def children_to_discuss(
    alerts_of_children: pd.DataFrame, escalation: pd.DataFrame, associate_listed: pd.DataFrame
) -> pd.DataFrame:
    """child_id, reasons (in words for the agenda), first_met and each kind of reason, most reasons first.

    `alerts_of_children` is `metrics.triggers.child_alerts` (place alerts stay with the places); `escalation`
    is `metrics.escalation.escalating_children`; `associate_listed` is
    `metrics.together.associate_missing` (one row per child and associate).

    Each child's reasons of a kind are its distinct reasons in the text's order, joined by "; ". Gathered on
    whole-number codes of the children and of the reasons, numbered in their text's order, and joined once per
    child and kind: sorting and joining the text of half a million reasons took seconds at a million episodes.
    """
    alerts = alerts_of_children.loc[alerts_of_children["child_id"].notna().to_numpy()]
    # an associate who went missing many times is one reason (one row of the list), first met on the first time
    parts = [
        (alerts["child_id"], alerts["trigger"], _days(alerts["first_met"])),
        (escalation["subject"], escalation["reason"], _days(escalation["first_met"])),
        (
            associate_listed["subject"],
            associate_listed["associate"].astype(str),
            _days(associate_listed["first_reported"]),
        ),
    ]
    sizes = [len(days) for _, _, days in parts]
    if not sum(sizes):
        return pd.DataFrame(columns=COLUMNS)
    child_codes, children = _numbered([part[0] for part in parts])
    reason_codes, reasons = _numbered([part[1] for part in parts])
    kind_codes = np.repeat(np.arange(len(KINDS)), sizes)
    # each child's distinct reasons by child, kind, then reason
    keys = distinct_sorted((child_codes * len(KINDS) + kind_codes) * len(reasons) + reason_codes)
    groups = keys // len(reasons)
    starts = np.flatnonzero(np.diff(groups, prepend=-1) != 0)
    # each child's reasons of a kind joined by Arrow, each distinct text taken once (a join per child and kind in
    # Python was a fifth of the list's time at a million episodes)
    texts = pa.array(reasons.array).take(pa.array(keys % len(reasons))).cast(pa.string())
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(np.append(starts, len(keys)), pa.int32()), texts), "; ")
    shown, row = np.unique(groups[starts] // len(KINDS), return_inverse=True)  # the children, in the text's order
    kind_of = groups[starts] % len(KINDS)
    joined_text = joined.to_numpy(zero_copy_only=False)
    by_kind = {kind: np.full(len(shown), "", dtype=object) for kind in KINDS}
    for number, kind in enumerate(KINDS):
        chosen = kind_of == number
        by_kind[kind][row[chosen]] = joined_text[chosen]
    count = np.bincount(np.searchsorted(shown, groups // len(KINDS)), minlength=len(shown))
    first_met = pd.Series(np.concatenate([days for _, _, days in parts])).groupby(child_codes).min()
    first_met = first_met.to_numpy(dtype="datetime64[D]")
    order = np.lexsort((shown, first_met, -count))
    # "kind: its reasons" for each of a child's kinds with any text (in KINDS' order, as the groups come), joined
    said = np.flatnonzero(joined_text != "")
    labels = pa.array([f"{LABELS[kind]}: " for kind in KINDS]).take(kind_of[said])
    labelled = pc.binary_join_element_wise(labels, joined.take(said), "")
    each_child = pa.array(np.searchsorted(row[said], np.arange(len(shown) + 1)), pa.int32())
    described = pc.binary_join(pa.ListArray.from_arrays(each_child, labelled), "; ").take(order)
    return pd.DataFrame(
        {
            "child_id": children.take(shown[order]),
            "reasons": pd.array(described, dtype="str"),
            "first_met": pd.Series(first_met[order].astype(object), dtype=object),
            **{kind: pd.Series(by_kind[kind][order], dtype=object) for kind in KINDS},
        }
    )[COLUMNS]


def _days(values: pd.Series) -> np.ndarray:
    """Dates or times as days (datetime64[D], the day a time falls on)."""
    return pd.to_datetime(values).to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def _numbered(columns: list) -> tuple[np.ndarray, pd.Index]:
    """(a code per value, the distinct values) of the columns one after another, coded in the text's order."""
    text = pd.concat([pd.Series(column, dtype="str").reset_index(drop=True) for column in columns], ignore_index=True)
    codes, uniques = pd.factorize(text, sort=True)
    return codes.astype("int64"), uniques
