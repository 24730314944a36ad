"""Postcode sector and district areas for the hotspot map, built offline from the ONS directory.

There is no free offline file of postcode boundaries, but the postcode
directory the importer already ships gives every postcode's centroid. Each
centroid gets the patch of ground nearer to it than to any other (a Voronoi
cell, capped at `CELL_RADIUS_METRES` so edge cells do not run off into the
next council); the cells of the authority's own postcodes, dissolved by
sector and by district, make areas that tile the authority. They are
simplified as one coverage (neighbours keep a shared edge), turned from OS
grid metres (EPSG:27700) into longitude/latitude (EPSG:4326) for Leaflet,
and cached as GeoJSON under data/boundaries/ so only the first use pays
for the build (about 10 seconds for Birmingham).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import config
from loaders.postcodes import directory

# Bump when the way areas are built changes, so old cached files are not used.
VERSION = 1
LEVELS = ("sector", "district", "authority")
GRID = "EPSG:27700"  # OS National Grid, the directory's eastings and northings
LONLAT = "EPSG:4326"  # what Leaflet draws
CELL_RADIUS_METRES = 1000
SIMPLIFY_METRES = 20
DECIMALS = 5  # about a metre: more digits only make the page heavier


def cache_folder() -> Path:
    return config.DATA_DIR / "boundaries"


def authority() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The postcode areas and local authority district codes of `[authority]` in settings."""
    section = config.settings().authority
    areas = tuple(sorted(a.strip().upper() for a in section.postcode_areas if a.strip()))
    lad_codes = tuple(sorted(code.strip().upper() for code in section.lad_codes if code.strip()))
    return areas, lad_codes


def cache_path(level: str, areas: Iterable[str], lad_codes: Iterable[str], folder: Path | None = None) -> Path:
    """Where the areas of one level are cached: keyed on the areas, the authority and VERSION."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r} (allowed: {', '.join(LEVELS)})")
    key = f"{'-'.join(sorted(areas))}_{'-'.join(sorted(lad_codes))}_v{VERSION}"
    return (folder or cache_folder()) / f"{key}_{level}.geojson"


def voronoi_cells(eastings: np.ndarray, northings: np.ndarray) -> np.ndarray:
    """One cell per point (points must be distinct), in the order given."""
    points = shapely.points(np.column_stack([eastings, northings]))
    together = shapely.multipoints(points)
    cells = shapely.voronoi_polygons(
        together, extend_to=together.envelope.buffer(10 * CELL_RADIUS_METRES), ordered=True
    )
    return shapely.get_parts(cells)


def _tidy(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Simplify as one coverage, then to longitude/latitude rounded to DECIMALS."""
    geometry = shapely.coverage_simplify(frame.geometry.to_numpy(), SIMPLIFY_METRES)
    lonlat = gpd.GeoSeries(geometry, crs=GRID, index=frame.index).to_crs(LONLAT).to_numpy()
    rounded = shapely.set_precision(lonlat, 10**-DECIMALS)  # snap-rounding keeps polygons valid
    return gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=rounded, crs=LONLAT).reset_index(drop=True)


