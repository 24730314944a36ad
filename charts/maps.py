"""The hotspot map: postcode areas shaded by episodes, children's homes as points, no internet.

folium writes Leaflet maps, but by default its HTML loads Leaflet, jQuery,
Bootstrap and Font Awesome from CDNs and draws OpenStreetMap tiles. A council
laptop in a meeting room may have no internet, and a page that calls out to
other servers leaks who is looking at what. So here the map has no tiles
(unless the council sets `[map] tile_url`), loads nothing from a CDN, and
carries the Leaflet that `make setup` installed (static/vendor/leaflet/)
inline, so the HTML works as it is inside Streamlit's iframe or saved to disk.
Areas are told apart by outline, tooltip and a text label on the busiest, not
by colour alone.
"""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import SupportsInt

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element, Figure, MacroElement
from folium.vector_layers import path_options
from jinja2 import Template
from pyproj import Transformer

import config
from charts.markup import html_text
from charts.theme import FONT, PALETTE, SEQUENTIAL, TEXT
from config.canonical import HIDDEN_MARK  # a count of 5 or more hidden so that a small one cannot be worked out

LEAFLET = config.PROJECT_ROOT / "static" / "vendor" / "leaflet"
LEGEND_WIDTH = 220  # pixels
NO_EPISODES = "#FFFFFF"
HIDDEN = "#D9D9D9"  # counts suppressed for viewers
HOME_COLOUR = PALETTE[3]
MEASURES = {"episodes": "episodes", "children": "children"}
MAP_STYLE = (
    f".leaflet-container{{background:#F3F2F1;font-family:{FONT}}}"
    f".area-label{{color:{TEXT};font:bold 12px {FONT};text-align:center;white-space:nowrap;"
    "text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff}"
)
LARGE_STYLE = ".area-label{font-size:17px}.map-legend{font-size:17px!important;line-height:26px!important}"
_TO_LONLAT = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


class LeafletMissing(FileNotFoundError):
    """Leaflet was not installed: the map cannot be drawn offline."""


def _css_with_inline_images(css: str, folder: Path) -> str:
    """Leaflet's CSS with each `url(images/x.png)` replaced by a data: URL, so nothing is fetched."""

    def inline(match: re.Match) -> str:
        image = folder / match.group(1)
        return f"url(data:image/png;base64,{base64.b64encode(image.read_bytes()).decode()})"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)


def leaflet_assets(folder: Path | None = None) -> tuple[str, str]:
    """Leaflet's JS and CSS as text, ready to inline; LeafletMissing when setup has not run."""
    folder = folder or LEAFLET
    script, style = folder / "leaflet.js", folder / "leaflet.css"
    if not script.exists() or not style.exists():
        raise LeafletMissing(f"Leaflet is not installed in {folder}: run make setup (scripts/install_vendor.py)")
    code = re.sub(r"//# sourceMappingURL=\S+", "", script.read_text())
    return code, _css_with_inline_images(style.read_text(), folder)


class Verbatim(Element):
    """Text put into the map's page as it is. branca's Element compiles its text as a Jinja template every time
    one is made: Leaflet's 150 kB of script took a third of a second of every map."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class AreaLayer(folium.GeoJson):
    """folium's GeoJson, its script put into the page as rendered. branca's MacroElement.render wraps a script in
    an Element, which compiles it as a Jinja template: with the areas' GeoJSON in it, 0.3 s of every map."""

    def render(self, **kwargs):
        page = _page(self)
        at = len(page.script._children)  # where folium puts this layer's script: before its children's
        template, self._template = self._template, _NO_PARTS
        try:
            super().render(**kwargs)  # the style maps, the add-to-map and the tooltip, as folium does them
        finally:
            self._template = template
        page.script.add_child(Verbatim(template.module.script(self, kwargs)), name=self.get_name(), index=at)


_NO_PARTS = Template("")


def _page(fmap: Element) -> Figure:
    """The HTML page the map sits in: folium's root Figure (get_root() is typed as any Element)."""
    page = fmap.get_root()
    if not isinstance(page, Figure):
        raise TypeError(f"a folium map's root is a Figure, not {type(page).__name__}")
    return page


