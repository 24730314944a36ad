"""Every page against WCAG 2.2 A and AA with axe-core, and the sidebar by keyboard, in Debian's Chromium.

axe-core comes from static/vendor/axe-core/ (`make setup`, scripts/install_vendor.py) and is put
into the page from that file, so nothing is fetched. A serious or critical violation fails the test;
lesser ones are printed (pytest -s). The hotspot map's and the network's iframes are checked on their own, as axe
sees only the document it runs in.
"""

from __future__ import annotations

import re

import pytest

from tests.browser_support import ROOT, open_page, wait_for_sign_in_or_app

pytestmark = pytest.mark.browser

AXE = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}
PERIOD = "from=2014-10-01&to=2015-04-30"
# Every page the router lists (an admin sees them all), by the stem of its file: the URL path.
PAGES = re.findall(r'st\.Page\("ui/pages/(\w+)\.py"', (ROOT / "app.py").read_text())
SETTLED = """() => {
  if (document.querySelector('[data-testid="stStatusWidget"], [data-stale="true"]')) return false;
  if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stSpinner"]')) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  return !!main && main.innerText.trim().length > 0;
}"""
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, iframes: false,
                                           resultTypes: ['violations']});
  return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => n.target.join(' ') + '  ' + n.failureSummary)}));
}"""


@pytest.fixture(scope="module", autouse=True)
def axe_installed():
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed in {AXE.parent}: run make setup")


def violations(frame) -> list[dict]:
    """axe's WCAG 2.2 A/AA violations in one document (a Playwright page or frame)."""
    frame.add_script_tag(path=str(AXE))
    return frame.evaluate(RUN_AXE, WCAG_22_AA)


def assert_accessible(frame, where: str) -> None:
    found = violations(frame)
    for violation in found:
        print(f"{where}: {violation['impact']} {violation['id']}: {violation['help']} ({len(violation['nodes'])})")
    blocking = [v for v in found if v["impact"] in BLOCKING]
    assert not blocking, "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n  {v['nodes'][:5]}" for v in blocking)


def test_the_sign_in_page(sample_server, page):
    page.goto(sample_server)
    assert wait_for_sign_in_or_app(page)
    assert_accessible(page, "sign-in")
    assert page.outside_requests == []


@pytest.mark.parametrize("name", PAGES)
def test_every_page(sample_server, page, name):
    open_page(page, sample_server, f"{name}?{PERIOD}", role="admin", wait=False)
    page.wait_for_function(SETTLED, timeout=120_000)
    page.wait_for_timeout(1000)
    assert_accessible(page, name)
    if name == "hotspots":  # the map is a document of its own
        page.frame_locator('iframe[title^="Map of"]').locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
        frame = next(frame for frame in page.frames if frame.query_selector(".leaflet-container"))
        assert_accessible(frame, "hotspots map")
    if name == "missing_together":  # so is the network
        page.frame_locator('iframe[title^="Network"]').locator("#network canvas").first.wait_for(timeout=60_000)
        frame = next(frame for frame in page.frames if frame.query_selector("#network-data"))
        assert_accessible(frame, "missing together network")
    assert page.outside_requests == [], page.outside_requests


def test_meeting_mode(sample_server, page):
    open_page(page, sample_server, f"overview?{PERIOD}&meeting=1", role="viewer", wait=False)
    page.wait_for_function(SETTLED, timeout=120_000)
    assert_accessible(page, "overview (meeting)")


FOCUSED_SIDEBAR_LINK = """() => {
  const e = document.activeElement;
  if (!e || e.tagName !== 'A' || !e.closest('[data-testid="stSidebar"]')) return null;
  const style = getComputedStyle(e);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1;
  return {text: e.innerText.trim(), shown: outline || (style.boxShadow || 'none') !== 'none'};
}"""


def test_tabbing_reaches_every_sidebar_link_with_a_visible_outline(sample_server, page):
    """A keyboard user, from where signing in left them, gets to each page link and sees where they are."""
    titles = set(re.findall(r'st\.Page\("ui/pages/\w+\.py", title="([^"]+)"', (ROOT / "app.py").read_text()))
    open_page(page, sample_server, f"overview?{PERIOD}", role="admin", wait=False)
    page.wait_for_function(SETTLED, timeout=120_000)
    reached: dict[str, bool] = {}
    for _ in range(300):  # the Overview's controls first (about 35), then round to the sidebar
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_SIDEBAR_LINK)
        if focused:
            reached[focused["text"]] = focused["shown"]
        if titles <= set(reached):
            break
    assert titles <= set(reached), sorted(titles - set(reached))
    assert all(reached[title] for title in titles), {title: reached[title] for title in titles}