def build_areas(
    postcodes: pd.DataFrame, lad_codes: Iterable[str], progress: Callable[[float, str], None] | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """Sector, district and authority areas from directory postcodes (postcode, easting, northing, lad).

    Every postcode of the loaded areas takes part in the Voronoi diagram, so
    the authority's edge follows its neighbours' postcodes; only cells of
    postcodes whose LAD is in `lad_codes` are kept. Postcodes sharing a
    centroid share a cell, which goes to the sector most of them are in (the
    directory gives some large-user and old postcodes one rounded point).
    Each frame has `place`, `postcodes` (how many directory postcodes it
    holds) and a geometry in EPSG:4326.
    """
    report = progress or (lambda fraction, text: None)
    lad_codes = {code.upper() for code in lad_codes}
    points = postcodes.dropna(subset=["easting", "northing"]).sort_values("postcode")
    points = points.assign(sector=points["postcode"].str[:-2], district=points["postcode"].str.split(" ").str[0])
    counts = points[points["lad"].isin(lad_codes)]
    # Postcodes sharing a centroid share one cell: it goes to the sector most of them are in.
    shared = points.groupby(["easting", "northing", "sector"], sort=False).size().rename("n").reset_index()
    shared = shared.sort_values("n", ascending=False, kind="stable").drop_duplicates(["easting", "northing"])
    points = points.merge(shared.drop(columns="n"), on=["easting", "northing", "sector"])
    points = points.drop_duplicates(["easting", "northing"]).reset_index(drop=True)
    if not points["lad"].isin(lad_codes).any():
        raise ValueError(f"no postcode of {sorted(lad_codes)} in the postcode areas loaded")
    report(0.2, f"Drawing a cell around each of {len(points):,} postcode centroids")
    cells = voronoi_cells(points["easting"].to_numpy(), points["northing"].to_numpy())
    mine = points["lad"].isin(lad_codes).to_numpy()
    centres = shapely.points(points.loc[mine, ["easting", "northing"]].to_numpy())
    cells = gpd.GeoDataFrame(points.loc[mine, ["sector", "district"]], geometry=cells[mine], crs=GRID)
    report(0.45, "Joining cells into postcode sectors")
    # The cells tile the plane, so a coverage union is fast; the few cells reaching further
    # than CELL_RADIUS_METRES from their postcode (edges, parks) are cut back afterwards.
    circles = shapely.buffer(centres, CELL_RADIUS_METRES, quad_segs=8)
    far = ~shapely.within(cells.geometry.to_numpy(), circles)
    beyond = shapely.union_all(shapely.difference(cells.geometry.to_numpy()[far], circles[far]))
    sectors = cells.dissolve("sector", method="coverage").drop(columns="district")
    sectors["geometry"] = sectors.geometry.difference(beyond)
    report(0.75, "Joining sectors into districts")
    districts = sectors.assign(district=sectors.index.str.split(" ").str[0]).dissolve("district")
    whole = gpd.GeoDataFrame(
        {"place": ["authority"], "postcodes": [len(counts)]},
        geometry=[shapely.union_all(districts.geometry.to_numpy())],
        crs=GRID,
    )
    report(0.85, "Simplifying the outlines")
    result = {"authority": _tidy(whole)}
    for level, frame in (("sector", sectors), ("district", districts)):
        frame = frame.rename_axis("place").reset_index()
        frame.insert(1, "postcodes", frame["place"].map(counts[level].value_counts()).fillna(0).astype("int64"))
        result[level] = _tidy(frame)
    return result


def _write(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write atomically: two servers (or two sessions of one) building at once must not read half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    frame.to_file(partial, driver="GeoJSON")
    partial.replace(path)


def areas(
    level: str,
    *,
    postcode_areas: Iterable[str] | None = None,
    lad_codes: Iterable[str] | None = None,
    folder: Path | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> gpd.GeoDataFrame:
    """The areas of one level (`sector`, `district` or `authority`), from the cache or built and cached.

    Defaults come from the `[authority]` settings.
    """
    default_areas, default_lads = authority()
    postcode_areas = tuple(sorted(postcode_areas or default_areas))
    lad_codes = tuple(sorted(lad_codes or default_lads))
    path = cache_path(level, postcode_areas, lad_codes, folder)
    if not path.exists():
        report = progress or (lambda fraction, text: None)
        report(0.0, f"Loading the postcode directory for {', '.join(postcode_areas)}")
        built = build_areas(directory().all_postcodes(set(postcode_areas)), lad_codes, progress)
        report(0.95, "Saving the areas")
        for name, frame in built.items():
            _write(frame, cache_path(name, postcode_areas, lad_codes, folder))
        report(1.0, "Areas ready")
    frame = gpd.read_file(path)
    frame["postcodes"] = frame["postcodes"].astype("int64")
    return frame
