"""One child's episodes on a time line (child-level: analysts only, never published).

Each episode is a mark at the time it was reported, on its own row by
category, with a line running to the return. Missing, absent and away get
distinct shapes as well as colours and rows, so a black-and-white print or a
colour-blind reader still tells them apart; an episode still open is drawn
dashed up to the moment the page was viewed. The selected period is shaded.
"""

from __future__ import annotations

import textwrap
from datetime import date

import pandas as pd

from charts.theme import PALETTE
from charts.vega import Spec, data, field
from config.canonical import CATEGORIES

SHAPES = ("circle", "square", "triangle-up")
COLOURS = PALETTE[:3]
STATUSES = ("returned", "still open")
PERIOD_FILL = "#DCE6F0"
WIDTH = 900
SUBTITLE_WRAP = 120  # characters: Vega-Lite does not wrap titles itself
ROW_HEIGHT = 70


def _yes_no(value: object) -> str:
    if value is None or pd.isna(value):
        return "not known"
    return "yes" if bool(value) else "no"


def _text(value: object, suffix: str = "") -> str:
    if value is None or pd.isna(value):
        return "not known"
    return f"{value}{suffix}"


def _datetime(moment: pd.Timestamp) -> dict:
    """A Vega-Lite DateTime, to the minute."""
    return {
        "year": moment.year,
        "month": moment.month,
        "date": moment.day,
        "hours": moment.hour,
        "minutes": moment.minute,
    }


def time_domain(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> list[dict]:
    """From the earlier of the period and the first episode to the later of the period and the last
    report, with a little room: an episode still open runs off the right edge instead of stretching
    the axis to today."""
    low = min(start, frame["reported"].min()) if len(frame) else start
    high = max(end, frame["reported"].max()) if len(frame) else end
    pad = (high - low) * 0.02
    return [_datetime(low - pad), _datetime(high + pad)]


def chart_frame(timeline: pd.DataFrame) -> pd.DataFrame:
    """The columns the marks and tooltips use, as plain values (no pandas NA, which Vega cannot read)."""
    return pd.DataFrame(
        {
            "episode": timeline["episode_id"].astype(str),
            "category": timeline["category"].astype(str),
            "reported": timeline["reported_at"],
            "until": timeline["shown_until"],
            "returned": timeline["returned_at"].dt.strftime("%d %b %Y %H:%M").fillna("still open"),
            "status": timeline["still_open"].map({True: STATUSES[1], False: STATUSES[0]}),
            "period": timeline["in_period"].map({True: "in the period", False: "another period"}),
            "duration": [_text(v, " hours") for v in timeline["duration_hours"]],
            "from": [_text(v) for v in timeline["missing_from_place"]],
            "found": [_text(v) for v in timeline["found_district"]],
            "miles": [_text(v) for v in timeline["distance_miles"]],
            "risk": [_text(v) for v in timeline["police_risk"]],
            "interview": [_text(v) for v in timeline["rhi_outcome"]],
            "cse": [_yes_no(v) for v in timeline["cse_concern"]],
            "cce": [_yes_no(v) for v in timeline["cce_concern"]],
        }
    )


def timeline_chart(timeline: pd.DataFrame, period: tuple[date, date], *, title: str, subtitle: str) -> Spec:
    """A child's episodes (`metrics.children.child_timeline`) by time, one row per category."""
    frame = chart_frame(timeline)
    start, end = pd.Timestamp(period[0]), pd.Timestamp(period[1]) + pd.Timedelta(days=1)
    categories = list(CATEGORIES)
    y = field(
        "category:N",
        sort=categories,
        scale={"domain": categories},
        title=None,
        axis={"ticks": False, "domain": False, "grid": False, "labelPadding": 10},
    )
    domain = time_domain(frame, start, end)
    x = field(
        "reported:T",
        title=None,
        scale={"domain": domain},
        axis={"format": "%b %Y", "grid": True, "gridColor": "#EEEEEE", "labelAngle": 0, "tickCount": 8},
    )
    colour = field("category:N", scale={"domain": categories, "range": list(COLOURS)}, title="Category")
    shape = field("category:N", scale={"domain": categories, "range": list(SHAPES)}, title="Category")
    opacity = field(
        "period:N", scale={"domain": ["in the period", "another period"], "range": [1.0, 0.45]}, legend=None
    )
    tooltip = [
        field("episode:N", title="Episode"),
        field("category:N", title="Category"),
        field("reported:T", title="Reported", format="%d %b %Y %H:%M"),
        field("returned:N", title="Returned"),
        field("duration:N", title="Duration"),
        field("from:N", title="Missing from"),
        field("found:N", title="Found in"),
        field("miles:N", title="Distance (miles)"),
        field("risk:N", title="Police risk"),
        field("interview:N", title="Return interview"),
        field("cse:N", title="CSE concern"),
        field("cce:N", title="CCE concern"),
    ]
    shade = {
        **data("period_shade"),
        "mark": {"type": "rect", "color": PERIOD_FILL, "clip": True},
        "encoding": {"x": field("start:T", scale={"domain": domain}), "x2": {"field": "end"}},
    }
    shade_label = {
        **data("period_name"),
        "mark": {"type": "text", "align": "left", "baseline": "bottom", "dx": 2, "dy": -4, "fontStyle": "italic"},
        "encoding": {"x": field("start:T"), "y": {"value": 0}, "text": field("label:N")},
    }
    dash = field(
        "status:N",
        scale={"domain": list(STATUSES), "range": [[1, 0], [6, 4]]},
        legend={"title": "Return", "symbolStrokeWidth": 4, "symbolSize": 500},
    )
    spans = {
        **data("episodes"),
        "mark": {"type": "rule", "strokeWidth": 5, "clip": True},
        "encoding": {
            "x": x,
            "x2": {"field": "until"},
            "y": y,
            "color": colour,
            "strokeDash": dash,
            "opacity": opacity,
            "tooltip": tooltip,
        },
    }
    marks = {
        **data("episodes"),
        "mark": {"type": "point", "filled": True, "size": 220, "stroke": "white", "strokeWidth": 1},
        "encoding": {"x": x, "y": y, "color": colour, "shape": shape, "opacity": opacity, "tooltip": tooltip},
    }
    spec = {
        "layer": [shade, shade_label, spans, marks],
        "resolve": {"scale": {"color": "shared", "shape": "shared"}},
        "width": WIDTH,
        "height": ROW_HEIGHT * len(CATEGORIES),
        # fit the width to the page but keep the rows' height: "fit" would squeeze the rows
        # into whatever the title and legend leave
        "autosize": {"type": "fit-x", "contains": "padding"},
        "title": {"text": title, "subtitle": textwrap.wrap(subtitle, SUBTITLE_WRAP)},
    }
    datasets = {
        "period_shade": pd.DataFrame({"start": [start], "end": [end], "label": ["selected period"]}),
        "period_name": pd.DataFrame({"start": [start], "label": ["selected period"]}),
        "episodes": frame,
    }
    return Spec(spec, datasets)
