"""The child's briefing chart: episodes by month, one bar segment per category.

Small enough for a third of an A4 page; categories told apart by shade and
by the order of the segments (missing at the bottom), with the month's total
written above each bar so a black-and-white print still reads.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.theme import PALETTE
from config.canonical import CATEGORIES


def months_chart(by_month: pd.DataFrame, *, title: str, width: int = 620, height: int = 150) -> alt.LayerChart:
    """A stacked bar a month from `month, missing, absent, away`, totals labelled."""
    long = by_month.melt(id_vars="month", value_vars=list(CATEGORIES), var_name="category", value_name="episodes")
    long["order"] = long["category"].map({c: i for i, c in enumerate(CATEGORIES)})
    totals = by_month.assign(total=by_month[list(CATEGORIES)].sum(axis=1))
    month = alt.X(
        "month:O", title=None, axis=alt.Axis(labelAngle=0, labelExpr="utcFormat(toDate(datum.value + '-01'), '%b %y')")
    )
    bars = (
        alt.Chart(long)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=month,
            y=alt.Y("sum(episodes):Q", title="Episodes", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "category:N",
                scale=alt.Scale(domain=list(CATEGORIES), range=list(PALETTE[:3])),
                legend=alt.Legend(orient="top", title=None),
            ),
            order=alt.Order("order:Q"),
            tooltip=["month", "category", "episodes"],
        )
    )
    labels = alt.Chart(totals).mark_text(dy=-6, baseline="bottom").encode(x=month, y="total:Q", text="total:Q")
    return alt.LayerChart(layer=[bars, labels], title=title).properties(width=width, height=height)
