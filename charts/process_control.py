"""Process-behaviour (XmR) charts: the monthly series, its mean and its process limits, with the
points that make a signal marked by shape and named in words (never colour alone), so a
black-and-white committee paper still shows which months are a real change."""

from __future__ import annotations

import pandas as pd

from charts.theme import PALETTE
from charts.titles import WIDTH, font_size, titled
from charts.vega import Spec, data, field, text_panel

SIGNAL_NAMES = {
    "outside_limits": "Outside limits",
    "shift": "Shift",
    "trend": "Trend",
    "two_of_three": "2 of 3 near a limit",
}
SIGNAL_SHAPES = {"outside_limits": "diamond", "shift": "square", "trend": "triangle-up", "two_of_three": "cross"}
NO_SIGNAL = "No signal"
MEAN_COLOUR, LIMIT_COLOUR = PALETTE[4], PALETTE[4]
SIGNAL_COLOUR = PALETTE[3]


def signal_names(signals: tuple[str, ...] | list[str] | str) -> tuple[str, ...]:
    """A point's signals, given as names or as the `; `-joined text a page's table shows."""
    if isinstance(signals, str):
        return tuple(s.strip() for s in signals.replace(";", " ").split())
    return tuple(signals)


def first_signal(signals: tuple[str, ...] | list[str] | str) -> str:
    """The signal a point is drawn with: the first in order of seriousness, else none."""
    return next(iter(signal_names(signals)), "")


def signal_labels(table: pd.DataFrame) -> list[str]:
    """The label at the last point of each run of points drawn with the same signal (else blank)."""
    shown = [first_signal(s) for s in table["signals"]]
    return [
        SIGNAL_NAMES[name] if name and (i + 1 == len(shown) or shown[i + 1] != name) else ""
        for i, name in enumerate(shown)
    ]


def limits_note(table: pd.DataFrame, minimum_points: int) -> str | None:
    """Says why no limits are drawn when there are too few points."""
    if table["upper_limit"].notna().any():
        return None
    return f"Fewer than {minimum_points} months: no process limits are drawn."


def month_name(month: str) -> str:
    """`2016-03` as `March 2016`."""
    return f"{pd.Timestamp(month + '-01'):%B %Y}"


def process_title(table: pd.DataFrame, label: str) -> str:
    """The chart's message: what the latest month's signals say, else that the months vary
    within the limits (or, without limits, what the chart shows)."""
    if table.empty:
        return f"{label} each month"
    last = table.iloc[-1]
    month = month_name(str(last["month"]))
    value, mean = pd.to_numeric(last["value"], errors="coerce"), float(last["mean"])
    way = "higher" if value > mean else "lower" if value < mean else "no different"
    signals = signal_names(last["signals"])
    if "outside_limits" in signals:
        edge = "upper" if way == "higher" else "lower"
        return f"{label}: {month} is beyond the {edge} process limit, a real change, not noise"
    if signals:
        return f"{label}: {way} than usual in {month} ({SIGNAL_NAMES[signals[0]].lower()})"
    if table["upper_limit"].isna().all():
        return f"{label} each month"
    if any(signal_names(s) for s in table["signals"]):
        return f"{label}: {month} within the limits, after earlier signals of change"
    return f"{label}: no signal of change, the months vary within the limits"


