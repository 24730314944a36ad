"""The app as a user sees it: `streamlit run` driven by Debian's Chromium through Playwright.

Every request that is not to localhost is blocked and recorded, so the test
also proves the dashboard works offline (no fonts, telemetry or CDNs).
Screenshots land in /tmp/shots for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.browser_support import SHOTS, open_page

pytestmark = pytest.mark.browser


def test_import_page_renders_offline_as_the_first_request(server, page):
    """First in this file on purpose: a fresh server's first request is a deep link (see app.py),
    kept through the sign-in form."""
    open_page(page, server, "import_data?from=2015-03-01&to=2015-03-31", role="admin")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "import.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_role("heading", name="Import data").count() == 1
    assert page.locator('[data-testid="stFileUploader"]').count() == 1
    assert page.locator('[data-testid="stSidebar"] [data-testid="stDateInput"]').count() == 2
    assert page.outside_requests == [], page.outside_requests


def test_overview_renders_headlines_offline(server, page):
    open_page(page, server, "?from=2015-03-01&to=2015-03-31")
    # the monthly trend chart (the tiny database has no postcodes, so no district chart)
    page.wait_for_function(
        "() => document.querySelectorAll('.vega-embed canvas, .vega-embed svg').length >= 1", timeout=30_000
    )
    page.wait_for_timeout(1000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "overview.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    metrics = {label.strip(): value.strip() for label, value in zip(labels, values, strict=True)}
    assert {k: metrics.get(k) for k in ("Episodes", "Children", "Persistent runaways", "Interview offered")} == {
        "Episodes": "6",
        "Children": "3",
        "Persistent runaways": "1",
        "Interview offered": "60.0%",
    }
    assert "from=2015-03-01" in page.url and "to=2015-03-31" in page.url
    assert page.outside_requests == [], page.outside_requests


def test_import_page_checks_an_uploaded_file(server, page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("episode_id,child_id,category,reported_at,missing_from\nE20,C9,vanished,2015-03-29 10:00,home\n")
    open_page(page, server, "import_data", role="admin")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(bad))
    page.get_by_text("This file is refused").wait_for(timeout=30_000)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stDataFrame\"] canvas').length >= 2", timeout=30_000
    )
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "import_refused.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    errors = page.locator('[data-testid="stMetric"]', has_text="Errors").locator('[data-testid="stMetricValue"]')
    assert errors.inner_text().strip() == "1"
    assert page.outside_requests == [], page.outside_requests
