"""Data quality: how complete each field is in the period, postcodes that could not be placed,
and what happened to recent imports: what a data officer checks before a meeting."""

import streamlit as st

from charts.quality import completeness_chart, import_outcomes_chart
from loaders.history import import_history
from metrics.quality import WELL_FILLED, completeness, poorly_filled, unresolved_postcodes
from ui import data, display, sidebar

st.title("Data quality")
view = sidebar.page_view()
st.caption(f"Episodes reported {view.period.label()}" + (", with the sidebar filters." if view.filters else "."))

fields = completeness(view.current)
unresolved = unresolved_postcodes(view.current)
history = import_history(data.current_engine())

low = poorly_filled(fields)
counts = st.columns(4)
counts[0].metric(
    "Episodes in the period", display.tile_counts({"episodes": len(view.current)})["episodes"], border=True
)
counts[1].metric(
    f"Fields under {WELL_FILLED:.0f}% known",
    f"{len(low)}",
    border=True,
    help="Of the episodes each field applies to (e.g. placement type: care episodes).",
)
counts[2].metric(
    "Unresolved postcodes",
    f"{unresolved['postcode'].nunique():,}",
    border=True,
    help="Well-formed postcodes that the ONS postcode directory does not know: no map, no distance.",
)
counts[3].metric("Last import", history["outcome"].iloc[0] if len(history) else "none", border=True)

st.subheader("How complete each field is")
if view.current.empty:
    st.info(display.no_episodes_message(view.period.label()))
else:
    display.show_chart(
        lambda table: completeness_chart(table, view.period.label()),
        fields,
        name=f"Field completeness {view.period.start:%Y-%m-%d} to {view.period.end:%Y-%m-%d}",
        column_config={
            "field": "Field",
            "applies_to": "Applies to",
            "episodes": st.column_config.NumberColumn("Episodes"),
            "known": st.column_config.NumberColumn("Known"),
            "not_known": st.column_config.NumberColumn("Not known"),
            "percent_known": st.column_config.NumberColumn("Percent known", format="%.1f%%"),
        },
    )

st.subheader("Postcodes not in the ONS directory")
st.caption(
    "Well-formed postcodes the directory does not know (a typing slip, or a postcode newer than the directory). "
    "Their episodes count as place not known on the hotspot map and in distance bands."
)
if unresolved.empty:
    st.success("Every postcode given in the period was found in the directory.")
else:
    display.show_table(
        unresolved,
        name=f"Unresolved postcodes {view.period.start:%Y-%m-%d} to {view.period.end:%Y-%m-%d}",
        column_config={
            "postcode": "Postcode",
            "where": "Where",
            "episodes": st.column_config.NumberColumn("Episodes"),
            "first_reported": st.column_config.DatetimeColumn("First reported", format="D MMM YYYY"),
            "last_reported": st.column_config.DatetimeColumn("Last reported", format="D MMM YYYY"),
        },
    )

st.subheader("Recent imports")
st.caption("The latest 20 imports from any period, newest first in the table. Refused files changed nothing.")
if history.empty:
    st.info("Nothing has been imported yet.")
else:
    display.show_chart(
        import_outcomes_chart,
        history,
        name="Import history",
        aggregate_safe=True,  # rows in files, not children
        column_config={
            "import_id": st.column_config.NumberColumn("Import"),
            "file_name": "File",
            "file_format": "Format",
            "outcome": "Outcome",
            "started_at": st.column_config.DatetimeColumn("Started", format="D MMM YYYY HH:mm"),
            "imported_by": "By",
        },
    )