def offline_map(bounds: list[list[float]], *, tile_url: str = "", attribution: str = "") -> folium.Map:
    """An empty folium map fitted to `bounds` ([[south, west], [north, east]]) that fetches nothing
    (except tiles from `tile_url` when a council gives one)."""
    script, style = leaflet_assets()
    fmap = folium.Map(tiles=None, control_scale=True, zoom_snap=0.25, prefer_canvas=False)
    fmap.default_js, fmap.default_css = [], []  # folium's CDN links; Leaflet goes inline instead
    header = _page(fmap).header
    header.add_child(Verbatim(f"<style>{style}</style>"), name="leaflet_css")
    header.add_child(Verbatim(f"<script>{script}</script>"), name="leaflet")
    header.add_child(
        Element(f"<style>{MAP_STYLE}</style>"),
        name="map_style",
    )
    prefix = MacroElement()
    # Leaflet's own credit without its web link: nothing on the map leads off this machine.
    prefix._template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.attributionControl.setPrefix('Leaflet');"
        "{% endmacro %}"
    )
    fmap.add_child(prefix)
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=attribution or "Map tiles", name="Background").add_to(fmap)
    # Room on the right for the legend, so it does not cover the areas.
    fmap.fit_bounds(bounds, padding_top_left=(10, 10), padding_bottom_right=(LEGEND_WIDTH + 30, 10))
    return fmap


def class_breaks(values: pd.Series, classes: int = len(SEQUENTIAL)) -> list[float]:
    """Upper bounds of `classes` shading classes over the counts above zero (equal numbers of areas
    per class, rounded to whole numbers); the last is the largest count."""
    counts = pd.to_numeric(values, errors="coerce").dropna()
    counts = counts[counts > 0]
    if counts.empty:
        return []
    quantiles = np.quantile(counts, [(i + 1) / classes for i in range(classes)])
    return sorted({float(math.ceil(q)) for q in quantiles})


def shade(value: float, breaks: list[float]) -> str:
    """Fill colour of a count: white for none, grey for hidden, darker for more."""
    if value is None or pd.isna(value):
        return HIDDEN
    if value <= 0 or not breaks:
        return NO_EPISODES
    ramp = list(reversed(SEQUENTIAL))[-len(breaks) :] if len(breaks) < len(SEQUENTIAL) else list(reversed(SEQUENTIAL))
    for colour, upper in zip(ramp, breaks, strict=False):
        if value <= upper:
            return colour
    return ramp[-1]


def counted(value: SupportsInt | str | None, one: str, many: str) -> str:
    """`312 episodes`, `1 child`, `fewer than 5 children` (`<5` or NaN: hidden for publication), or for a
    second number hidden (`*`, 5 or more) `children hidden so that a small number cannot be worked out`."""
    if value == HIDDEN_MARK:
        return f"{many} hidden so that a small number cannot be worked out"
    if value is None or isinstance(value, str) or pd.isna(value):
        return f"fewer than 5 {many}"
    return f"{int(value):,} {one if int(value) == 1 else many}"


def area_label(place: str, episodes: SupportsInt | None, children: SupportsInt | None) -> str:
    """The tooltip of an area: `B23: 312 episodes, 140 children` (as HTML: the tooltip shows it as such)."""
    return f"{html_text(place)}: {counted(episodes, 'episode', 'episodes')}, {counted(children, 'child', 'children')}"


def home_label(name: object, establishment_id: object, postcode: object) -> str:
    """`Oak House (EST062, B23 6AA)` as HTML for a tooltip: names and ids are imported text."""
    return f"{html_text(name)} ({html_text(establishment_id)}, {html_text(postcode)})"


