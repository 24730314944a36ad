"""The child timeline and missing-together network charts: what the Vega-Lite specs encode
(shape as well as colour, dashes for line kinds, labels), and that they render offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from charts.export import png_bytes, svg_text
from charts.network import (
    EDGE_DASHES,
    EDGE_KINDS,
    NODE_KINDS,
    NODE_SHAPES,
    extent,
    layout,
    minute_text,
    network_chart,
    network_data,
    network_html,
    script_json,
)
from charts.timeline import CATEGORIES, SHAPES, chart_frame, timeline_chart
from metrics.children import child_timeline, node_episodes, together_network
from metrics.together import missing_together
from tests.support import MARCH, history, islands, network_frame

ROOT = Path(__file__).resolve().parent.parent


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


def boxes(placed: pd.DataFrame) -> pd.DataFrame:
    """Each node's mark-and-label box: left, right, top, bottom."""
    return pd.DataFrame(
        {
            "left": placed["x"] - placed["box_width"] / 2,
            "right": placed["x"] + placed["box_width"] / 2,
            "top": placed["y"] - placed["radius"],
            "bottom": placed["y"] - placed["radius"] + placed["box_height"],
            "group": placed["group"],
        }
    )


def overlapping(a: pd.Series, b: pd.Series) -> bool:
    return a.left < b.right and b.left < a.right and a.top < b.bottom and b.top < a.bottom


@pytest.mark.parametrize("font_px", [13, 18])
def test_every_group_is_drawn_apart_and_no_two_labels_touch(font_px):
    nodes, edges = islands()
    placed = layout(nodes, edges, font_px)
    assert sorted(placed["node"]) == sorted(nodes["node"])  # every node placed, once
    assert placed["group"].nunique() == 6
    box = boxes(placed)
    groups = box.groupby("group").agg(
        left=("left", "min"), right=("right", "max"), top=("top", "min"), bottom=("bottom", "max")
    )
    assert not any(overlapping(groups.iloc[i], groups.iloc[j]) for i in range(6) for j in range(i + 1, 6))
    assert not any(overlapping(box.iloc[i], box.iloc[j]) for i in range(len(box)) for j in range(i + 1, len(box)))
    width, height = extent(placed)
    assert (box["left"] >= 0).all() and (box["right"] <= width).all() and (box["bottom"] <= height).all()
    assert width < 1200  # packed in rows, not one long line


def test_the_layout_is_the_same_in_another_process():
    """A set's order changes with each process's hash seed: the layout must not depend on it."""
    code = (
        "from tests.support import islands; from charts.network import layout; "
        "print(layout(*islands())[['node', 'x', 'y']].to_json())"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1


def test_a_name_in_the_data_cannot_close_the_script():
    hostile = '</script><img src=x onerror="alert(1)">&amp;'
    text = script_json({"label": hostile})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"label": hostile}


def test_the_interactive_page_carries_the_layout_and_each_nodes_episodes():
    episodes = network_frame()
    nodes, edges = together_network(missing_together(episodes), episodes)
    nodes.loc[nodes["label"] == "Oak House", "label"] = "</script><script>alert(1)</script>"
    details = node_episodes(nodes, episodes)
    document, height = network_html(nodes, edges, details, label="Network </script>")
    assert document.count("</script>") == 3  # Cytoscape.js, the data, the page's own script: nothing more
    assert "alert(1)" in document and "<script>alert(1)" not in document
    assert "http://" not in document.split("<script>", 1)[0] and 'src="http' not in document
    data = network_data(layout(nodes, edges), edges, details)
    placed = layout(nodes, edges).set_index("node")
    assert {n["data"]["id"]: (n["position"]["x"], n["position"]["y"]) for n in data["nodes"]} == {
        node: (row.x, row.y) for node, row in placed.iterrows()
    }  # the same layout as the static chart
    assert [e["episode_id"] for e in data["episodes"]["home:H1"]] == ["E1", "E2", "E3", "E4"]
    assert data["episodes"]["district:B23"][0] == {
        "episode_id": "E2",
        "child_id": "C2",
        "reported_at": "01 Mar 2015 10:20",
        "category": "missing",
        "missing_from": "Oak House",
        "found_in": "B23",
    }
    assert height > 300


def test_network_tells_children_and_places_apart_by_shape_and_links_by_dashes():
    nodes, edges = network()
    spec = network_chart(nodes, edges, title="t", subtitle="s").to_dict()
    width, height = extent(layout(nodes, edges))
    assert (spec["width"], spec["height"]) == (width, height)  # one layout pixel, one image pixel
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


@pytest.mark.parametrize(
    "times",
    [
        ["2016-03-01 04:05:06", None, "2015-12-31 23:59:59.999", "1969-01-09 01:02:59", "1900-02-28 23:00"],
        [None, None],
        [],
    ],
)
def test_minute_text_is_strftime(times):
    """The network document's times, each day written once: the text strftime gives, blanks included."""
    column = pd.Series(pd.to_datetime(times, format="mixed"), dtype="datetime64[ns]")
    pd.testing.assert_series_equal(minute_text(column), column.dt.strftime("%d %b %Y %H:%M"), check_exact=True)
