"""The Operational Group's list of children to discuss (issue: who needs attention now).

One row per child met in the period by a child or episode trigger
(domain.md section 5), an escalation reason or an associate going missing
(section 12). Place triggers stay with the places: a busy home would
otherwise put every child who lives there on the agenda.
"""

from __future__ import annotations

import pandas as pd

PLACE_TRIGGERS = ("location_5_in_30_days",)
COLUMNS = ["child_id", "reasons", "first_met", "triggers", "escalation", "associates_missing"]


def children_to_discuss(
    alerts_with_children: pd.DataFrame, escalation: pd.DataFrame, associate_listed: pd.DataFrame
) -> pd.DataFrame:
    """child_id, reasons (in words for the agenda), first_met and each kind of reason, most reasons first.

    `alerts_with_children` is `metrics.children.alert_children`; `escalation`
    is `metrics.escalation.escalating_children`; `associate_listed` is
    `metrics.together.associate_missing`.
    """
    rows = []
    child_alerts = alerts_with_children[~alerts_with_children["trigger"].isin(PLACE_TRIGGERS)]
    for alert in child_alerts.itertuples():
        for child in alert.children:
            rows.append((child, "triggers", alert.trigger, alert.first_met))
    for item in escalation.itertuples():
        rows.append((item.subject, "escalation", item.reason, item.first_met))
    for item in associate_listed.itertuples():
        rows.append((item.subject, "associates_missing", str(item.associate), item.reported_at.date()))
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    long = pd.DataFrame(rows, columns=["child_id", "kind", "reason", "first_met"]).drop_duplicates()
    long["child_id"] = long["child_id"].astype(str)
    by_kind = long.groupby(["child_id", "kind"])["reason"].agg(lambda r: "; ".join(sorted(set(r)))).unstack()
    table = by_kind.reindex(columns=COLUMNS[3:]).astype(object).fillna("")
    table["first_met"] = long.groupby("child_id")["first_met"].min()
    labels = {"triggers": "alert", "escalation": "escalating", "associates_missing": "associate missing"}
    table["reasons"] = [
        "; ".join(f"{labels[kind]}: {row[kind]}" for kind in COLUMNS[3:] if row[kind]) for _, row in table.iterrows()
    ]
    table["count"] = long.drop_duplicates(["child_id", "kind", "reason"]).groupby("child_id").size()
    table = table.reset_index().sort_values(["count", "first_met", "child_id"], ascending=[False, True, True])
    return table.reset_index(drop=True)[COLUMNS]
