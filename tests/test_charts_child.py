"""The child timeline and missing-together network charts: what the Vega-Lite specs encode
(shape as well as colour, dashes for line kinds, labels), and that they render offline."""

from __future__ import annotations

from datetime import date

import pandas as pd

from charts.export import png_bytes, svg_text
from charts.network import EDGE_DASHES, EDGE_KINDS, NODE_KINDS, NODE_SHAPES, layout, network_chart
from charts.timeline import CATEGORIES, SHAPES, chart_frame, timeline_chart
from metrics.children import child_timeline, together_network
from metrics.together import missing_together
from tests.test_metrics_children import MARCH, history, network_frame


def layers_by_mark(spec: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for layer in spec["layer"]:
        mark = layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        found.setdefault(mark, []).append(layer)
    return found


def timeline_spec() -> dict:
    table = child_timeline(history(), "C1", as_of=date(2015, 3, 12), period=MARCH)
    return timeline_chart(table, MARCH, title="C1", subtitle="s").to_dict()


def test_timeline_tells_categories_apart_by_shape_not_only_colour():
    marks = layers_by_mark(timeline_spec())
    points = marks["point"][0]["encoding"]
    assert points["shape"]["field"] == "category"
    assert points["shape"]["scale"] == {"domain": list(CATEGORIES), "range": list(SHAPES)}
    assert len(set(SHAPES)) == len(CATEGORIES)
    assert points["color"]["field"] == "category"
    assert points["y"]["field"] == "category"  # and a row of its own


def test_timeline_draws_durations_dashes_open_episodes_and_shades_the_period():
    spec = timeline_spec()
    marks = layers_by_mark(spec)
    spans = marks["rule"][0]["encoding"]
    assert (spans["x"]["field"], spans["x2"]["field"]) == ("reported", "until")
    assert spans["strokeDash"]["field"] == "status"
    shade = marks["rect"][0]
    data = spec["datasets"][shade["data"]["name"]]
    assert (data[0]["start"][:10], data[0]["end"][:10]) == ("2015-03-01", "2015-04-01")
    tooltips = {t["title"] for t in marks["point"][0]["encoding"]["tooltip"]}
    assert {"Reported", "Returned", "Duration", "Found in", "Return interview", "CSE concern"} <= tooltips


def test_timeline_axis_ends_soon_after_the_last_report_even_with_an_open_episode():
    table = child_timeline(history(), "C1", as_of=date(2026, 1, 1), period=MARCH)
    domain = timeline_chart(table, MARCH, title="C1", subtitle="s").to_dict()["layer"][2]["encoding"]["x"]["scale"][
        "domain"
    ]
    assert domain[1]["year"] == 2015  # not stretched to 2026 by the open episode


def test_timeline_chart_frame_has_no_pandas_missing_values():
    frame = chart_frame(child_timeline(history(), "C1", as_of=date(2015, 3, 12), period=MARCH))
    text = frame.drop(columns=["reported", "until"])
    assert not text.isna().any().any()
    assert frame.loc[frame["episode"] == "E3", "returned"].item() == "still open"
    assert frame.loc[frame["episode"] == "E2", "cse"].item() == "yes"


def network():
    episodes = network_frame()
    return together_network(missing_together(episodes), episodes)


def test_network_layout_is_the_same_every_time_and_places_every_node():
    nodes, edges = network()
    first, second = layout(nodes, edges), layout(nodes, edges)
    pd.testing.assert_frame_equal(first, second)
    assert first[["x", "y"]].notna().all().all()
    assert len(first[["x", "y"]].drop_duplicates()) == len(nodes)


def test_network_tells_children_and_places_apart_by_shape_and_links_by_dashes():
    nodes, edges = network()
    spec = network_chart(nodes, edges, title="t", subtitle="s").to_dict()
    marks = layers_by_mark(spec)
    points = marks["point"][0]["encoding"]
    assert points["shape"]["field"] == "node_kind"
    assert points["shape"]["scale"] == {"domain": list(NODE_KINDS), "range": list(NODE_SHAPES)}
    links = marks["rule"][0]["encoding"]
    assert links["strokeDash"]["field"] == "link"
    assert links["strokeDash"]["scale"] == {"domain": list(EDGE_KINDS), "range": [list(d) for d in EDGE_DASHES]}
    # different field names, or Vega-Lite merges the node and link legends into one muddle
    assert points["shape"]["field"] != links["strokeDash"]["field"]
    assert marks["text"][0]["encoding"]["text"]["field"] == "label"
    labels = spec["datasets"][marks["text"][0].get("data", spec.get("data", {})).get("name")]
    assert sorted(row["label"] for row in labels) == ["B23", "B27", "C1", "C2", "C3", "C4", "Oak House"]


def test_both_charts_render_to_png_and_svg_offline():
    nodes, edges = network()
    table = child_timeline(history(), "C1", as_of=date(2015, 3, 12), period=MARCH)
    for chart in (
        network_chart(nodes, edges, title="t", subtitle="s"),
        timeline_chart(table, MARCH, title="C1", subtitle="s"),
    ):
        assert png_bytes(chart)[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in svg_text(chart)
