"""Time and distance: how long children were missing and how far from home they were found,
for everyone and split by home/care and by category (does care or category change the picture?)."""

import streamlit as st

import config
from charts.bars import band_chart, grouped_band_chart
from charts.titles import band_message, source_line, subtitle_text
from metrics.bands import distance_bands, duration_bands
from metrics.filters import DERIVED_COLUMNS
from metrics.groups import bands_by_group
from ui import display, sidebar

authority = config.settings().authority.name

GROUP_NAMES = {"home": "From home", "care": "From care", "missing": "Missing", "absent": "Absent", "away": "Away"}
BAND_FORMAT = {
    "group": "Group",
    "count": st.column_config.NumberColumn("Episodes"),
    "percent": st.column_config.NumberColumn("Percent", format="%.1f%%"),
}
# (kind, band function, band label, measure, headline title: the largest band and its share)
MEASURES = (
    (
        "duration",
        duration_bands,
        "Time missing",
        "Episodes by time from report to return",
        "{percent} of episodes lasted {band}",
    ),
    (
        "distance",
        distance_bands,
        "Distance found",
        "Episodes by straight-line distance from home or placement to where found",
        "{percent} of episodes: found {band} away",
    ),
)
NOTES = {
    "duration": "Not known: no return recorded, or a date without a time that leaves the band in doubt.",
    "distance": "Between postcode centroids. Not known: either postcode blank or not in the ONS directory.",
}

st.title("Time and distance")
view = sidebar.page_view()
period = view.period.label()
stem = f"{view.period.start:%Y-%m-%d} to {view.period.end:%Y-%m-%d}"
st.caption(f"Episodes reported {period}" + (", with the sidebar filters." if view.filters else "."))
display.stop_when_empty(view.current, view.period.label())


def named_groups(table):
    return table.assign(group=table["group"].map(GROUP_NAMES).fillna(table["group"]))


for kind, bands, band_label, measure, headline in MEASURES:
    st.header(band_label)
    display.show_chart(
        lambda table, measure=measure, headline=headline, kind=kind: band_chart(
            table,
            title=band_message(table, headline, measure),
            subtitle=subtitle_text(measure, period, authority, view.filters),
            source=source_line(period, authority),
            notes=NOTES[kind],
        ),
        bands(view.current),
        name=f"{band_label} {stem}",
        kind=kind,
        column_config={"band": band_label, **BAND_FORMAT},
    )
    for group_column, split in (("missing_from", "home or care"), ("category", "category")):
        st.subheader(f"{band_label} by {split}")
        display.show_chart(
            lambda table, measure=measure, split=split, kind=kind, band_label=band_label: grouped_band_chart(
                named_groups(table),
                "group",
                title=f"{band_label} by {split}, each as a share of its own episodes",
                subtitle=subtitle_text(f"{measure}, each group's share", period, authority, view.filters),
                source=source_line(period, authority),
                notes=NOTES[kind],
            ),
            bands_by_group(view.current, bands, group_column, reads=DERIVED_COLUMNS),  # the bands read no other
            name=f"{band_label} by {split} {stem}",
            kind=f"{kind}_by_group",
            column_config={"band": band_label, **BAND_FORMAT},
        )
