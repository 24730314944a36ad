"""Postcode areas built offline from the ONS directory: valid, tiling the authority, holding their postcodes.

Built once for Birmingham (the settings' authority) into a temporary folder,
exactly as the app builds them on first use.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from loaders import boundaries
from loaders.postcodes import directory
from sample_data.generate import generate_episodes

AREAS, LADS = ("B",), ("E08000025",)
# Birmingham's area (ONS Standard Area Measurements: 26,777 hectares).
BIRMINGHAM_KM2 = 267.8


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every level, in OS grid metres, plus the folder and how long the first build took."""
    folder = tmp_path_factory.mktemp("boundaries")
    started = time.perf_counter()
    frames = {
        level: boundaries.areas(level, postcode_areas=AREAS, lad_codes=LADS, folder=folder)
        for level in boundaries.LEVELS
    }
    seconds = time.perf_counter() - started
    return {level: frame.to_crs(boundaries.GRID) for level, frame in frames.items()}, folder, seconds


@pytest.fixture(scope="module")
def authority_postcodes() -> pd.DataFrame:
    """Directory postcodes of the authority, with their sector and whether another sector shares their centroid."""
    every = directory().all_postcodes(set(AREAS))
    every["sector"] = every["postcode"].str[:-2]
    sectors_at = every.groupby(["easting", "northing"])["sector"].nunique().rename("sectors_here")
    every = every.join(sectors_at, on=["easting", "northing"])
    return every[every["lad"].isin(LADS)].reset_index(drop=True)


@pytest.fixture(scope="module")
def sample_postcodes(authority_postcodes) -> pd.DataFrame:
    """From-postcodes of a small generated sample that lie in the authority."""
    episodes = generate_episodes(2000).episodes
    wanted = set(episodes["from_postcode"].dropna())
    return authority_postcodes[authority_postcodes["postcode"].isin(wanted)]


