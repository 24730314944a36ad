"""Line charts over calendar months, one line per series with its own dash style and a label
at its end, so the lines are told apart without colour (black-and-white papers)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.theme import DASHES, PALETTE
from charts.titles import WIDTH, font_size, titled


def complete_months(table: pd.DataFrame, series: str, value: str) -> pd.DataFrame:
    """Every month from the first to the last for every series, 0 where the table has no row
    (trend tables list months with episodes only; a line must not jump over an empty month)."""
    months = pd.period_range(min(table["month"]), max(table["month"]), freq="M").strftime("%Y-%m")
    names = list(dict.fromkeys(table[series].astype(str)))
    grid = pd.MultiIndex.from_product([list(months), names], names=["month", series]).to_frame(index=False)
    frame = table.assign(**{series: table[series].astype(str)})[["month", series, value]]
    merged = grid.merge(frame, on=["month", series], how="left")
    present = merged.set_index(["month", series]).index.isin(frame.set_index(["month", series]).index)
    merged[value] = pd.to_numeric(merged[value], errors="coerce").astype("float64")
    merged.loc[~present, value] = 0.0  # no row: a true zero; a row with NaN stays NaN (suppressed)
    return merged


def trend_chart(
    trend_table: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    source: str,
    notes: str | None = None,
    series: str = "category",
    value: str = "episodes",
    y_title: str = "Episodes",
    percent: bool = False,
) -> alt.VConcatChart:
    """Monthly `value` by `series` (category by default): one line each, dashed differently,
    named at its last month."""
    if trend_table.empty:
        empty = alt.Chart(pd.DataFrame({"row": [0]})).mark_text(
            text="No episodes in this period", align="left", x=0, y=20
        )
        return titled(
            empty.properties(width=WIDTH, height=40), title=title, subtitle=subtitle, source=source, notes=notes
        )
    frame = complete_months(trend_table, series, value)
    names = list(dict.fromkeys(frame[series]))
    frame["date"] = pd.to_datetime(frame["month"] + "-01")
    last = frame[frame[value].notna()].groupby(series, sort=False)["date"].max()
    frame["is_last"] = (frame["date"] == frame[series].map(last)).to_numpy(dtype=bool)
    unit = "%" if percent else ""
    frame["end_label"] = [
        f"{name} {v:.1f}{unit}" if percent else f"{name} {v:,.0f}" for name, v in zip(frame[series], frame[value])
    ]
    color = alt.Color(f"{series}:N", sort=names, scale=alt.Scale(domain=names, range=list(PALETTE)), legend=None)
    dash = alt.StrokeDash(f"{series}:N", sort=names, scale=alt.Scale(domain=names, range=[list(d) for d in DASHES]),
                          legend=None)  # fmt: skip
    months = frame["month"].nunique()
    x = alt.X("date:T", title=None,
              axis=alt.Axis(format="%b %Y", labelAngle=-45 if months > 6 else 0, tickCount=min(max(months, 1), 12),
                            grid=False))  # fmt: skip
    y = alt.Y(
        f"{value}:Q", title=y_title, scale=alt.Scale(zero=True, domain=[0, 100]) if percent else alt.Scale(zero=True)
    )
    base = alt.Chart(frame).encode(x=x, y=y, color=color)
    lines = base.mark_line(strokeWidth=3).encode(
        strokeDash=dash,
        tooltip=[
            alt.Tooltip("month:N"),
            alt.Tooltip(f"{series}:N"),
            alt.Tooltip(f"{value}:Q", format=",.1f" if percent else ","),
        ],
    )
    points = base.mark_point(filled=True, size=40).encode(shape=alt.Shape(f"{series}:N", sort=names, legend=None))
    labels = (
        base.transform_filter(alt.datum.is_last)
        .mark_text(align="left", dx=8, fontWeight="bold", fontSize=font_size())
        .encode(text="end_label:N")
    )
    chart = alt.layer(lines, points, labels).properties(width=WIDTH - 120, height=300)
    return titled(chart, title=title, subtitle=subtitle, source=source, notes=notes)
