"""The one chart theme (UK Government Analysis Function palette), registered with Altair.

Registering it with Altair rather than styling in Streamlit means exported
PNG/SVG images and the committee pack carry the same look. `meeting` sizes
type for a projector at the back of a room (at least 16 px).
"""

from __future__ import annotations

import altair as alt

PALETTE = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
SEQUENTIAL = ("#12436D", "#2073BC", "#6BACE6")
# Line styles that still tell series apart on a black-and-white page.
DASHES = ([1, 0], [8, 4], [2, 3], [8, 3, 2, 3], [12, 6], [4, 6])
FONT = "Arial, Helvetica, Liberation Sans, sans-serif"
TEXT = "#0B0C0C"
GRID = "#D9D9D9"
THEME = "missing_children"
MEETING_THEME = "missing_children_meeting"


def _config(base_size: int) -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "padding": 8,
            "view": {"stroke": None, "continuousWidth": 560, "continuousHeight": 300},
            "range": {"category": list(PALETTE), "ordinal": list(SEQUENTIAL), "ramp": list(SEQUENTIAL)},
            "title": {
                "fontSize": base_size + 4,
                "subtitleFontSize": base_size,
                "anchor": "start",
                "color": TEXT,
                "subtitleColor": TEXT,
                "fontWeight": "bold",
                "offset": 12,
            },
            "axis": {
                "labelFontSize": base_size,
                "titleFontSize": base_size,
                "labelColor": TEXT,
                "titleColor": TEXT,
                "domainColor": TEXT,
                "tickColor": TEXT,
                "grid": False,
                "labelLimit": 260,
            },
            "axisY": {"grid": True, "gridColor": GRID},
            "axisX": {"grid": False},
            "axisBand": {"grid": False},
            "legend": {"labelFontSize": base_size, "titleFontSize": base_size, "orient": "top", "labelLimit": 300},
            "text": {"fontSize": base_size, "color": TEXT},
            "bar": {"color": PALETTE[0]},
            "line": {"color": PALETTE[0], "strokeWidth": 3},
            "point": {"color": PALETTE[0], "size": 60},
        }
    }


@alt.theme.register(THEME, enable=True)
def missing_children_theme() -> alt.theme.ThemeConfig:
    return _config(13)


@alt.theme.register(MEETING_THEME, enable=False)
def meeting_theme() -> alt.theme.ThemeConfig:
    return _config(18)


def use(meeting: bool = False) -> None:
    """Switch the active theme (normal or big-screen)."""
    alt.theme.enable(MEETING_THEME if meeting else THEME)
