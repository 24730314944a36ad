"""The Operational Group's list of children to discuss (issue: who needs attention now).

One row per child met in the period by a child or episode trigger
(domain.md section 5), an escalation reason or an associate going missing
(section 12). Place triggers stay with the places: a busy home would
otherwise put every child who lives there on the agenda.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PLACE_TRIGGERS = ("location_5_in_30_days",)
COLUMNS = ["child_id", "reasons", "first_met", "triggers", "escalation", "associates_missing"]


def children_to_discuss(
    alerts_with_children: pd.DataFrame, escalation: pd.DataFrame, associate_listed: pd.DataFrame
) -> pd.DataFrame:
    """child_id, reasons (in words for the agenda), first_met and each kind of reason, most reasons first.

    `alerts_with_children` is `metrics.children.alert_children`; `escalation`
    is `metrics.escalation.escalating_children`; `associate_listed` is
    `metrics.together.associate_missing` (one row per child and associate).
    """
    child_alerts = alerts_with_children.loc[~alerts_with_children["trigger"].isin(PLACE_TRIGGERS).to_numpy()]
    each_child = child_alerts[["children", "trigger", "first_met"]].explode("children").dropna(subset="children")
    # an associate who went missing many times is one reason (one row of the list), first met on the first time
    first_listed = pd.DataFrame(
        {
            "subject": associate_listed["subject"].to_numpy(dtype=object),
            "associate": associate_listed["associate"].astype(str).to_numpy(dtype=object),
            "first_met": pd.to_datetime(associate_listed["first_reported"]).dt.date.to_numpy(dtype=object),
        }
    )
    long = pd.concat(
        [
            _reasons(each_child["children"], "triggers", each_child["trigger"], each_child["first_met"]),
            _reasons(escalation["subject"], "escalation", escalation["reason"], escalation["first_met"]),
            _reasons(
                first_listed["subject"], "associates_missing", first_listed["associate"], first_listed["first_met"]
            ),
        ],
        ignore_index=True,
    )
    if long.empty:
        return pd.DataFrame(columns=COLUMNS)
    long = long.drop_duplicates()
    long["child_id"] = long["child_id"].astype(str)
    reasons = long.drop_duplicates(["child_id", "kind", "reason"]).sort_values("reason", kind="stable")
    by_kind = _joined(reasons).unstack()
    table = by_kind.reindex(columns=COLUMNS[3:]).astype(object).fillna("")
    # as times, not date objects: pandas takes the least of objects one group at a time
    table["first_met"] = pd.to_datetime(long["first_met"]).groupby(long["child_id"]).min().dt.date
    labels = {"triggers": "alert", "escalation": "escalating", "associates_missing": "associate missing"}
    table["reasons"] = [
        "; ".join(f"{labels[kind]}: {text}" for kind, text in zip(COLUMNS[3:], texts, strict=True) if text)
        for texts in zip(*(table[kind].tolist() for kind in COLUMNS[3:]), strict=True)
    ]
    table["count"] = reasons.groupby("child_id").size()
    table = table.reset_index().sort_values(["count", "first_met", "child_id"], ascending=[False, True, True])
    return table.reset_index(drop=True)[COLUMNS]


def _reasons(children: pd.Series, kind: str, reasons: pd.Series, first_met: pd.Series) -> pd.DataFrame:
    """One kind of reason in the long form `children_to_discuss` gathers: child_id, kind, reason, first_met."""
    return pd.DataFrame(
        {
            "child_id": children.to_numpy(dtype=object),
            "kind": kind,
            "reason": reasons.to_numpy(dtype=object),
            "first_met": first_met.to_numpy(dtype=object),
        }
    )


def _joined(reasons: pd.DataFrame) -> pd.Series:
    """Each child's reasons of each kind, in the order given, joined by "; " (indexed by child_id and kind).

    Joined on whole-number codes of child and kind with one `np.add.reduceat` over the texts: a Python
    loop, or a pandas aggregation joining text once per group, took seconds at a million reasons.
    """
    child_codes, children = pd.factorize(reasons["child_id"].to_numpy(dtype=object))
    kind_codes, kinds = pd.factorize(reasons["kind"].to_numpy(dtype=object))
    keys = child_codes.astype("int64") * len(kinds) + kind_codes
    order = np.argsort(keys, kind="stable")  # each group's reasons stay in the order given
    keys, texts = keys[order], reasons["reason"].to_numpy(dtype=object)[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    last = np.r_[keys[1:] != keys[:-1], True]
    pieces = np.where(last, texts, texts + "; ") if len(texts) else texts
    joined = np.add.reduceat(pieces, starts) if len(texts) else texts
    group = keys[starts]
    index = pd.MultiIndex.from_arrays(
        [children.take(group // len(kinds)), kinds.take(group % len(kinds))], names=["child_id", "kind"]
    )
    return pd.Series(joined, index=index, dtype=object).sort_index()
