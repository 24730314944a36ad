"""The hotspot map's HTML: Leaflet inline, nothing fetched from elsewhere, every area and home drawn.

The areas are the real Birmingham ones (loaders.boundaries, cached under
data/boundaries/ like the app's); Leaflet is the copy `make setup` installed.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import config
from charts import maps
from charts.markup import html_text
from charts.theme import SEQUENTIAL
from loaders import boundaries

URL = re.compile(r"https?://[^\s\"'<>)]+")


@pytest.fixture(scope="module", autouse=True)
def leaflet_installed():
    if not (maps.LEAFLET / "leaflet.js").exists():
        pytest.fail(f"Leaflet is not installed in {maps.LEAFLET}: run make setup")


@pytest.fixture(scope="module")
def districts() -> gpd.GeoDataFrame:
    return boundaries.areas("district")


@pytest.fixture(scope="module")
def outline() -> gpd.GeoDataFrame:
    return boundaries.areas("authority")


COUNTS = pd.DataFrame(
    {"place": ["B23", "B27", "B33", "B1", "WS1"], "episodes": [312, 250, 40, 6, 9], "children": [140, 90, 30, 1, 3]}
)
HOMES = pd.DataFrame(
    {
        "establishment_id": ["EST001", "EST002"],
        "establishment_name": ["Oak View", ""],
        "postcode": ["B23 6UE", "B27 7AA"],
        "latitude": [52.53, 52.45],
        "longitude": [-1.83, -1.81],
        "episodes": [20.0, None],
        "children": [7.0, None],
    }
)


def rendered(districts, outline, counts=COUNTS, homes=HOMES, **options) -> str:
    return maps.map_html(maps.hotspot_map(districts, counts, homes, outline=outline, **options))


def without_leaflet(document: str) -> str:
    script, style = maps.leaflet_assets()
    assert script in document and style in document, "Leaflet is not inlined"
    return document.replace(script, "").replace(style, "")


def geojson_features(document: str) -> list[dict]:
    """Every GeoJSON feature folium wrote into the page (`geo_json_<id>_add({...})` calls)."""
    decoder, features = json.JSONDecoder(), []
    for call in re.finditer(r"geo_json_[0-9a-f]+_add\((?=\{)", document):
        collection, _ = decoder.raw_decode(document, call.end())
        features += collection["features"]
    return features


def drawn_areas(document: str) -> dict[str, dict]:
    return {f["properties"]["place"]: f["properties"] for f in geojson_features(document) if "place" in f["properties"]}


def test_the_map_loads_nothing_from_elsewhere(districts, outline):
    document = rendered(districts, outline)
    # Resources: no script, stylesheet, image or font from any server (Leaflet's own credit link
    # is replaced when the map starts).
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", without_leaflet(document))
    assert "attributionControl.setPrefix('Leaflet')" in document
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", document)
    assert not re.search(r"@import", document)
    # And no address at all outside Leaflet's own code (its comments and SVG namespace).
    assert URL.findall(without_leaflet(document)) == []
    for cdn in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "openstreetmap"):
        assert cdn not in document


def test_leaflet_images_are_inlined_and_no_pin_icon_is_made(districts, outline):
    document = rendered(districts, outline)
    _, style = maps.leaflet_assets()
    assert "url(images/" not in style and "data:image/png;base64," in style
    assert "L.marker(" not in document.replace("L.marker([label.lat", "")  # folium's pins would fetch an icon


def test_every_area_is_drawn_with_its_numbers(districts, outline):
    drawn = drawn_areas(rendered(districts, outline))
    assert set(drawn) == set(districts["place"])
    assert drawn["B23"]["label"] == "B23: 312 episodes, 140 children"
    assert drawn["B1"]["label"] == "B1: 6 episodes, 1 child"
    quiet = next(p for p in drawn if p not in set(COUNTS["place"]))
    assert drawn[quiet]["label"] == f"{quiet}: 0 episodes, 0 children"
    assert drawn[quiet]["fill"] == maps.NO_EPISODES
    assert drawn["B23"]["fill"] == SEQUENTIAL[0]  # the darkest for the most


def test_places_outside_the_areas_are_left_off_the_map(districts, outline):
    document = rendered(districts, outline)
    assert "WS1" not in drawn_areas(document)


def test_homes_are_points_with_their_numbers(districts, outline):
    document = rendered(districts, outline)
    assert document.count("L.circleMarker(") == len(HOMES)
    assert "Oak View (EST001, B23 6UE): 20 episodes, 7 children went missing from this home" in document
    assert "EST002 (EST002, B27 7AA): fewer than 5 episodes, fewer than 5 children" in document
    assert "children&#39;s home" in document or "children's home" in document  # in the legend


def test_busiest_areas_are_labelled_in_text(districts, outline):
    document = rendered(districts, outline, labels=2)
    labels = json.loads(re.search(r"(\[\{\"html\".*?\}\])\.forEach", document).group(1))
    assert [label["html"] for label in labels] == ["B23<br>312", "B27<br>250"]
    shapes = districts.set_index("place").geometry
    assert shapely.Point(labels[0]["lon"], labels[0]["lat"]).within(shapes["B23"])


def test_the_map_is_fitted_to_the_authority(districts, outline):
    document = rendered(districts, outline)
    west, south, east, north = outline.total_bounds
    bounds = json.loads(re.search(r"map_[0-9a-f]+\.fitBounds\(\s*(\[\[.*?\]\])", document, flags=re.DOTALL).group(1))
    assert [*bounds[0], *bounds[1]] == pytest.approx([south, west, north, east])


def test_hidden_counts_are_grey_and_explained(districts, outline):
    masked = COUNTS.astype({"episodes": "float64", "children": "float64"})
    masked.loc[masked["place"] == "B1", ["episodes", "children"]] = float("nan")
    document = rendered(districts, outline, counts=masked)
    drawn = {
        f["properties"]["place"]: f["properties"] for f in geojson_features(document) if "place" in f["properties"]
    }
    assert drawn["B1"]["fill"] == maps.HIDDEN
    assert drawn["B1"]["label"] == "B1: fewer than 5 episodes, fewer than 5 children"
    assert "fewer than 5 (hidden)" in document


def test_a_second_hidden_number_is_not_called_small(districts, outline):
    """publishable's marks: `<5` is a small count; `*` is 5 or more, hidden so that a small one cannot be worked out."""
    marked = COUNTS.astype({"episodes": object, "children": object})
    marked.loc[marked["place"] == "B1", ["episodes", "children"]] = "<5"
    marked.loc[marked["place"] == "B27", "episodes"] = "*"
    document = rendered(districts, outline, counts=marked)
    drawn = {
        f["properties"]["place"]: f["properties"] for f in geojson_features(document) if "place" in f["properties"]
    }
    assert drawn["B1"]["label"] == "B1: fewer than 5 episodes, fewer than 5 children"
    assert drawn["B27"]["label"] == "B27: episodes hidden so that a small number cannot be worked out, 90 children"
    assert drawn["B27"]["fill"] == drawn["B1"]["fill"] == maps.HIDDEN
    assert "fewer than 5 (hidden), or hidden so that a small number cannot be worked out" in document


