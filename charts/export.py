"""Charts as files for downloads and papers, offline through vl-convert (no browser, no CDN)."""

from __future__ import annotations

import altair as alt
import vl_convert as vlc

import charts.theme  # noqa: F401  (registers the theme before any chart is serialised)
from charts.vega import Spec


def png_bytes(chart: Spec | alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """A PNG at `scale` times the chart's size (2x reads well in print)."""
    return vlc.vegalite_to_png(chart.to_dict(), scale=scale)


def svg_text(chart: Spec | alt.TopLevelMixin) -> str:
    """An SVG, the better format for papers where the format allows."""
    return vlc.vegalite_to_svg(chart.to_dict())
