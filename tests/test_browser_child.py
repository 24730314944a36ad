"""The child-level pages in Debian's Chromium on the sample database: alerts render, a child's
id in an alert table opens that child's timeline, the network draws, a viewer sees no child id,
and nothing is fetched from outside this machine."""

from __future__ import annotations

import re
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
    assert "Strategy meeting overdue: 115 episodes." in overdue.inner_text()
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


def test_missing_together_draws_the_network_offline(sample_server, page):
    open_slowly(page, sample_server, f"missing_together?{PERIOD}")
    page.wait_for_selector('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg')
    metrics = page.locator('[data-testid="stMetric"]').all_inner_texts()
    assert any(text.startswith("Pairs of children") for text in metrics)
    page.screenshot(path=str(SHOTS / "child-missing-together.png"), full_page=True)
    assert page.outside_requests == []


@pytest.mark.parametrize("path", ["alerts", "child_timeline?child=C00387", "missing_together"])
def test_a_viewer_sees_no_child_level_page_and_no_child_id(sample_server, page, path):
    open_slowly(page, sample_server, f"{path}&{PERIOD}" if "?" in path else f"{path}?{PERIOD}", role="viewer")
    navigation = page_link_names(page)
    assert "Alerts" not in navigation and "Child timeline" not in navigation
    assert not CHILD_ID.search(page.locator('[data-testid="stApp"]').inner_text())
    assert page.outside_requests == []
