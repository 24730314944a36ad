"""Hotspots: the postcode areas and children's homes children go missing from, and where they are found.

The map works with no internet (see charts/maps.py); its areas are built from
the ONS postcode directory the first time they are needed (loaders/boundaries.py).
"""

import geopandas as gpd
import pandas as pd
import streamlit as st

import config
from charts import maps
from charts.bars import place_chart
from charts.titles import source_line
from loaders import boundaries
from metrics.hotspots import hotspot_table_name, hotspots
from reports.tables import publishable
from ui import auth, cached, data, display, sidebar

authority = config.settings().authority.name

# URL parameter -> (radio label, {value: shown label}); the first value is the default.
CHOICES = {
    "where": ("Show where children", {"from": "went missing from", "found": "were found"}),
    "areas": ("Areas", {"district": "Postcode districts", "sector": "Postcode sectors"}),
    "shade": ("Shade by", {"episodes": "Episodes", "children": "Children"}),
}
# How each choice reads in a sentence ("children went missing from B23").
DIRECTIONS = {"from": "went missing from", "found": "were found in"}
TITLES = {"from": "Children most often went missing from {place}", "found": "Children were most often found in {place}"}
MAP_HEIGHT = 640
COUNT_COLUMNS = {
    "episodes": st.column_config.NumberColumn("Episodes"),
    "children": st.column_config.NumberColumn("Children"),
}


def choice(key: str) -> str:
    """A radio button seeded from the URL (checked against its values) and written back to it."""
    title, labels = CHOICES[key]
    widget_key = f"hotspots_{key}"
    if widget_key not in st.session_state:
        wanted = st.query_params.get(key)
        st.session_state[widget_key] = wanted if wanted in labels else next(iter(labels))
    value = st.radio(title, list(labels), format_func=labels.get, key=widget_key, horizontal=True)
    st.query_params[key] = value
    return value


def areas(level: str) -> gpd.GeoDataFrame:
    """The areas of a level; built with a progress bar the first time (about 10 seconds), then read from disk."""
    postcode_areas, lad_codes = boundaries.authority()
    if not boundaries.cache_path(level, postcode_areas, lad_codes).exists():
        bar = st.progress(0.0, "Building the postcode areas from the ONS directory (first use only)…")
        boundaries.areas(level, postcode_areas=postcode_areas, lad_codes=lad_codes, progress=bar.progress)
        bar.empty()
    return cached.areas(level, postcode_areas, lad_codes)


@st.cache_data(show_spinner=False, max_entries=16)
def map_document(
    level: str, counts: pd.DataFrame, homes: pd.DataFrame, measure: str, direction: str, large: bool
) -> str:
    """The map's HTML (about half a megabyte with Leaflet inline), cached per view."""
    map_settings = config.settings().map
    postcode_areas, lad_codes = boundaries.authority()
    fmap = maps.hotspot_map(
        cached.drawn_areas(level, postcode_areas, lad_codes),
        counts,
        homes,
        by=level,
        measure=measure,
        direction=direction,
        outline=cached.drawn_areas("authority", postcode_areas, lad_codes),
        labels=map_settings.labels,
        tile_url=map_settings.tile_url.strip(),
        attribution=map_settings.tile_attribution.strip(),
        large=large,
    )
    return maps.map_html(fmap)


st.title("Hotspots")
view = sidebar.page_view()
st.caption(
    f"Episodes reported {view.period.label()}"
    + (", with the sidebar filters." if view.filters else ".")
    + " Areas are postcode districts (B23) and sectors (B23 6) of the address a child went missing from,"
    " or of the postcode where they were found."
)
display.stop_when_empty(view.current, view.period.label())

left, middle, right = st.columns(3)
with left:
    where = choice("where")
with middle:
    level = choice("areas")
with right:
    measure = choice("shade")
direction = DIRECTIONS[where]
level_name = "postcode district" if level == "district" else "postcode sector"

counts = hotspots(view.current, by=f"{where}_{level}")
homes = hotspots(view.current, by="establishment")
viewer = not auth.can_see_child_level(auth.require_user())
# a viewer's map says `<5` or `*` as the tables do: its tooltips tell a small count from one hidden to protect it
drawn_counts = publishable(hotspot_table_name(where, level), counts) if viewer else counts
drawn_homes = publishable("hotspots_establishment", homes) if viewer else homes

try:
    shapes = areas(level)
    outline = areas("authority")
