"""Charts for the data quality page: field completeness and import outcomes.

Direct labels on every bar (the percent, the outcome), so a printout in black
and white still reads; bars start at zero.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.theme import MEETING_THEME, PALETTE
from charts.vega import Spec, data, field, inferred

OUTCOME_COLOURS = {"landed": PALETTE[0], "refused": PALETTE[2], "dry_run": PALETTE[4]}
SOURCE = "Source: police and council records"


def _row_height() -> int:
    """Room for one bar and its label: more in meeting mode's bigger type."""
    return 30 if alt.theme.active == MEETING_THEME else 22


def completeness_chart(table: pd.DataFrame, period: str) -> Spec:
    """Percent known of every field (metrics.quality.completeness), one bar a field, file order."""
    encoding = {
        "y": field("field:N", sort=table["field"].tolist(), title=None),
        "x": field("percent_known:Q", title="Percent known", scale={"domain": [0, 100]}, axis={"tickCount": 5}),
        "tooltip": [
            inferred(table, c) for c in ("field", "applies_to", "episodes", "known", "not_known", "percent_known")
        ],
    }
    bars = {"mark": {"type": "bar", "color": PALETTE[0]}, "encoding": encoding}
    labels = {
        "mark": {"type": "text", "align": "left", "dx": 4},
        "encoding": {**encoding, "text": field("percent_known:Q", format=".1f")},
    }
    lowest = table.dropna(subset=["percent_known"]).sort_values("percent_known").head(1)
    message = (
        f"{lowest['field'].iloc[0]} is the least complete field ({lowest['percent_known'].iloc[0]:.1f}% known)"
        if len(lowest)
        else "No episodes in the period"
    )
    spec = {
        **data("fields"),
        "layer": [bars, labels],
        "width": 520,
        "height": {"step": _row_height()},
        "title": {
            "text": message,
            "subtitle": [f"Percent of the episodes each field applies to that have it, {period}", SOURCE],
        },
    }
    return Spec(spec, {"fields": table})


def import_outcomes_chart(history: pd.DataFrame) -> Spec:
    """Rows in each recent import (loaders.history.import_history), labelled with its outcome."""
    frame = history.assign(
        label=history["import_id"].astype(str) + ": " + history["file_name"].astype(str).str.slice(0, 40)
    )
    order = frame.sort_values("import_id")["label"].tolist()
    shown = ("import_id", "file_name", "outcome", "started_at", "rows", "inserted", "updated", "errors")
    encoding = {
        "y": field("label:N", sort=order, title=None),
        "x": field("rows:Q", title="Rows in the file"),
        "tooltip": [inferred(frame, c) for c in shown],
    }
    colour = field(
        "outcome:N", scale={"domain": list(OUTCOME_COLOURS), "range": list(OUTCOME_COLOURS.values())}, legend=None
    )
    bars = {"mark": {"type": "bar"}, "encoding": {**encoding, "color": colour}}
    labels = {"mark": {"type": "text", "align": "left", "dx": 4}, "encoding": {**encoding, "text": field("outcome:N")}}
    refused = int((frame["outcome"] == "refused").sum())
    spec = {
        **data("imports"),
        "layer": [bars, labels],
        "width": 520,
        "height": {"step": _row_height() + 8},
        "title": {
            "text": f"{refused} of the last {len(frame)} imports refused" if len(frame) else "No imports yet",
            "subtitle": ["Rows in each import and what happened to it, newest last", SOURCE],
        },
    }
    return Spec(spec, {"imports": frame})
