"""Line charts over calendar months, one line per series with its own dash style and a label
at its end, so the lines are told apart without colour (black-and-white papers)."""

from __future__ import annotations

import pandas as pd

from charts.theme import DASHES, PALETTE
from charts.titles import WIDTH, font_size, titled
from charts.vega import Spec, data, field, text_panel


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


def label_positions(frame: pd.DataFrame, value: str, top: float | None = None, gap: float = 0.08) -> pd.Series:
    """Where each line's end label sits (in data units): at its last value, pushed down just
    enough that no two labels are closer than `gap` of the axis height (else they overprint)."""
    positions = pd.Series(float("nan"), index=frame.index)
    ends = frame[frame["is_last"]].sort_values(value, ascending=False)
    if ends.empty:
        return positions
    top = top if top is not None else float(frame[value].max()) or 1.0
    previous = None
    for index, end in zip(ends.index, ends[value].astype(float), strict=True):
        spot = end if previous is None else min(end, previous - gap * top)
        positions[index] = previous = spot
    return positions


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
) -> Spec:
    """Monthly `value` by `series` (category by default): one line each, dashed differently,
    named at its last month."""
    if trend_table.empty:
        empty = text_panel("No episodes in this period", WIDTH)
        return titled(empty, title=title, subtitle=subtitle, source=source, notes=notes)
    frame = complete_months(trend_table, series, value)
    names = list(dict.fromkeys(frame[series]))
    frame["date"] = pd.to_datetime(frame["month"] + "-01")
    last = frame[frame[value].notna()].groupby(series, sort=False)["date"].max()
    frame["is_last"] = (frame["date"] == frame[series].map(dict(last))).to_numpy(dtype=bool)  # none when all hidden
    unit = "%" if percent else ""
    frame["end_label"] = [
        f"{name} {v:.1f}{unit}" if percent else f"{name} {v:,.0f}"
        for name, v in zip(frame[series], frame[value], strict=True)
    ]
    frame["label_y"] = label_positions(frame, value, 100.0 if percent else None)
    color = field(f"{series}:N", sort=names, scale={"domain": names, "range": list(PALETTE)}, legend=None)
    dash = field(f"{series}:N", sort=names, scale={"domain": names, "range": [list(d) for d in DASHES]}, legend=None)
    months = frame["month"].nunique()
    x = field(
        "date:T",
        title=None,
        axis={
            "format": "%b %Y",
            "labelAngle": -45 if months > 6 else 0,
            "tickCount": min(max(months, 1), 12),
            "grid": False,
        },
    )
    y = field(f"{value}:Q", title=y_title, scale={"zero": True, "domain": [0, 100]} if percent else {"zero": True})
    lines = {
        "mark": {"type": "line", "strokeWidth": 3},
        "encoding": {
            "x": x,
            "y": y,
            "color": color,
            "strokeDash": dash,
            "tooltip": [
                field("month:N"),
                field(f"{series}:N"),
                field(f"{value}:Q", format=",.1f" if percent else ","),
            ],
        },
    }
    points = {
        "mark": {"type": "point", "filled": True, "size": 40},
        "encoding": {"x": x, "y": y, "color": color, "shape": field(f"{series}:N", sort=names, legend=None)},
    }
    labels = {  # inside the plot: never clipped
        "mark": {"type": "text", "align": "right", "dy": -10, "fontWeight": "bold", "fontSize": font_size()},
        "encoding": {"x": x, "y": field("label_y:Q"), "color": color, "text": field("end_label:N")},
        "transform": [{"filter": "datum.is_last"}],
    }
    chart = {**data("months"), "layer": [lines, points, labels], "width": WIDTH - 120, "height": 300}
    return titled(Spec(chart, {"months": frame}), title=title, subtitle=subtitle, source=source, notes=notes)


def trend_panels(
    trend_table: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    source: str,
    notes: str | None = None,
    series: str = "category",
    value: str = "episodes",
    y_title: str = "Episodes",
) -> Spec:
    """Monthly `value`, one small panel per `series` named above it, for many series whose lines
    would cross and crowd one chart (the busiest establishments). Each panel labels its last month."""
    if trend_table.empty:
        return trend_chart(trend_table, title=title, subtitle=subtitle, source=source, notes=notes)
    frame = complete_months(trend_table, series, value)
    names = list(dict.fromkeys(frame[series]))
    frame["date"] = pd.to_datetime(frame["month"] + "-01")
    last = frame[frame[value].notna()].groupby(series, sort=False)["date"].max()
    frame["is_last"] = (frame["date"] == frame[series].map(dict(last))).to_numpy(dtype=bool)  # none when all hidden
    frame["end_label"] = [("" if pd.isna(v) else f"{v:,.0f}") for v in frame[value]]
    top = float(frame[value].max()) if frame[value].notna().any() else 1.0
    x = field("date:T", title=None, axis={"format": "%b %Y", "labelAngle": -45, "grid": False})
    y = field(f"{value}:Q", title=None, scale={"zero": True, "domain": [0, max(top, 1.0)]}, axis={"tickCount": 3})
    tooltip = [field("month:N"), field(f"{series}:N"), field(f"{value}:Q", title=y_title)]
    line = {
        "mark": {"type": "line", "strokeWidth": 3, "color": PALETTE[0]},
        "encoding": {"x": x, "y": y, "tooltip": tooltip},
    }
    ends = [{"filter": "datum.is_last"}]
    point = {
        "mark": {"type": "point", "filled": True, "size": 50, "color": PALETTE[0]},
        "encoding": {"x": x, "y": y},
        "transform": ends,
    }
    label = {
        "mark": {"type": "text", "align": "left", "dx": 8, "fontWeight": "bold", "fontSize": font_size()},
        "encoding": {"x": x, "y": y, "text": field("end_label:N")},
        "transform": ends,
    }
    header = {
        "labelAngle": 0,
        "labelAlign": "left",
        "labelAnchor": "start",
        "labelOrient": "top",
        "labelFontWeight": "bold",
        "labelFontSize": font_size(),
    }
    chart = {
        **data("months"),
        "facet": {"row": field(f"{series}:N", sort=names, title=None, header=header)},
        "spec": {"layer": [line, point, label], "width": WIDTH - 60, "height": 70},
        "spacing": 10,
    }
    return titled(Spec(chart, {"months": frame}), title=title, subtitle=subtitle, source=source, notes=notes)
