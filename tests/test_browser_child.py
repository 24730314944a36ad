"""The child-level pages in Debian's Chromium on the sample database: alerts render, a child's
id in an alert table opens that child's timeline, the network draws, a viewer sees no child id,
and nothing is fetched from outside this machine."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser_support import (
    SHOTS,
    guard_requests,
    open_page,
    page_link_names,
    sign_in,
    wait_for_app,
    wait_for_sign_in_or_app,
)

pytestmark = pytest.mark.browser
PERIOD = "from=2014-10-01&to=2015-04-30"
CHILD_ID = re.compile(r"\bC\d{5}\b")
HEADER_PX, ROW_PX = 35, 35  # Streamlit's data grid: header and row heights


def open_slowly(page, base: str, path: str, role: str = "analyst") -> None:
    """open_page, allowing for the first page of a server reading 17,000 episodes on a busy machine."""
    open_page(page, base, path, role=role, wait=False)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=120_000)
    wait_for_app(page)


def test_alerts_render_and_a_child_id_opens_that_childs_timeline(sample_server, page):
    outside = guard_requests(page.context)
    open_slowly(page, sample_server, f"alerts?{PERIOD}")
    overdue = page.locator('[data-testid="stAlertContentError"]')
    # 94 since the sample gained a home taking new residents in September 2015 (its draws come first)
    assert "Strategy meeting overdue: 94 episodes." in overdue.inner_text()
    first_child = CHILD_ID.search(overdue.inner_text()).group(0)  # listed in the table's order
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "child-alerts.png"))

    grid = page.locator('[data-testid="stDataFrame"]').first  # strategy meetings overdue, the first table
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    x, y = box["x"] + 32, box["y"] + HEADER_PX + ROW_PX / 2  # the child id in the first row
    page.mouse.move(x, y)
    page.mouse.move(x + 2, y)
    with page.context.expect_page() as opened:
        page.mouse.click(x + 2, y)
    timeline = opened.value
    query = parse_qs(urlparse(timeline.url).query)
    assert urlparse(timeline.url).path == "/child_timeline"
    assert query["child"] == [first_child]
    assert (query["from"], query["to"]) == (["2014-10-01"], ["2015-04-30"])

    if wait_for_sign_in_or_app(timeline):  # a new tab is a new session
        sign_in(timeline, "analyst")
    timeline.wait_for_selector('[data-testid="stMetric"]', timeout=120_000)
    wait_for_app(timeline)
    timeline.screenshot(path=str(SHOTS / "child-timeline.png"), full_page=True)
    picked = timeline.locator('[data-testid="stMainBlockContainer"] [data-testid="stSelectbox"]')
    assert first_child in picked.inner_text() + picked.locator("input").input_value()
    timeline.wait_for_selector('[data-testid="stVegaLiteChart"]', timeout=60_000)
    assert timeline.locator('[data-testid="stVegaLiteChart"]').count() == 1
    assert "child=" + first_child in timeline.url
    assert outside == [] and page.outside_requests == []


NETWORK = 'iframe[title^="Network"]'
# Every pair of node labels whose drawn boxes overlap, as Cytoscape.js measures them in the browser.
LABEL_CLASHES = """() => {
  const boxes = cy.nodes().map(n => [n.data("label"), n.boundingBox({includeNodes: false, includeEdges: false})]);
  const clashes = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, b] = [boxes[i][1], boxes[j][1]];
    if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) clashes.push([boxes[i][0], boxes[j][0]]);
  }
  return clashes;
}"""


def open_network(page, base: str, query: str):
    """The Missing together page with its network drawn; returns the network's frame."""
    open_slowly(page, base, f"missing_together?{query}")
    frame = page.frame_locator(NETWORK)
    frame.locator("#network canvas").first.wait_for(timeout=60_000)
    return frame


def click_node(page, frame, kind: str) -> str:
    """Click, with the mouse, the first node of `kind` where Cytoscape.js drew it; returns its label."""
    network = frame.locator("#network")
    network.scroll_into_view_if_needed()
    label, x, y = network.evaluate(
        "(element, kind) => { const n = cy.nodes().filter(n => n.data('kind') === kind)[0];"
        " const p = n.renderedPosition(); return [n.data('label'), p.x, p.y]; }",
        kind,
    )
    box = network.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    return label


def test_missing_together_draws_the_network_offline_and_a_click_shows_episodes(sample_server, page):
    frame = open_network(page, sample_server, PERIOD)
    network = frame.locator("#network")
    assert network.evaluate("() => typeof cytoscape") == "function"  # the inlined copy: no script has a src
    assert network.evaluate("() => Array.from(document.scripts).filter(s => s.src).length") == 0
    assert network.evaluate("() => cy.nodes().length") >= 20
    kinds = set(network.evaluate("() => cy.nodes().map(n => n.style('shape'))"))
    assert kinds == {"ellipse", "rectangle", "triangle"}  # children, homes, districts: shapes, not colour alone
    assert network.evaluate(LABEL_CLASHES) == []
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "child-missing-together.png"), full_page=True)

    label = click_node(page, frame, "child")
    details = frame.locator("#details")
    assert details.locator("h2").inner_text() == label
    rows = details.locator("tbody tr")
    assert rows.count() >= 1
    assert rows.first.locator("td").nth(1).inner_text() == label  # the child's own episodes
    assert re.fullmatch(r"E\d+", rows.first.locator("td").first.inner_text())
    assert page.outside_requests == []


def test_missing_together_downloads_every_pair_each_time(sample_server, page):
    """The pairs' table is made for the rows shown, and for every pair when its CSV is clicked."""
    open_network(page, sample_server, PERIOD)
    headline = page.locator('[data-testid="stMetric"]').filter(has_text="Times together")
    times = int(headline.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download table (CSV)").last.click()  # the last table: each time
    rows = list(csv.reader(Path(download.value.path()).read_text().splitlines()))
    assert times > 1 and len(rows) == times + 1
    assert all(row[0] and row[1] for row in rows[1:])  # a place and a child on every row
    assert page.outside_requests == []


def test_focus_on_a_child_keeps_what_is_within_two_links(sample_server, page):
    frame = open_network(page, sample_server, PERIOD)
    everyone = frame.locator("#network").evaluate("() => cy.nodes().length")
    child = frame.locator("#network").evaluate("() => cy.nodes().filter(n => n.data('kind') === 'child')[0].id()")
    frame = open_network(page, sample_server, f"{PERIOD}&focus={child}")
    network = frame.locator("#network")
    assert child.split(":")[1] in frame.locator("#title").inner_text()
    assert 2 <= network.evaluate("() => cy.nodes().length") < everyone
    assert network.evaluate(LABEL_CLASHES) == []
    page.screenshot(path=str(SHOTS / "child-missing-together-focus.png"), full_page=True)
    label = click_node(page, frame, "children's home or placement")
    assert frame.locator("#details h2").inner_text() == label
    assert page.outside_requests == []


@pytest.mark.parametrize("path", ["alerts", "child_timeline?child=C00387", "missing_together"])
def test_a_viewer_sees_no_child_level_page_and_no_child_id(sample_server, page, path):
    open_slowly(page, sample_server, f"{path}&{PERIOD}" if "?" in path else f"{path}?{PERIOD}", role="viewer")
    navigation = page_link_names(page)
    assert "Alerts" not in navigation and "Child timeline" not in navigation
    assert not CHILD_ID.search(page.locator('[data-testid="stApp"]').inner_text())
    assert page.outside_requests == []