def test_only_small_hidden_counts_say_only_fewer_than_5(districts, outline):
    marked = COUNTS.astype({"episodes": object, "children": object})
    marked.loc[marked["place"] == "B1", ["episodes", "children"]] = "<5"
    document = rendered(districts, outline, counts=marked)
    assert "fewer than 5 (hidden)" in document and "cannot be worked out" not in document


def test_legend_names_the_measure_and_the_classes(districts, outline):
    document = rendered(districts, outline, measure="children", direction="were found in")
    assert "Children by postcode district children were found in" in document
    breaks = maps.class_breaks(COUNTS["children"])
    assert f"to {int(breaks[-1]):,}" in document


def test_no_tiles_unless_the_council_gives_a_tile_url(districts, outline):
    assert "L.tileLayer" not in rendered(districts, outline)
    document = rendered(districts, outline, tile_url="https://tiles.example.org/{z}/{x}/{y}.png", attribution="Example")
    assert "L.tileLayer" in document and "tiles.example.org" in document


def test_tile_settings_default_to_none():
    shipped = config.settings().map
    assert (shipped.tile_url, shipped.tile_attribution) == ("", "")


@pytest.mark.parametrize(
    "values, expected",
    [
        ([0, 0], []),
        ([1, 2, 3, 4, 5, 6], [3.0, 5.0, 6.0]),
        ([10, 10, 10], [10.0]),
        ([0, 1, 100, 1000], [67.0, 400.0, 1000.0]),
        ([float("nan"), 7], [7.0]),
    ],
)
def test_class_breaks(values, expected):
    assert maps.class_breaks(pd.Series(values)) == expected


