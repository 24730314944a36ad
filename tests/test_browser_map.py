"""The hotspot map in Debian's Chromium with every request off this machine blocked.

Proves what only a browser can: Leaflet runs from the app's own copy, the
areas and homes are drawn as SVG paths, their tooltips show numbers, and
nothing is fetched from the internet. Screenshots land in /tmp/shots.
"""

from __future__ import annotations

import re
import time

import pytest

from charts.maps import LEAFLET
from tests.browser_support import SHOTS, open_page

pytestmark = pytest.mark.browser

PERIOD = "from=2014-10-01&to=2015-04-30"
MAP = 'iframe[title^="Map of"]'


@pytest.fixture(scope="module", autouse=True)
def leaflet_installed():
    if not (LEAFLET / "leaflet.js").exists():
        pytest.fail(f"Leaflet is not installed in {LEAFLET}: run make setup")


def open_map(page, base: str, query: str):
    """Open the Hotspots page and wait for Leaflet to draw; returns the map frame and the seconds it took."""
    started = time.perf_counter()
    open_page(page, base, f"hotspots?{query}")
    frame = page.frame_locator(MAP)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    return frame, time.perf_counter() - started


def test_the_map_draws_districts_and_homes_offline(sample_server, page):
    frame, seconds = open_map(page, sample_server, PERIOD)
    print(f"hotspots page settled with its map in {seconds:.1f} s")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "hotspots.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    paths = frame.locator("path.leaflet-interactive")
    assert paths.count() >= 50  # Birmingham has over 50 postcode districts, plus the homes
    assert frame.locator(".area-label").count() == 10
    assert "B23" in frame.locator(".area-label").all_inner_texts()[0]  # the sample's busiest district
    assert "children's home" in frame.locator(".map-legend").inner_text()
    assert frame.locator(".leaflet-tile").count() == 0
    assert page.outside_requests == [], page.outside_requests


def test_hovering_an_area_shows_its_numbers(sample_server, page):
    frame, _ = open_map(page, sample_server, PERIOD)
    # The first paths are the areas (homes are drawn after them, on top); an event on the path
    # itself, as a mouse would send, without a home's circle getting in the way.
    frame.locator("path.leaflet-interactive").first.dispatch_event("mouseover")
    tooltip = frame.locator(".leaflet-tooltip")
    tooltip.first.wait_for(timeout=10_000)
    assert re.fullmatch(r"B\d+: [\d,]+ episodes?, [\d,]+ child(ren)?", tooltip.first.inner_text().strip())
    assert page.outside_requests == [], page.outside_requests


def test_sectors_where_children_were_found(sample_server, page):
    frame, seconds = open_map(page, sample_server, f"{PERIOD}&where=found&areas=sector")
    print(f"hotspots page (found, sectors) settled with its map in {seconds:.1f} s")
    page.screenshot(path=str(SHOTS / "hotspots-found-sectors.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert frame.locator("path.leaflet-interactive").count() >= 120
    assert "were found in" in frame.locator(".map-legend").inner_text()
    assert page.outside_requests == [], page.outside_requests
