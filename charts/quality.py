"""Charts for the data quality page: field completeness and import outcomes.

Direct labels on every bar (the percent, the outcome), so a printout in black
and white still reads; bars start at zero.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.theme import MEETING_THEME, PALETTE

OUTCOME_COLOURS = {"landed": PALETTE[0], "refused": PALETTE[2], "dry_run": PALETTE[4]}
SOURCE = "Source: police and council records"


def _row_height() -> int:
    """Room for one bar and its label: more in meeting mode's bigger type."""
    return 30 if alt.theme.active == MEETING_THEME else 22


def completeness_chart(table: pd.DataFrame, period: str) -> alt.LayerChart:
    """Percent known of every field (metrics.quality.completeness), one bar a field, file order."""
    order = table["field"].tolist()
    base = alt.Chart(table).encode(
        y=alt.Y("field:N", sort=order, title=None),
        x=alt.X("percent_known:Q", title="Percent known", scale=alt.Scale(domain=[0, 100]), axis=alt.Axis(tickCount=5)),
        tooltip=["field", "applies_to", "episodes", "known", "not_known", "percent_known"],
    )
    bars = base.mark_bar(color=PALETTE[0])
    labels = base.mark_text(align="left", dx=4).encode(text=alt.Text("percent_known:Q", format=".1f"))
    lowest = table.dropna(subset=["percent_known"]).sort_values("percent_known").head(1)
    message = (
        f"{lowest['field'].iloc[0]} is the least complete field ({lowest['percent_known'].iloc[0]:.1f}% known)"
        if len(lowest)
        else "No episodes in the period"
    )
    return (bars + labels).properties(
        width=520,
        height=alt.Step(_row_height()),
        title=alt.TitleParams(
            message,
            subtitle=[f"Percent of the episodes each field applies to that have it, {period}", SOURCE],
        ),
    )


def import_outcomes_chart(history: pd.DataFrame) -> alt.LayerChart:
    """Rows in each recent import (loaders.history.import_history), labelled with its outcome."""
    frame = history.assign(
        label=history["import_id"].astype(str) + ": " + history["file_name"].astype(str).str.slice(0, 40)
    )
    order = frame.sort_values("import_id")["label"].tolist()
    base = alt.Chart(frame).encode(
        y=alt.Y("label:N", sort=order, title=None),
        x=alt.X("rows:Q", title="Rows in the file"),
        tooltip=["import_id", "file_name", "outcome", "started_at", "rows", "inserted", "updated", "errors"],
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "outcome:N",
            scale=alt.Scale(domain=list(OUTCOME_COLOURS), range=list(OUTCOME_COLOURS.values())),
            legend=None,
        )
    )
    labels = base.mark_text(align="left", dx=4).encode(text="outcome:N")
    refused = int((frame["outcome"] == "refused").sum())
    return (bars + labels).properties(
        width=520,
        height=alt.Step(_row_height() + 8),
        title=alt.TitleParams(
            f"{refused} of the last {len(frame)} imports refused" if len(frame) else "No imports yet",
            subtitle=["Rows in each import and what happened to it, newest last", SOURCE],
        ),
    )
