"""Trends: is a change real or noise? Every monthly series of domain.md section 9 as a
process-behaviour (XmR) chart, for the sidebar's filters, reaching back 24 months."""

import streamlit as st

import config
from charts.process_control import limits_note, process_chart, process_title
from charts.titles import source_line, subtitle_text
from metrics.process_control import MEASURES
from metrics.trend import trend_window
from ui import cached, display, sidebar

authority = config.settings().authority.name

NOTES = (
    "The mean (solid) and process limits (dashed) come from {baseline}; a point beyond a limit, {shift} "
    "in a row on one side of the mean, {trend} in a row each higher or each lower, or 2 of 3 near a limit "
    "is a signal of real change (NHS 'Making Data Count')."
)
COLUMNS = {
    "month": "Month",
    "value": "Value",
    "count": None,
    "denominator": None,
    "moving_range": "Moving range",
    "mean": st.column_config.NumberColumn("Mean", format="%.1f"),
    "lower_limit": st.column_config.NumberColumn("Lower limit", format="%.1f"),
    "upper_limit": st.column_config.NumberColumn("Upper limit", format="%.1f"),
    "signals": "Signals",
}

st.title("Trends: real change or noise?")
view = sidebar.page_view()
filters = view.filters  # the charts read the filters, not the view (its episodes are too large to key a chart on)
settings = config.settings().process_control
start, end = trend_window(view.period.start, view.period.end)
label = f"{start:%b %Y} to {end:%b %Y}"
st.caption(
    f"Each month from {label}"
    + (", with the sidebar filters" if view.filters else "")
    + ". Shorter periods are shown with the 24 months up to their end: a change needs history to be seen."
)
episodes = cached.window(view, start, end)  # shared with the charts' tables below
display.stop_when_empty(episodes, label)
baseline = f"the first {settings.baseline_months} months" if settings.baseline_months else "every month shown"
notes = NOTES.format(baseline=baseline, shift=settings.shift_points, trend=settings.trend_points)

for name, measure in MEASURES.items():
    st.subheader(measure.label)
    table = cached.process_table(view, name, start, end, settings)  # shared by every session
    table["signals"] = table["signals"].map("; ".join)
    extra = limits_note(table, settings.minimum_points)
    display.show_chart(
        lambda shown, measure=measure, extra=extra: process_chart(
            shown,
            title=process_title(shown, measure.label),
            subtitle=subtitle_text(
                measure.label + (" (% of eligible episodes)" if measure.rate else ""), label, authority, filters
            ),
            source=source_line(label, authority),
            notes=" ".join(n for n in (notes, extra) if n),
            y_title="Percent" if measure.rate else "Number",
            percent=measure.rate,
        ),
        table,
        name=f"{measure.label} {start:%Y-%m} to {end:%Y-%m}",
        kind="process_control",
        column_config=COLUMNS,
    )
