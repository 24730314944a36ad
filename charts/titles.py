"""Title, subtitle, source and notes around any chart: the frame every published chart needs.

UK Government Analysis Function guidance: the title states the message, the
subtitle gives measure, place and period, and a source line (with notes for
suppression and definitions) sits underneath. Putting them into the Vega-Lite
spec, not the page, means PNG/SVG downloads and the committee pack carry them.
"""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from charts import theme
from charts.vega import ONE_ROW, Spec, data

WIDTH = 560  # wide enough for a projector, narrow enough for an A4 committee paper
TITLE_WRAP = 60
FOOTER_WRAP = 95


def font_size() -> int:
    """The text size of the active theme (larger in meeting mode), for heights worked out here."""
    return 18 if alt.theme.active == theme.MEETING_THEME else 13


def source_line(period: str, authority: str) -> str:
    """`Source: police and council records, <authority> from <period>` for the chart's footer."""
    return f"Source: police and council records, {authority} from {period}"


def wrap(text: str, width: int) -> list[str]:
    """Text as lines of at most `width` characters (Vega-Lite does not wrap titles itself)."""
    return textwrap.wrap(text, width) or [""]


def footer(lines: list[str]) -> Spec:
    """A chart of left-aligned text lines only (no axes, no data shown)."""
    line_height = font_size() + 5
    mark = {
        "type": "text",
        "align": "left",
        "baseline": "top",
        "x": 0,
        "y": 0,
        "text": lines,
        "lineHeight": line_height,
    }
    return Spec(
        {**data("one_row"), "mark": mark, "width": WIDTH, "height": line_height * len(lines)}, {"one_row": ONE_ROW}
    )


def titled(chart: Spec, *, title: str, subtitle: str, source: str, notes: str | None = None) -> Spec:
    """The chart with the title and subtitle above it and the source line and notes below it."""
    lines = wrap(source, FOOTER_WRAP)
    if notes:
        lines += wrap(f"Notes: {notes}", FOOTER_WRAP)
    below = footer(lines)
    heading = {"text": wrap(title, TITLE_WRAP), "subtitle": wrap(subtitle, TITLE_WRAP + 25)}
    spec = {"vconcat": [chart.spec, below.spec], "spacing": 14, "title": heading}
    return Spec(spec, {**chart.datasets, **below.datasets})


def filters_text(filters: dict[str, list[str]] | None) -> str:
    """The filters in words ("category missing; missing from care"), empty when none."""
    if not filters:
        return ""
    return "; ".join(f"{key.replace('_', ' ')} {', '.join(str(v) for v in values)}" for key, values in filters.items())


def subtitle_text(measure: str, period: str, authority: str, filters: dict[str, list[str]] | None = None) -> str:
    """`<measure>, <authority>, <period>` plus the filters, so a chart taken out of the page
    still says what it counts, where and when."""
    shown = filters_text(filters)
    return f"{measure}, {authority}, {period}" + (f" (only {shown})" if shown else "")


def band_message(table: pd.DataFrame, template: str, fallback: str, column: str = "band") -> str:
    """A title stating the message of a band table: `template` filled with the largest band
    ({band}) and its share ({percent}, e.g. "31.3%"); `fallback` when every share is hidden or blank."""
    shares = pd.to_numeric(table["percent"], errors="coerce") if "percent" in table else pd.Series(dtype="float64")
    if shares.notna().sum() == 0 or float(shares.max()) == 0:
        return fallback
    row = table.loc[shares.idxmax()]
    return template.format(band=row[column], percent=f"{float(shares.max()):.1f}%")
