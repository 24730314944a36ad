"""A grid of children by two counts (missing against absent episodes), each cell labelled with its
number so it reads without the shading (black-and-white papers, projectors)."""

from __future__ import annotations

import pandas as pd

from charts.theme import SEQUENTIAL
from charts.titles import WIDTH, font_size, titled
from charts.vega import Spec, data, field


def count_grid_chart(
    table: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    source: str,
    notes: str | None = None,
    x: str = "missing",
    y: str = "absent",
    value: str = "children",
    x_title: str = "Missing episodes per child",
    y_title: str = "Absent episodes per child",
    order: tuple[str, ...] | None = None,
) -> Spec:
    """Cells at (x, y) shaded and labelled by `value`; both axes in `order` (0 at the bottom left)."""
    frame = table.copy()
    frame[value] = pd.to_numeric(frame[value], errors="coerce").astype("float64")
    frame["label"] = [("" if pd.isna(v) else f"{int(v):,}") for v in frame[value]]
    if order is None:
        order = tuple(dict.fromkeys(sorted(set(frame[x]) | set(frame[y]), key=lambda s: int(s.rstrip("+")))))
    labels = list(order)
    top = float(frame[value].max()) if frame[value].notna().any() else 1.0
    cell = max(28, min(48, (WIDTH - 80) // max(len(labels), 1)))
    size = font_size()
    encoding = {
        "x": field(
            f"{x}:O",
            sort=labels,
            scale={"domain": labels},
            title=x_title,
            axis={"labelAngle": 0, "labelFontSize": size, "grid": False},
        ),
        "y": field(
            f"{y}:O",
            sort=list(reversed(labels)),
            scale={"domain": list(reversed(labels))},
            title=y_title,
            axis={"labelFontSize": size, "grid": False},
        ),
    }
    cells = {
        "mark": {"type": "rect", "stroke": "white", "strokeWidth": 1},
        "encoding": {
            **encoding,
            "color": field(
                f"{value}:Q", scale={"range": list(reversed(SEQUENTIAL)) + ["#12436D"], "type": "log"}, legend=None
            ),
            "tooltip": [
                field(f"{x}:O", title=x_title),
                field(f"{y}:O", title=y_title),
                field("label:N", title=value),
            ],
        },
    }
    light = {"test": f"datum.{value} >= {max(top / 8, 2):.1f}", "value": "white"}
    text = {
        "mark": {"type": "text", "fontSize": max(size - 2, 11)},
        "encoding": {**encoding, "text": field("label:N"), "color": {"condition": light, "value": "#0B0C0C"}},
    }
    chart = {**data("cells"), "layer": [cells, text], "width": cell * len(labels), "height": cell * len(labels)}
    return titled(Spec(chart, {"cells": frame}), title=title, subtitle=subtitle, source=source, notes=notes)
