"""Dot plot of one measure: the council's own figure and the DfE's for the council, its region,
England and its statistical neighbours (their mean as a dot, their range as a line).

The council's two rows are diamonds and carry the council's name; every other row is a
circle; each dot has its value written beside it (no x axis, as the bar charts), so the
chart reads without colour (black-and-white committee papers). The scale starts at zero. A
suppressed or unpublished figure gets no dot and its published text (`c`, `x`, `not published`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from charts.theme import PALETTE
from charts.titles import WIDTH, font_size, titled
from charts.vega import Spec, data, field

COUNCIL_ROLES = ("own records", "council (DfE)")
SHAPES = {"own records": "diamond", "council (DfE)": "diamond"}
HEADROOM = 1.6  # room right of the furthest dot for its label
PLOT_WIDTH = WIDTH - 160  # the area names take the rest


def benchmark_chart(table: pd.DataFrame, *, title: str, subtitle: str, source: str, notes: str | None = None) -> Spec:
    """One measure's rows of `metrics.benchmarks.comparison_table` (area, role, value, low,
    high, shown) as dots on a scale from zero, in the table's order top to bottom."""
    frame = table[["area", "role", "value", "low", "high", "shown"]].copy()
    for column in ("value", "low", "high"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["council"] = frame["role"].isin(COUNCIL_ROLES)
    frame["shape"] = frame["role"].map(SHAPES).fillna("circle")
    frame["label_at"] = frame[["value", "high"]].max(axis=1).fillna(0.0)
    top = float(np.nanmax(frame[["value", "high"]].to_numpy())) if frame[["value", "high"]].notna().any().any() else 0
    domain = [0, max(top, 1.0) * HEADROOM]
    order = list(frame["area"])
    size = font_size()
    y = field(
        "area:N",
        sort=order,
        scale={"domain": order},
        title=None,
        axis={"labelFontSize": size, "ticks": False, "domain": False, "labelFontWeight": "normal"},
    )
    # no x axis (as the bars): every dot carries its value, and the page may stretch the plot
    scale = {"domain": domain, "zero": True, "nice": False}
    ranges = {
        "mark": {"type": "rule", "strokeWidth": 3, "color": PALETTE[4]},
        "encoding": {"y": y, "x": field("low:Q", scale=scale, axis=None), "x2": {"field": "high"}},
    }
    dots = {
        "mark": {"type": "point", "filled": True, "size": size * 14, "opacity": 1},
        "encoding": {
            "y": y,
            "x": field("value:Q", scale=scale, axis=None),
            "shape": field("shape:N", scale=None),
            "color": {"condition": {"test": "datum.council", "value": PALETTE[2]}, "value": PALETTE[0]},
            "tooltip": [field("area:N", title="Area"), field("shown:N", title="Figure")],
        },
    }
    label_encoding = {"y": y, "x": field("label_at:Q", scale=scale, axis=None), "text": field("shown:N")}
    council_labels = {
        "mark": {"type": "text", "align": "left", "dx": 10, "fontWeight": "bold"},
        "encoding": label_encoding,
        "transform": [{"filter": "datum.council"}],
    }
    other_labels = {
        "mark": {"type": "text", "align": "left", "dx": 10},
        "encoding": label_encoding,
        "transform": [{"filter": "!datum.council"}],
    }
    chart = {
        **data("areas"),
        "layer": [ranges, dots, council_labels, other_labels],
        "width": PLOT_WIDTH,
        "height": max(120, len(order) * (size + 17)),
    }
    return titled(Spec(chart, {"areas": frame}), title=title, subtitle=subtitle, source=source, notes=notes)