def _legend(breaks: list[float], title: str, has_hidden: bool, homes: bool, has_secondary: bool = False) -> Element:
    rows, lower = [], 1
    ramp = list(reversed(SEQUENTIAL))[-len(breaks) :] if breaks else []
    for colour, upper in zip(ramp, breaks, strict=False):
        text = f"{lower:,}" if lower == int(upper) else f"{lower:,} to {int(upper):,}"
        rows.append((colour, text))
        lower = int(upper) + 1
    rows.append((NO_EPISODES, "none"))
    if has_hidden:
        also = ", or hidden so that a small number cannot be worked out" if has_secondary else ""
        rows.append((HIDDEN, f"fewer than 5 (hidden){also}"))
    items = "".join(
        f'<div><span style="display:inline-block;width:18px;height:14px;margin-right:6px;vertical-align:middle;'
        f'background:{colour};border:1px solid {TEXT}"></span>{html_text(text)}</div>'
        for colour, text in reversed(rows)
    )
    if homes:
        items += (
            f'<div style="margin-top:6px"><span style="display:inline-block;width:12px;height:12px;margin:0 9px 0 3px;'
            f'vertical-align:middle;border-radius:50%;background:{HOME_COLOUR};border:2px solid {TEXT}"></span>'
            "children's home</div>"
        )
    box = (
        '<div class="map-legend" style="position:absolute;bottom:24px;right:12px;z-index:1000;background:#fff;'
        f"max-width:{LEGEND_WIDTH}px;"
        f'padding:8px 10px;border:1px solid {TEXT};font:13px {FONT};color:{TEXT};line-height:20px">'
        f'<div style="font-weight:bold;margin-bottom:4px">{html_text(title)}</div>{items}</div>'
    )
    return Element(box)


def bounds_of(frame: gpd.GeoDataFrame) -> list[list[float]]:
    west, south, east, north = frame.to_crs("EPSG:4326").total_bounds
    return [[float(south), float(west)], [float(north), float(east)]]


@dataclass(frozen=True)
class DrawnAreas:
    """A level's areas as the map draws them, worked out once per geography since no view changes them (turning
    shapes into GeoJSON and projecting label points took about a second of every map)."""

    shapes: gpd.GeoDataFrame  # place, geometry, in longitude and latitude
    collection: dict  # the GeoJSON FeatureCollection of the shapes' geometries, in their order, properties empty
    label_points: gpd.GeoSeries  # where each area's label goes (a point inside it), indexed as shapes


def drawn_areas(areas: gpd.GeoDataFrame) -> DrawnAreas:
    """`areas` (place, geometry, any projection) ready to draw: see DrawnAreas."""
    shapes = areas[["place", "geometry"]].to_crs("EPSG:4326")
    collection = json.loads(json.dumps(shapes[["geometry"]].__geo_interface__))
    label_points = shapes.to_crs("EPSG:27700").representative_point().to_crs("EPSG:4326")
    return DrawnAreas(shapes, collection, label_points)


def _with_properties(collection: dict, properties: pd.DataFrame) -> dict:
    """The collection's features, each given its row of `properties` (as geopandas writes a frame's columns)."""
    rows = properties.to_dict("records")
    features = [{**feature, "properties": row} for feature, row in zip(collection["features"], rows, strict=True)]
    return {**collection, "features": features}


def home_positions(episodes: pd.DataFrame) -> pd.DataFrame:
    """Longitude and latitude of every from_easting and from_northing that an establishment's episode starts at
    (indexed by the two), for establishment_points. Worth projecting once per data version: each new thread
    (every page run is one) sets up its own pyproj transformer, about 0.2 s, before projecting a single point."""
    grid = (
        episodes[["establishment_id", "from_easting", "from_northing"]]
        .dropna()[["from_easting", "from_northing"]]
        .drop_duplicates()
    )
    longitude, latitude = _TO_LONLAT.transform(grid["from_easting"].to_numpy(), grid["from_northing"].to_numpy())
    return pd.DataFrame({"longitude": longitude, "latitude": latitude}, index=pd.MultiIndex.from_frame(grid))


