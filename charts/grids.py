"""A grid of children by two counts (missing against absent episodes), each cell labelled with its
number so it reads without the shading (black-and-white papers, projectors)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.theme import SEQUENTIAL
from charts.titles import WIDTH, font_size, titled


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
) -> alt.VConcatChart:
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
    base = alt.Chart(frame).encode(
        x=alt.X(
            f"{x}:O",
            sort=labels,
            scale=alt.Scale(domain=labels),
            title=x_title,
            axis=alt.Axis(labelAngle=0, labelFontSize=size, grid=False),
        ),
        y=alt.Y(
            f"{y}:O",
            sort=list(reversed(labels)),
            scale=alt.Scale(domain=list(reversed(labels))),
            title=y_title,
            axis=alt.Axis(labelFontSize=size, grid=False),
        ),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            f"{value}:Q", scale=alt.Scale(range=list(reversed(SEQUENTIAL)) + ["#12436D"], type="log"), legend=None
        ),
        tooltip=[
            alt.Tooltip(f"{x}:O", title=x_title),
            alt.Tooltip(f"{y}:O", title=y_title),
            alt.Tooltip("label:N", title=value),
        ],
    )
    text = base.mark_text(fontSize=max(size - 2, 11)).encode(
        text="label:N",
        color=alt.condition(f"datum.{value} >= {max(top / 8, 2):.1f}", alt.value("white"), alt.value("#0B0C0C")),
    )
    chart = alt.layer(cells, text, width=cell * len(labels), height=cell * len(labels))
    return titled(chart, title=title, subtitle=subtitle, source=source, notes=notes)
