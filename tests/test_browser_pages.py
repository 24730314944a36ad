"""The analysis pages in Debian's Chromium on the sample database: each opens with no error,
draws every chart, and asks nothing of the internet. Screenshots (normal and meeting mode)
land in /tmp/shots/pages-*.png, and each page's settle time is printed (pytest -s)."""

from __future__ import annotations

import time

import pytest

from tests.browser_support import SHOTS, open_page

pytestmark = pytest.mark.browser

PERIOD = "from=2014-10-01&to=2015-04-30"  # the Children's Society's period (domain.md section 7)
# page -> number of charts it draws on the sample
CHARTS = {
    "overview": 2,
    "repeat_runaways": 2,
    "time_distance": 6,
    "return_interviews": 10,
    "childrens_homes": 2,
    "demographics": 5,
}
DRAWN = "document.querySelectorAll('.vega-embed canvas, .vega-embed svg.marks').length"


def settle(page, charts: int) -> None:
    """Wait until the script has finished and exactly `charts` Vega charts are drawn (a rerun
    keeps the previous run's charts on the page until it has drawn its own)."""
    busy = '[data-testid="stStatusWidget"], [data-stale="true"]'
    page.wait_for_function(f"() => !document.querySelector('{busy}') && {DRAWN} == {charts}", timeout=120_000)
    page.wait_for_timeout(500)


@pytest.mark.parametrize("meeting", [False, True], ids=["normal", "meeting"])
@pytest.mark.parametrize("name", list(CHARTS))
def test_page_draws_its_charts_offline(sample_server, page, name, meeting):
    page.set_viewport_size({"width": 1600, "height": 1000 if meeting else 4000})
    started = time.monotonic()
    open_page(page, sample_server, f"{name}?{PERIOD}", wait=False)
    if meeting:  # the sidebar switch, as a chair would (a meeting=1 link folds the sidebar before sign-in)
        settle(page, CHARTS[name])
        page.locator('[data-testid="stSidebar"]').get_by_text("Meeting mode").click()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stSidebar\"]') === null"
            " || !document.querySelector('[data-testid=\"stSidebar\"]').checkVisibility()"
            " || location.search.includes('meeting')",
            timeout=60_000,
        )
        started = time.monotonic()
    settle(page, CHARTS[name])
    print(f"{name} ({'meeting' if meeting else 'normal'}) settled in {time.monotonic() - started:.1f} s")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"pages-{name}{'-meeting' if meeting else ''}.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.evaluate(DRAWN) == CHARTS[name]
    assert page.get_by_text("No episodes in this period").count() == 0
    assert page.outside_requests == [], page.outside_requests
