"""Horizontal bar charts: band shares, band shares by group, place rankings, return-interview rates.

Every bar starts at zero and carries its own value as text, so the chart reads
on a projector and on a black-and-white committee paper without a legend or an
axis to look across to. A NaN value (hidden by small-number suppression) gets
no bar and the label "suppressed".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import SupportsFloat, SupportsInt

import numpy as np
import pandas as pd

from charts.titles import WIDTH, font_size, titled
from charts.vega import Spec, data, field

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


def _bars(value: str, category: str, order: list[str], domain_max: float, width: int, height: int) -> dict:
    """Bars of `value` along x for each `category` on y in `order`, with the labels just past each bar
    (the layer without its data)."""
    size = font_size()
    y = field(
        f"{category}:N",
        sort=order,
        scale={"domain": order},
        title=None,
        axis={"labelFontSize": size, "ticks": False, "domain": False},
    )
    scale = {"domain": [0, domain_max], "zero": True, "nice": False}
    bars = {
        "mark": {"type": "bar"},
        "encoding": {
            "y": y,
            "x": field(f"{value}:Q", scale=scale, axis=None),
            "tooltip": [field(f"{category}:N"), field("label:N", title=value)],
        },
    }
    labels = {
        "mark": {"type": "text", "align": "left", "dx": 4},
        "encoding": {"y": y, "x": field("label_at:Q", scale=scale, axis=None), "text": field("label:N")},
    }
    return {"layer": [bars, labels], "width": width, "height": height}


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
) -> Spec:
    """Horizontal bars of each band's percent (or count), bands in the table's order."""
    frame = _labelled(table, value, "band")
    order = list(frame["band"])
    chart = _bars(value, "band", order, _domain_max(frame[value]), WIDTH, _height(len(order)))
    return titled(
        Spec({**data("bars"), **chart}, {"bars": frame}), title=title, subtitle=subtitle, source=source, notes=notes
    )


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
) -> Spec:
    """Band shares side by side for each group (small multiples): each panel is labelled with
    its group, so no colour is needed to tell groups apart."""
    frame = _labelled(table, value, band_column)
    frame[group_column] = frame[group_column].astype(str)
    order = list(dict.fromkeys(frame[band_column]))
    groups = list(dict.fromkeys(frame[group_column]))
    panel_width = max(200, (GROUPED_WIDTH - 130) // max(len(groups), 1))
    layer = _bars(value, band_column, order, _domain_max(frame[value]), panel_width, _height(len(order)))
    header = {"labelFontSize": font_size() + 1, "labelFontWeight": "bold", "labelAnchor": "start", "labelOrient": "top"}
    chart = {
        **data("bars"),
        "facet": {"column": field(f"{group_column}:N", sort=groups, title=None, header=header)},
        "spec": layer,
        "spacing": 12,
    }
    return titled(Spec(chart, {"bars": frame}), title=title, subtitle=subtitle, source=source, notes=notes)


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
) -> Spec:
    """The `top` places by `value` (episodes, children or episodes per child), largest at the top."""
    frame = table.copy()
    frame[value] = pd.to_numeric(frame[value], errors="coerce").astype("float64")
    frame = frame.sort_values(value, ascending=False, na_position="last", kind="stable").head(top)
    frame = _labelled(frame, value, label_column)
    order = list(dict.fromkeys(frame[label_column]))
    chart = _bars(value, label_column, order, _domain_max(frame[value]), WIDTH, _height(len(order)))
    return titled(
        Spec({**data("bars"), **chart}, {"bars": frame}), title=title, subtitle=subtitle, source=source, notes=notes
    )


def return_interview_chart(
    table: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    source: str,
    notes: str | None = None,
    measures: tuple[str, ...] = tuple(MEASURE_LABELS),
) -> Spec:
    """Rates by measure (rows) for all, home and care (panels), from a `return_interviews` table."""
    frame = table[table["measure"].isin(measures)].copy()
    frame["measure"] = pd.Categorical(frame["measure"], categories=list(measures))
    frame = frame.sort_values(["measure"], kind="stable")
    frame["measure"] = frame["measure"].astype(str).map(MEASURE_LABELS).fillna(frame["measure"].astype(str))
    frame["group"] = frame["group"].map(GROUP_LABELS).fillna(frame["group"])
    return grouped_band_chart(
        frame, "group", title=title, subtitle=subtitle, source=source, notes=notes, band_column="measure"
    )