def establishment_points(
    episodes: pd.DataFrame, names: dict[str, str] | None = None, positions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Where to draw each establishment: the centroid of the from_postcode most of its episodes start at.

    The establishments table holds no address; a care episode from a children's
    home starts at the home, so its most common from_postcode is the home's.
    Columns establishment_id, establishment_name, postcode, latitude, longitude;
    `positions` (home_positions of these episodes or of all they were chosen from) saves projecting them again.
    """
    # the four columns before dropna: dropping rows of the whole frame copies every column
    grid = ["establishment_id", "from_postcode", "from_easting", "from_northing"]
    known = episodes[grid].dropna(subset=["establishment_id", "from_easting", "from_northing"])
    columns = ["establishment_id", "establishment_name", "postcode", "latitude", "longitude"]
    if known.empty:
        return pd.DataFrame(columns=columns)
    common = (
        known.groupby(grid, observed=True)
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["n", "from_postcode"], ascending=[False, True], kind="stable")
        .drop_duplicates("establishment_id")
        .sort_values("establishment_id", ignore_index=True)
    )
    placed = (home_positions(common) if positions is None else positions).reindex(
        pd.MultiIndex.from_frame(common[["from_easting", "from_northing"]])
    )
    return pd.DataFrame(
        {
            "establishment_id": common["establishment_id"].astype(str),
            "establishment_name": common["establishment_id"].astype(str).map(names or {}).fillna(""),
            "postcode": common["from_postcode"].astype(str),
            "latitude": placed["latitude"].to_numpy(),
            "longitude": placed["longitude"].to_numpy(),
        }
    )[columns]


def home_tooltip(home) -> str:
    """What a home's tooltip says (as HTML): `Oak View (EST001, B23 6UE): 20 episodes, 7 children went missing
    from this home`; `home` is a row of establishment_points, with its episodes and children if counted."""
    name = home.establishment_name or home.establishment_id
    return (
        f"{home_label(name, home.establishment_id, home.postcode)}: "
        f"{counted(getattr(home, 'episodes', None), 'episode', 'episodes')}, "
        f"{counted(getattr(home, 'children', None), 'child', 'children')} went missing from this home"
    )


class HomePoints(MacroElement):
    """The children's homes: a circle each, with its tooltip, written as folium's CircleMarker and Tooltip write
    them but from one template. Theirs compile Jinja templates for every home each time the map renders (about
    15 ms a home: three seconds for 200 homes)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        {%- for location, text in this.homes %}
            L.circleMarker({{ location|tojson }}, {{ this.options|tojson }})
                .addTo({{ this._parent.get_name() }})
                .bindTooltip(`<div>{{ text }}</div>`, {"sticky": true});
        {%- endfor %}
        {% endmacro %}"""
    )

    def __init__(self, locations: list[list[float]], tooltips: list[str]) -> None:
        super().__init__()
        self._name = "HomePoints"
        self.homes = list(zip(locations, tooltips, strict=True))
        self.options = path_options(
            line=False, radius=6, color=TEXT, weight=2, fill=True, fill_color=HOME_COLOUR, fill_opacity=1
        )


class AreaLabels(MacroElement):
    """Text labels (place and count) drawn on the map, not clickable so the area's tooltip still shows.

    Plain `L.divIcon` markers: folium's Marker would first add Leaflet's default
    pin icon, which the browser then tries to fetch.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this.labels|tojson }}.forEach(function (label) {
            L.marker([label.lat, label.lon], {
                interactive: false, keyboard: false,
                icon: L.divIcon({className: "area-label-icon", html: '<div class="area-label">' + label.html + "</div>",
                                 iconSize: [80, 32], iconAnchor: [40, 16]})
            }).addTo({{ this._parent.get_name() }});
        });
        {% endmacro %}"""
    )

    def __init__(self, labels: list[dict]) -> None:
        super().__init__()
        self._name = "AreaLabels"
        self.labels = labels


def hotspot_map(
    areas: gpd.GeoDataFrame | DrawnAreas,
    counts: pd.DataFrame,
    establishments: pd.DataFrame | None = None,
    *,
    by: str = "district",
    measure: str = "episodes",
    direction: str = "went missing from",
    outline: gpd.GeoDataFrame | DrawnAreas | None = None,
    labels: int = 10,
    tile_url: str = "",
    attribution: str = "",
    large: bool = False,
) -> folium.Map:
    """A choropleth of `counts` (place, episodes, children; where hidden `<5` or `*` as
    reports.tables.publishable marks them, or NaN) over `areas` (place, geometry; or drawn_areas of them,
    made once per geography), with `establishments` (establishment_points plus episodes, children)
    as points and the `labels` busiest areas named on the map; `large` type for meeting mode."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r} (allowed: {', '.join(MEASURES)})")
    drawn = areas if isinstance(areas, DrawnAreas) else drawn_areas(areas)
    drawn_outline = outline if isinstance(outline, DrawnAreas) or outline is None else drawn_areas(outline)
    shapes = pd.DataFrame({"place": drawn.shapes["place"]})
    table = counts.set_index("place")[["episodes", "children"]] if len(counts) else None
    told = {}  # what each tooltip says: a count, or the mark of a hidden one
    for column in ("episodes", "children"):
        values = table[column].reindex(shapes["place"]).to_numpy(dtype=object) if table is not None else None
        # Areas with no row had no episodes; a NaN or a mark that came in the table was hidden.
        present = shapes["place"].isin(table.index) if table is not None else pd.Series(False, index=shapes.index)
        told[column] = np.where(present, values, 0) if values is not None else np.zeros(len(shapes), dtype=object)
        shapes[column] = pd.to_numeric(pd.Series(told[column], index=shapes.index), errors="coerce").astype("float64")
    breaks = class_breaks(shapes[measure])
    shapes["fill"] = [shade(v, breaks) for v in shapes[measure]]
    shapes["label"] = [
        area_label(p, e, c) for p, e, c in zip(shapes["place"], told["episodes"], told["children"], strict=True)
    ]
    fmap = offline_map(bounds_of((drawn_outline or drawn).shapes), tile_url=tile_url, attribution=attribution)
    level = "postcode sector" if by == "sector" else "postcode district"
    AreaLayer(
        _with_properties(drawn.collection, shapes[["place", "label", "fill"]]),
        name=f"{measure.capitalize()} by {level}",
        style_function=lambda feature: {
            "fillColor": feature["properties"]["fill"],
            "fillOpacity": 0.85,
            "color": TEXT,
            "weight": 0.8 if by == "sector" else 1.2,
        },
        highlight_function=lambda feature: {"weight": 3, "color": PALETTE[3]},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False, sticky=True),
    ).add_to(fmap)
    if drawn_outline is not None:
        AreaLayer(
            drawn_outline.collection,
            name="Authority boundary",
            style_function=lambda feature: {"fill": False, "color": TEXT, "weight": 3},
            interactive=False,
        ).add_to(fmap)
    top = shapes[shapes[measure].fillna(0) > 0].sort_values(measure, ascending=False, kind="stable").head(labels)
    points = drawn.label_points.loc[top.index]
    fmap.add_child(
        AreaLabels(
            [
                {"lat": p.y, "lon": p.x, "html": f"{html_text(place)}<br>{int(value):,}"}
                for place, value, p in zip(top["place"], top[measure], points, strict=True)
            ]
        )
    )
    if establishments is not None and len(establishments):
        homes = folium.FeatureGroup(name="Children's homes")
        rows = list(establishments.itertuples(index=False))
        homes.add_child(
            HomePoints([[row.latitude, row.longitude] for row in rows], [home_tooltip(row) for row in rows])
        )
        homes.add_to(fmap)
    title = f"{measure.capitalize()} by {level} children {direction}"
    _page(fmap).title = html_text(title)  # the document's <title>: screen readers name the frame by it
    has_homes = establishments is not None and len(establishments) > 0
    secondary = bool((told[measure] == HIDDEN_MARK).any())
    _page(fmap).html.add_child(
        _legend(breaks, title, bool(shapes[measure].isna().any()), has_homes, has_secondary=secondary)
    )
    if large:  # meeting mode: read from the back of the room
        _page(fmap).header.add_child(Element(f"<style>{LARGE_STYLE}</style>"), name="large_type")
    return fmap


def map_html(fmap: folium.Map) -> str:
    """The whole map as one HTML document (what the page embeds and offers as a download), in English
    (`lang`, which branca's page template leaves out, tells a screen reader how to speak it)."""
    return fmap.get_root().render().replace("<html>", '<html lang="en">', 1)
