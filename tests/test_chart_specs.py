"""Every chart a page draws is valid Vega-Lite. `ui.display` skips Altair's JSON-schema validation when it
draws (about a third of a chart's cost on every run), so the check is made here instead, on the specs the
pages send, for the pages that draw charts from the tiny database of tests/test_app.py
(tests/test_charts.py validates the builders one by one)."""

from __future__ import annotations

import json

import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema

from tests.app_support import run_page
from tests.support import build_database

MARCH = {"from": "2015-03-01", "to": "2015-03-31"}
CHART_PAGES = (
    "overview",
    "trends",
    "benchmarks",
    "return_interviews",
    "time_distance",
    "demographics",
    "repeat_runaways",
    "hotspots",
    "data_quality",
)


@pytest.fixture
def database_url(tmp_path, monkeypatch) -> str:
    url = build_database(tmp_path / "specs.db")
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.mark.usefixtures("database_url")
@pytest.mark.parametrize("page", CHART_PAGES)
def test_every_drawn_chart_is_valid_vega_lite(page):
    at = run_page(f"ui/pages/{page}.py", params=MARCH)
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    assert specs, f"{page} drew no chart"
    schema = load_schema()
    for spec in specs:
        # the data travels beside the spec as Arrow (proto.datasets); the spec names it
        assert validate_jsonschema(spec, schema, raise_error=False) is None, spec.get("title")