def distance_to_own_sector(sectors: gpd.GeoDataFrame, postcodes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    shapes = sectors.set_index("place").geometry.reindex(postcodes["sector"]).to_numpy()
    points = shapely.points(postcodes[["easting", "northing"]].to_numpy())
    return shapely.contains(shapes, points), shapely.distance(shapes, points)


def test_every_level_is_cached_as_geojson_in_longitude_latitude(built):
    _, folder, _ = built
    for level in boundaries.LEVELS:
        path = boundaries.cache_path(level, AREAS, LADS, folder)
        assert path.exists() and path.suffix == ".geojson"
        assert path.stat().st_size < 600_000, f"{level}: {path.stat().st_size} bytes is heavy for a page"
        assert gpd.read_file(path).crs.to_epsg() == 4326
    assert f"_v{boundaries.VERSION}_" in boundaries.cache_path("sector", AREAS, LADS, folder).name


def test_second_use_reads_the_cache(built):
    _, folder, first = built
    started = time.perf_counter()
    again = boundaries.areas("sector", postcode_areas=AREAS, lad_codes=LADS, folder=folder)
    assert time.perf_counter() - started < min(2.0, first / 2)
    assert len(again) == len(built[0]["sector"])


def test_areas_are_valid_and_named(built):
    frames, _, _ = built
    for level, frame in frames.items():
        assert len(frame) and frame.geometry.is_valid.all() and not frame.geometry.is_empty.any(), level
        assert frame["place"].is_unique
    assert frames["district"]["place"].str.fullmatch(r"B\d{1,2}").all()
    assert frames["sector"]["place"].str.fullmatch(r"B\d{1,2} \d").all()
    assert 120 <= len(frames["sector"]) <= 200 and 40 <= len(frames["district"]) <= 70


def test_the_authority_has_about_birminghams_area(built):
    authority = built[0]["authority"]
    assert len(authority) == 1
    assert authority.area.iloc[0] / 1e6 == pytest.approx(BIRMINGHAM_KM2, rel=0.02)


@pytest.mark.parametrize("level", ["sector", "district"])
def test_areas_tile_the_authority_without_overlapping(built, level):
    frames, _, _ = built
    areas, outline = frames[level], frames["authority"].geometry.iloc[0]
    total = areas.area.sum()
    union = shapely.union_all(areas.geometry.to_numpy())
    assert union.difference(outline.buffer(1)).area < 1e-4 * total  # clipped to the authority
    assert total - union.area < 1e-4 * total  # no overlaps between areas
    assert outline.difference(union).area < 1e-3 * outline.area  # no gaps


def test_districts_are_their_sectors_joined(built):
    frames, _, _ = built
    sectors = frames["sector"].assign(district=frames["sector"]["place"].str.split(" ").str[0])
    assert set(sectors["district"]) == set(frames["district"]["place"])
    b23 = frames["district"].set_index("place").geometry["B23"]
    joined = shapely.union_all(sectors.loc[sectors["district"] == "B23"].geometry.to_numpy())
    assert b23.symmetric_difference(joined).area < 0.01 * b23.area  # simplified separately


def test_each_area_counts_its_directory_postcodes(built, authority_postcodes):
    """A sector whose every postcode shares its point with a bigger sector has no area: few such postcodes."""
    sectors = built[0]["sector"].set_index("place")["postcodes"]
    expected = authority_postcodes["sector"].value_counts()
    assert sectors.equals(expected.reindex(sectors.index).astype("int64"))
    assert sectors.sum() >= 0.99 * len(authority_postcodes)


def test_sample_sectors_all_have_an_area(built, sample_postcodes):
    assert len(sample_postcodes) > 80
    missing = set(sample_postcodes["sector"]) - set(built[0]["sector"]["place"])
    assert not missing


def test_sample_postcodes_fall_in_their_own_sector(built, sample_postcodes):
    """A postcode with a centroid of its own is inside its sector (up to simplification); postcodes
    sharing one rounded point with other sectors' postcodes cannot all be, but stay in the authority."""
    alone = sample_postcodes[sample_postcodes["sectors_here"] == 1]
    inside, distance = distance_to_own_sector(built[0]["sector"], alone)
    assert inside.mean() >= 0.99, alone.loc[~inside, "postcode"].tolist()[:20]
    assert distance.max() <= boundaries.SIMPLIFY_METRES
    outline = built[0]["authority"].geometry.iloc[0].buffer(boundaries.SIMPLIFY_METRES)
    assert shapely.contains(outline, shapely.points(sample_postcodes[["easting", "northing"]].to_numpy())).all()


def test_every_directory_postcode_with_its_own_centroid_is_in_its_sector(built, authority_postcodes):
    alone = authority_postcodes[authority_postcodes["sectors_here"] == 1]
    inside, distance = distance_to_own_sector(built[0]["sector"], alone)
    assert len(alone) > 20_000
    assert inside.mean() >= 0.995
    assert distance.max() <= boundaries.SIMPLIFY_METRES


def square_grid(spacing: float = 400.0) -> pd.DataFrame:
    """A 6 x 6 grid of made-up postcodes: the left half in sector Z1 1, the right in Z1 2; the outer ring
    belongs to another authority."""
    rows = []
    for i in range(6):
        for j in range(6):
            inside = 0 < i < 5 and 0 < j < 5
            rows.append(
                {
                    "postcode": f"Z1 {1 if i < 3 else 2}{chr(65 + i)}{chr(65 + j)}",
                    "easting": 400_000 + i * spacing,
                    "northing": 300_000 + j * spacing,
                    "lad": "E00000001" if inside else "E00000002",
                }
            )
    return pd.DataFrame(rows)


def test_cells_split_halfway_between_postcodes_and_stop_at_the_neighbours():
    built = {k: v.to_crs(boundaries.GRID) for k, v in boundaries.build_areas(square_grid(), ["E00000001"]).items()}
    sectors = built["sector"].set_index("place")
    assert list(sectors.index) == ["Z1 1", "Z1 2"]
    assert list(sectors["postcodes"]) == [8, 8]
    left, right = sectors.geometry["Z1 1"], sectors.geometry["Z1 2"]
    # inner 4 x 4 postcodes, each owning a 400 m square: 1600 m x 1600 m in all, split down the middle
    assert left.area == pytest.approx(800 * 1600, rel=0.01) and right.area == pytest.approx(800 * 1600, rel=0.01)
    assert left.bounds == pytest.approx((400_200, 300_200, 401_000, 301_800), abs=2)
    assert built["district"]["place"].tolist() == ["Z1"]
    assert built["authority"].area.iloc[0] == pytest.approx(1600 * 1600, rel=0.01)


def test_edge_cells_are_capped_where_no_neighbour_bounds_them():
    lonely = square_grid(spacing=5000.0)
    lonely["lad"] = "E00000001"
    authority = boundaries.build_areas(lonely, ["E00000001"])["authority"].to_crs(boundaries.GRID)
    west, south, east, north = authority.total_bounds
    assert west == pytest.approx(400_000 - boundaries.CELL_RADIUS_METRES, abs=20)
    assert south == pytest.approx(300_000 - boundaries.CELL_RADIUS_METRES, abs=20)
    assert east == pytest.approx(400_000 + 5 * 5000 + boundaries.CELL_RADIUS_METRES, abs=20)
    assert north == pytest.approx(300_000 + 5 * 5000 + boundaries.CELL_RADIUS_METRES, abs=20)


def test_centroids_shared_by_two_sectors_go_to_the_sector_most_postcodes_there_are_in():
    grid = square_grid()
    shared = grid.iloc[[14, 14, 14]].copy()  # a point in Z1 2 ... give it three Z1 1 postcodes as well
    shared["postcode"] = ["Z1 1XA", "Z1 1XB", "Z1 1XD"]
    built = boundaries.build_areas(pd.concat([grid, shared]), ["E00000001"])["sector"].to_crs(boundaries.GRID)
    z11 = built.set_index("place").geometry["Z1 1"]
    point = shapely.Point(grid.iloc[14][["easting", "northing"]].to_numpy(dtype=float))
    assert z11.contains(point)


def test_no_postcode_in_the_authority_is_refused():
    with pytest.raises(ValueError, match="no postcode of"):
        boundaries.build_areas(square_grid(), ["E99999999"])


def test_unknown_level_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown level"):
        boundaries.cache_path("ward", AREAS, LADS, tmp_path)
