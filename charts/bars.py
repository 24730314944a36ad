"""Horizontal bar charts: band shares, band shares by group, place rankings, return-interview rates.

Every bar starts at zero and carries its own value as text, so the chart reads
on a projector and on a black-and-white committee paper without a legend or an
axis to look across to. A NaN value (hidden by small-number suppression) gets
no bar and the label "suppressed".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import SupportsFloat, SupportsInt

import altair as alt
import numpy as np
import pandas as pd

from charts.titles import WIDTH, font_size, titled

SUPPRESSED = "suppressed"
HEADROOM = 1.3  # room right of the longest bar for its label
GROUPED_WIDTH = 860  # small multiples side by side: wider than one chart, still fits the page
MEASURE_LABELS = {
    "offered": "Offered",
    "offered_within_72h": "Offered within 72 hours",
    "completed": "Completed",
    "completed_within_72h": "Completed within 72 hours",
    "completed_of_offered": "Completed, of those offered",
    "declined_of_offered": "Declined, of those offered",
}
GROUP_LABELS = {"all": "All", "home": "From home", "care": "From care"}


def bar_label(value: SupportsFloat | None, count: SupportsInt | None = None, percent: bool = True) -> str:
    """The text on a bar: "31.3% (205)", "1,204", "suppressed" when hidden, "–" when no denominator."""
    if value is None or pd.isna(value):
        return SUPPRESSED if count is None or pd.isna(count) else "–"
    if percent:
        text = f"{Decimal(str(float(value))).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"  # half up, as tables
        if count is not None and not pd.isna(count):
            text += f" ({int(count):,})"
        return text
    number = float(value)
    return f"{int(number):,}" if number.is_integer() else f"{number:,.1f}"


def _labelled(table: pd.DataFrame, value: str, category: str) -> pd.DataFrame:
    """The table with `value` as float (NaN kept), `label` text and `label_at` (0 for a missing bar)."""
    frame = table.copy()
    frame[category] = frame[category].astype(str)
    frame[value] = pd.to_numeric(frame[value], errors="coerce").astype("float64")
    counts = frame["count"] if value == "percent" and "count" in frame else [None] * len(frame)
    frame["label"] = [bar_label(v, c, percent=value == "percent") for v, c in zip(frame[value], counts, strict=True)]
    frame["label_at"] = frame[value].fillna(0.0)
    return frame


def _domain_max(values: pd.Series) -> float:
    top = float(np.nanmax(values.to_numpy(dtype="float64"))) if values.notna().any() else 0.0
    return max(top, 1.0) * HEADROOM


def _bars(
    frame: pd.DataFrame, value: str, category: str, order: list[str], domain_max: float, width: int, height: int
) -> alt.LayerChart:
    """Bars of `value` along x for each `category` on y in `order`, with the labels just past each bar."""
    size = font_size()
    y = alt.Y(
        f"{category}:N",
        sort=order,
        scale=alt.Scale(domain=order),
        title=None,
        axis=alt.Axis(labelFontSize=size, ticks=False, domain=False),
    )
    x = alt.X(f"{value}:Q", scale=alt.Scale(domain=[0, domain_max], zero=True, nice=False), axis=None)
    base = alt.Chart(frame).encode(y=y)
    bars = base.mark_bar().encode(x=x, tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip("label:N", title=value)])
    labels = base.mark_text(align="left", dx=4).encode(
        x=alt.X("label_at:Q", scale=alt.Scale(domain=[0, domain_max], zero=True, nice=False), axis=None),
        text="label:N",
    )
    return alt.LayerChart(layer=[bars, labels], width=width, height=height)  # sizes here: .properties() deep-copies


def _height(rows: int) -> int:
    return max(60, rows * (font_size() + 13))


def band_chart(
    table: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    source: str,
    notes: str | None = None,
    value: str = "percent",
) -> alt.VConcatChart:
    """Horizontal bars of each band's percent (or count), bands in the table's order."""
    frame = _labelled(table, value, "band")
    order = list(frame["band"])
    chart = _bars(frame, value, "band", order, _domain_max(frame[value]), WIDTH, _height(len(order)))
    return titled(chart, title=title, subtitle=subtitle, source=source, notes=notes)


def grouped_band_chart(
    table: pd.DataFrame,
    group_column: str,
    *,
    title: str,
    subtitle: str,
    source: str,
    notes: str | None = None,
    value: str = "percent",
    band_column: str = "band",
) -> alt.VConcatChart:
    """Band shares side by side for each group (small multiples): each panel is labelled with
    its group, so no colour is needed to tell groups apart."""
    frame = _labelled(table, value, band_column)
    frame[group_column] = frame[group_column].astype(str)
    order = list(dict.fromkeys(frame[band_column]))
    groups = list(dict.fromkeys(frame[group_column]))
    panel_width = max(200, (GROUPED_WIDTH - 130) // max(len(groups), 1))
    layer = _bars(frame, value, band_column, order, _domain_max(frame[value]), panel_width, _height(len(order)))
    chart = layer.facet(
        column=alt.Column(
            f"{group_column}:N",
            sort=groups,
            title=None,
            header=alt.Header(
                labelFontSize=font_size() + 1, labelFontWeight="bold", labelAnchor="start", labelOrient="top"
            ),
        ),
        spacing=12,
    )
    return titled(chart, title=title, subtitle=subtitle, source=source, notes=notes)


def place_chart(
    table: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    source: str,
    notes: str | None = None,
    value: str = "episodes",
    top: int = 15,
    label_column: str = "place",
) -> alt.VConcatChart:
    """The `top` places by `value` (episodes, children or episodes per child), largest at the top."""
    frame = table.copy()
    frame[value] = pd.to_numeric(frame[value], errors="coerce").astype("float64")
    frame = frame.sort_values(value, ascending=False, na_position="last", kind="stable").head(top)
    frame = _labelled(frame, value, label_column)
    order = list(dict.fromkeys(frame[label_column]))
    chart = _bars(frame, value, label_column, order, _domain_max(frame[value]), WIDTH, _height(len(order)))
    return titled(chart, title=title, subtitle=subtitle, source=source, notes=notes)


def return_interview_chart(
    table: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    source: str,
    notes: str | None = None,
    measures: tuple[str, ...] = tuple(MEASURE_LABELS),
) -> alt.VConcatChart:
    """Rates by measure (rows) for all, home and care (panels), from a `return_interviews` table."""
    frame = table[table["measure"].isin(measures)].copy()
    frame["measure"] = pd.Categorical(frame["measure"], categories=list(measures))
    frame = frame.sort_values(["measure"], kind="stable")
    frame["measure"] = frame["measure"].astype(str).map(MEASURE_LABELS).fillna(frame["measure"].astype(str))
    frame["group"] = frame["group"].map(GROUP_LABELS).fillna(frame["group"])
    return grouped_band_chart(
        frame, "group", title=title, subtitle=subtitle, source=source, notes=notes, band_column="measure"
    )