def process_chart(
    table: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    source: str,
    notes: str | None = None,
    y_title: str = "Episodes",
    percent: bool = False,
) -> Spec:
    """The XmR chart of a `metrics.process_control` table: the monthly values (solid), the
    mean (solid grey), the process limits (dashed), signal points by shape with their names."""
    if table.empty:
        return titled(
            text_panel("No months to show", WIDTH), title=title, subtitle=subtitle, source=source, notes=notes
        )
    frame = table[["month", "value", "mean", "lower_limit", "upper_limit"]].copy()
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")  # a viewer's hidden months: NaN, not drawn
    frame["date"] = pd.to_datetime(frame["month"] + "-01")
    frame["signal"] = [SIGNAL_NAMES.get(first_signal(s), NO_SIGNAL) for s in table["signals"]]
    frame["signals_text"] = [
        ", ".join(SIGNAL_NAMES[s] for s in signal_names(signals)) or "none" for signals in table["signals"]
    ]
    frame["label"] = signal_labels(table)
    unit = "%" if percent else ""
    months = len(frame)
    x = field(
        "date:T",
        title=None,
        axis={"format": "%b %Y", "labelAngle": -45 if months > 6 else 0, "tickCount": min(months, 12), "grid": False},
    )
    # a count's axis need not start at zero (a line, not bars): the months' variation must show
    y = field("value:Q", title=y_title, scale={"domain": [0, 100]} if percent else {"zero": False})
    order = [SIGNAL_NAMES[s] for s in SIGNAL_NAMES] + [NO_SIGNAL]
    shapes = [SIGNAL_SHAPES[s] for s in SIGNAL_NAMES] + ["circle"]
    legend = {"title": None, "orient": "top"}
    tooltip = [
        field("month:N", title="Month"),
        field("value:Q", title=y_title, format=",.1f"),
        field("mean:Q", title="Mean", format=",.1f"),
        field("lower_limit:Q", title="Lower limit", format=",.1f"),
        field("upper_limit:Q", title="Upper limit", format=",.1f"),
        field("signals_text:N", title="Signals"),
    ]
    months_data = data("months")
    layers = [
        {**months_data, "mark": {"type": "line", "strokeWidth": 2, "color": PALETTE[0]}, "encoding": {"x": x, "y": y}},
        {
            **months_data,
            "mark": {"type": "point", "filled": True, "opacity": 1},
            "encoding": {
                "x": x,
                "y": y,
                "shape": field("signal:N", sort=order, scale={"domain": order, "range": shapes}, legend=legend),
                "size": {"condition": {"test": f"(datum.signal === '{NO_SIGNAL}')", "value": 40}, "value": 160},
                "color": field(
                    "signal:N",
                    sort=order,
                    legend=legend,
                    scale={"domain": order, "range": [SIGNAL_COLOUR] * len(SIGNAL_NAMES) + [PALETTE[0]]},
                ),
                "tooltip": tooltip,
            },
        },
        {
            **months_data,
            "mark": {
                "type": "text",
                "align": "right",
                "dx": -6,
                "dy": -14,
                "fontWeight": "bold",
                "fontSize": font_size(),
                "color": "black",
            },
            "encoding": {"x": x, "y": y, "text": field("label:N")},
            "transform": [{"filter": "(datum.label !== '')"}],
        },
    ]
    datasets = {"months": frame}
    ends = frame.iloc[[-1]]  # the limits' values as they stand in the last month
    for column, name, dash in (
        ("mean", "Mean", []),
        ("upper_limit", "Upper limit", [8, 4]),
        ("lower_limit", "Lower limit", [8, 4]),
    ):
        if frame[column].notna().any():
            colour = MEAN_COLOUR if column == "mean" else LIMIT_COLOUR
            limit_y = field(f"{column}:Q", title=y_title)
            layers.append(
                {
                    **months_data,
                    "mark": {"type": "line", "color": colour, "strokeWidth": 1.5, "strokeDash": dash},
                    "encoding": {"x": x, "y": limit_y},
                }
            )
            value = float(ends[column].iloc[0])
            text = f"{name} {value:,.1f}{unit}"
            # inside the plot, just above (the lower limit: below) its line at the left edge: never clipped
            datasets[f"{column}_label"] = frame.iloc[[0]].assign(text=text)
            layers.append(
                {
                    **data(f"{column}_label"),
                    "mark": {
                        "type": "text",
                        "align": "left",
                        "dx": 2,
                        "dy": 12 if column == "lower_limit" else -8,
                        "fontSize": font_size() - 1,
                        "color": "black",
                    },
                    "encoding": {"x": x, "y": limit_y, "text": field("text:N")},
                }
            )
    chart = {"layer": layers, "width": WIDTH - 60, "height": 300}
    return titled(Spec(chart, datasets), title=title, subtitle=subtitle, source=source, notes=notes)