@pytest.mark.parametrize(
    "value, colour",
    [
        (0, maps.NO_EPISODES),
        (float("nan"), maps.HIDDEN),
        (1, SEQUENTIAL[2]),
        (3, SEQUENTIAL[1]),
        (6, SEQUENTIAL[0]),
        (99, SEQUENTIAL[0]),
    ],
)
def test_shade(value, colour):
    assert maps.shade(value, [2.0, 4.0, 6.0]) == colour


def test_a_single_class_is_the_darkest():
    assert maps.shade(10, [10.0]) == SEQUENTIAL[0]


def test_establishment_points_take_the_most_common_from_postcode():
    episodes = pd.DataFrame(
        {
            "establishment_id": ["H1", "H1", "H1", "H2", None],
            "from_postcode": ["B23 6UE", "B23 6UE", "B1 1AA", "B27 7AA", "B9 9ZZ"],
            "from_easting": [410_000.0, 410_000.0, 406_649.0, 411_000.0, 400_000.0],
            "from_northing": [292_000.0, 292_000.0, 286_530.0, 284_000.0, 280_000.0],
        }
    )
    points = maps.establishment_points(episodes, {"H1": "Oak View"})
    assert points[["establishment_id", "establishment_name", "postcode"]].values.tolist() == [
        ["H1", "Oak View", "B23 6UE"],
        ["H2", "", "B27 7AA"],
    ]
    assert points["latitude"].between(52.4, 52.6).all() and points["longitude"].between(-1.95, -1.75).all()


def test_establishment_points_of_no_episodes_is_empty():
    empty = pd.DataFrame(columns=["establishment_id", "from_postcode", "from_easting", "from_northing"])
    assert maps.establishment_points(empty).empty


def test_missing_leaflet_says_run_make_setup(tmp_path):
    with pytest.raises(maps.LeafletMissing, match="run make setup"):
        maps.leaflet_assets(tmp_path)


def test_unknown_measure_is_refused(districts, outline):
    with pytest.raises(ValueError, match="unknown measure"):
        maps.hotspot_map(districts, COUNTS, None, measure="miles")


def test_meeting_mode_has_large_type(districts, outline):
    assert maps.LARGE_STYLE not in rendered(districts, outline)
    assert maps.LARGE_STYLE in rendered(districts, outline, large=True)


SCRIPT_PAYLOADS = ("${alert(1)}", "`+alert(1)+`", "<img src=x onerror=alert(1)>", "\\`${alert(2)}")


@pytest.mark.parametrize("payload", SCRIPT_PAYLOADS)
def test_imported_names_and_ids_reach_the_map_only_escaped(districts, outline, payload):
    homes = HOMES.assign(establishment_name=[payload, ""], establishment_id=["EST001", payload])
    document = without_leaflet(rendered(districts, outline, homes=homes))
    assert payload not in document
    for fragment in ("${alert", "`+alert", "<img"):
        assert fragment not in document
    assert html_text(payload) in document  # still shown, as text


def test_the_map_document_names_its_language_and_its_title(districts, outline):
    """axe (WCAG 2.2 A: html-has-lang, document-title) checks the map's own document too."""
    document = rendered(districts, outline)
    assert '<html lang="en">' in document
    assert re.search(r"<title>Episodes by postcode district children went missing from</title>", document)
