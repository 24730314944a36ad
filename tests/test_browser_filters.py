"""Shareable views, downloads and meeting mode as a user sees them: `streamlit run` in Chromium.

On the tiny database of tests/test_app.py (March 2015: 6 episodes; 3 of them
missing from care). Every request leaving localhost is blocked and recorded.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from xml.etree import ElementTree

import pytest

from loaders.database import connect
from reports.audit import entries
from tests.browser_support import (
    PAGE_LINKS,
    SHOTS,
    open_expander,
    open_page,
    sign_in,
    wait_for_app,
    wait_for_sign_in_or_app,
)

pytestmark = pytest.mark.browser

VIEW = "data_quality?from=2015-03-01&to=2015-03-31&category=missing&missing_from=care"


def metrics(page) -> dict[str, str]:
    """The page's four headline numbers, once all four are drawn."""
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stMetric\"]').length >= 4", timeout=30_000)
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    return {label.strip(): value.strip() for label, value in zip(labels, values, strict=True)}


def test_a_url_with_filters_reproduces_the_view(server, page):
    open_page(page, server, VIEW)
    first = metrics(page)
    assert first["Episodes in the period"] == "3"
    query = parse_qs(urlparse(page.url).query)
    assert query["category"] == ["missing"] and query["missing_from"] == ["care"]
    assert query["period"] == ["last_month"]
    category = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first
    assert category.inner_text().split() == ["Category", "Missing"]  # the chosen value shows in its widget
    copied = page.url.removeprefix(server)

    # a fresh session on the copied URL shows the same numbers
    open_page(page, server, copied)
    assert metrics(page) == first
    assert page.locator('[data-testid="stException"]').count() == 0

    # going to another page keeps the filters in the URL
    page.locator(f"{PAGE_LINKS} a", has_text="Overview").click()
    page.wait_for_url(lambda url: "data_quality" not in url and "category=missing" in url, timeout=30_000)
    page.wait_for_url(lambda url: "missing_from=care" in url, timeout=30_000)  # each key is written in turn
    assert parse_qs(urlparse(page.url).query)["from"] == ["2015-03-01"]
    assert page.outside_requests == [], page.outside_requests


def test_downloads_are_valid_png_svg_and_csv(server, page):
    open_page(page, server, VIEW)
    files = {}
    open_expander(page, "Table: Field completeness")
    buttons = {"CSV": "Download table (CSV)", "PNG": "PNG", "SVG": "SVG"}
    for kind, label in buttons.items():
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name=label, exact=True).first.click()
        files[kind] = Path(download.value.path()).read_bytes()
        assert download.value.suggested_filename == f"field-completeness-2015-03-01-to-2015-03-31.{kind.lower()}"
        wait_for_app(page)

    assert files["PNG"].startswith(b"\x89PNG\r\n\x1a\n") and len(files["PNG"]) > 5_000
    svg = ElementTree.fromstring(files["SVG"])
    assert svg.tag.endswith("svg")
    rows = list(csv.reader(io.StringIO(files["CSV"].decode())))
    assert rows[0] == ["field", "applies_to", "episodes", "known", "not_known", "percent_known"]
    assert rows[1][:3] == ["episode_id", "all episodes", "3"]
    assert page.outside_requests == [], page.outside_requests
    # each file taken is audited when it is made, with the view's period and filters
    exported = entries(connect(server.database), actions=["export"])
    taken = exported[exported["subject"].str.startswith("data_quality: Field completeness")]
    assert sorted(subject.rsplit(" ", 1)[1] for subject in taken["subject"]) == ["(CSV)", "(PNG)", "(SVG)"], taken
    assert all(json.loads(f)["missing_from"] == ["care"] for f in taken["filters"]), taken["filters"].tolist()


SMALLEST_TEXT = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  let smallest = 1000, where = '';
  for (const element of main.querySelectorAll('*')) {
    if (element.closest('svg, canvas, [data-testid="stVegaLiteChart"]')) continue;
    const text = [...element.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join('');
    if (!text || element.offsetParent === null) continue;
    const size = parseFloat(getComputedStyle(element).fontSize);
    if (size < smallest) { smallest = size; where = text.slice(0, 40); }
  }
  return [smallest, where];
}"""


def open_meeting_page(page, base: str, path: str) -> None:
    """open_page, for a meeting-mode link: its sidebar (and so the page list) starts folded away."""
    page.goto(f"{base}/{path}")
    if wait_for_sign_in_or_app(page):
        sign_in(page, "analyst")
    wait_for_app(page)


def test_meeting_mode_from_the_url_is_big_and_has_no_controls(server, page):
    open_meeting_page(page, server, "data_quality?meeting=1&category=missing")
    page.wait_for_timeout(1500)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "data_quality-meeting.png"), full_page=True)
    assert metrics(page)["Episodes in the period"] == "3"  # March 2015, the data's last full month
    smallest, where = page.evaluate(SMALLEST_TEXT)
    assert smallest >= 16, (smallest, where)
    title_size = page.locator("h1").first.evaluate(
        "e => { while (e.firstElementChild) e = e.firstElementChild; return getComputedStyle(e).fontSize; }"
    )
    assert float(title_size.removesuffix("px")) >= 40
    value_size = page.locator('[data-testid="stMetricValue"]').first.evaluate(
        "e => { while (e.firstElementChild) e = e.firstElementChild; return getComputedStyle(e).fontSize; }"
    )
    assert float(value_size.removesuffix("px")) >= 40
    assert page.locator('[data-testid="stDownloadButton"]:visible').count() == 0
    assert page.locator('[data-testid="stMain"] [data-testid="stExpander"]:visible').count() == 0
    assert page.locator('[data-testid="stSidebar"] [data-testid="stDateInput"]').count() == 0
    query = parse_qs(urlparse(page.url).query)
    assert query["meeting"] == ["1"] and query["category"] == ["missing"]
    assert page.outside_requests == [], page.outside_requests