except (ValueError, OSError) as problem:
    st.error(f"The postcode areas could not be built ({problem}). Check `[authority]` in config/settings.toml.")
    st.stop()

postcode_column = f"{where}_postcode"
not_known = int(view.current[postcode_column].isna().sum() + view.current[f"{where}_unknown"].sum())
on_map = counts["place"].isin(shapes["place"])
outside = int(counts.loc[~on_map, "episodes"].sum())
on_map_episodes = len(view.current) - outside - not_known  # not shown, but a viewer could work it out
shown = display.tile_counts(
    {"episodes": len(view.current), "outside": outside, "not_known": not_known, "on_map": on_map_episodes},
    [("episodes", ("outside", "not_known", "on_map"))],
)
tiles = st.columns(4)
tiles[0].metric("Episodes", shown["episodes"], border=True)
tiles[1].metric(
    f"Busiest {level_name}",
    counts["place"].iloc[0] if len(counts) else "–",
    border=True,
    help=f"The {level_name} children most often {direction} in the period.",
)
tiles[2].metric(
    "Not on the map",
    shown["outside"],
    border=True,
    help="Episodes in areas outside the authority, or in one of the few sectors with no area of their own "
    "(all their postcodes share a directory point with a neighbouring sector): in the tables, not on the map.",
)
tiles[3].metric(
    "Place not known",
    shown["not_known"],
    border=True,
    help="Episodes with no postcode, or one the ONS directory does not know: on neither map nor tables.",
)

points = maps.establishment_points(view.current, data.establishments(), cached.home_positions(view.episodes)).merge(
    drawn_homes.rename(columns={"place": "establishment_id"}), on="establishment_id", how="left"
)
try:
    document = map_document(level, drawn_counts, points, measure, direction, view.meeting)
except maps.LeafletMissing as problem:
    st.error(str(problem))
else:
    st.iframe(
        document,
        height=MAP_HEIGHT,
        alt=f"Map of {measure} by {level_name} children {direction}, with children's homes as points",
    )
    st.caption(
        f"Shading: {measure} by the {level_name} children {direction}; the busiest are named. "
        "Orange circles: children's homes, placed at the postcode their episodes start from. "
        "Areas are drawn from postcode centroids in the ONS directory, so their edges are approximate. "
        "Hover over an area or a home for its numbers."
    )

source = source_line(view.period.label(), authority)
name = f"{measure.capitalize()} by {level_name} children {direction}"
top_area = counts.sort_values(measure, ascending=False, kind="stable")["place"].iloc[0] if len(counts) else None
display.show_chart(
    lambda table: place_chart(
        table,
        title=TITLES[where].format(place=top_area) if top_area else name,
        subtitle=f"{measure.capitalize()} by {level_name} children {direction}, busiest 15, {view.period.label()}",
        source=source,
        value=measure,
    ),
    counts,
    name=f"{name} {view.period.start:%Y-%m-%d} to {view.period.end:%Y-%m-%d}",
    kind=hotspot_table_name(where, level),
    column_config={"place": level_name.capitalize(), **COUNT_COLUMNS},
)

if view.meeting:  # the big screen shows the map and the ranking; the tables are for desks and papers
    st.stop()
st.subheader("Tables")
district_tab, sector_tab, home_tab = st.tabs(["By postcode district", "By postcode sector", "By children's home"])
for tab, tab_level in ((district_tab, "district"), (sector_tab, "sector")):
    with tab:
        table = counts if tab_level == level else hotspots(view.current, by=f"{where}_{tab_level}")
        display.show_table(
            table,
            name=f"Episodes by {tab_level} children {direction} {view.period.start:%Y-%m-%d} to "
            f"{view.period.end:%Y-%m-%d}",
            kind=hotspot_table_name(where, tab_level),
            column_config={"place": f"Postcode {tab_level}", **COUNT_COLUMNS},
        )
with home_tab:
    names = data.establishments()
    named = homes.assign(name=homes["place"].map(names).fillna(""))[["place", "name", "episodes", "children"]]
    st.caption("Episodes starting from each children's home or placement, and the children they concern.")
    display.show_table(
        named,
        name=f"Episodes by establishment {view.period.start:%Y-%m-%d} to {view.period.end:%Y-%m-%d}",
        kind="hotspots_establishment",
        column_config={"place": "Establishment", "name": "Name", **COUNT_COLUMNS},
    )
