"""Children who go missing together and the places that link them, as a network (analysts only).

Nodes are children, children's homes or placements, and postcode districts;
each kind has its own shape as well as colour, and every node is labelled.
Lines say how two nodes are linked (together, missing from, found in) by
their dash pattern, so the picture survives black-and-white printing. The
layout is networkx's spring layout with a fixed seed, so the same data always
draws the same picture (a meeting can refer to "the cluster top left").
"""

from __future__ import annotations

import textwrap

import altair as alt
import networkx as nx
import pandas as pd

from charts.theme import PALETTE
from metrics.children import CHILD, DISTRICT, FOUND, FROM, FROM_AND_FOUND, HOME, TOGETHER

NODE_KINDS = (CHILD, HOME, DISTRICT)
NODE_SHAPES = ("circle", "square", "triangle-up")
NODE_COLOURS = (PALETTE[2], PALETTE[0], PALETTE[1])
EDGE_KINDS = (TOGETHER, FROM, FOUND, FROM_AND_FOUND)
EDGE_DASHES = ([1, 0], [8, 4], [2, 3], [8, 3, 2, 3])
EDGE_COLOURS = (PALETTE[2], "#6F777B", "#6F777B", "#6F777B")
WIDTH = 900
HEIGHT = 620
SUBTITLE_WRAP = 120  # characters: Vega-Lite does not wrap titles itself
SEED = 7
SPREAD = 2.0  # networkx k times this: more room between nodes for their labels
NODE_LEGEND = alt.Legend(title="Node", orient="right", symbolSize=200)
LINK_LEGEND = alt.Legend(title="Link", orient="right", symbolStrokeWidth=3, symbolSize=400)


def layout(nodes: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """x, y for every node: a seeded spring layout, heavier links pulling nodes closer."""
    graph = nx.Graph()
    graph.add_nodes_from(nodes["node"])
    for source, target, weight in zip(edges["source"], edges["target"], edges["weight"]):
        previous = graph.get_edge_data(source, target, {"weight": 0})["weight"]
        graph.add_edge(source, target, weight=previous + float(weight))
    positions = (
        nx.spring_layout(graph, seed=SEED, weight="weight", iterations=200, k=SPREAD / max(len(graph), 1) ** 0.5)
        if len(graph)
        else {}
    )
    placed = nodes.copy()
    placed["x"] = placed["node"].map(lambda n: float(positions[n][0]))
    placed["y"] = placed["node"].map(lambda n: float(positions[n][1]))
    return placed


def network_chart(nodes: pd.DataFrame, edges: pd.DataFrame, *, title: str, subtitle: str) -> alt.LayerChart:
    """Nodes (`metrics.children.together_network`) placed by `layout`, joined by their edges."""
    placed = layout(nodes, edges)
    where = placed.set_index("node")
    lines = edges.assign(
        x=edges["source"].map(where["x"]),
        y=edges["source"].map(where["y"]),
        x2=edges["target"].map(where["x"]),
        y2=edges["target"].map(where["y"]),
        source_label=edges["source"].map(where["label"]),
        target_label=edges["target"].map(where["label"]),
    ).rename(columns={"kind": "link"})  # one field name per legend: Vega-Lite merges legends of a shared field
    placed = placed.rename(columns={"kind": "node_kind"})
    hidden = alt.Axis(labels=False, ticks=False, domain=False, grid=False, title=None)
    x = alt.X("x:Q", axis=hidden, scale=alt.Scale(zero=False, padding=40))
    y = alt.Y("y:Q", axis=hidden, scale=alt.Scale(zero=False, padding=30))
    links = (
        alt.Chart(lines)
        .mark_rule(opacity=0.8)
        .encode(
            x=x,
            y=y,
            x2="x2:Q",
            y2="y2:Q",
            strokeDash=alt.StrokeDash(
                "link:N", scale=alt.Scale(domain=list(EDGE_KINDS), range=list(EDGE_DASHES)), legend=LINK_LEGEND
            ),
            color=alt.Color(
                "link:N", scale=alt.Scale(domain=list(EDGE_KINDS), range=list(EDGE_COLOURS)), legend=LINK_LEGEND
            ),
            strokeWidth=alt.StrokeWidth("weight:Q", scale=alt.Scale(range=[1.5, 6]), legend=None),
            tooltip=[
                alt.Tooltip("source_label:N", title="From"),
                alt.Tooltip("target_label:N", title="To"),
                alt.Tooltip("link:N", title="Link"),
                alt.Tooltip("weight:Q", title="Times"),
            ],
        )
    )
    base = alt.Chart(placed).encode(x=x, y=y)
    points = base.mark_point(filled=True, opacity=1, stroke="white", strokeWidth=1.5).encode(
        shape=alt.Shape(
            "node_kind:N", scale=alt.Scale(domain=list(NODE_KINDS), range=list(NODE_SHAPES)), legend=NODE_LEGEND
        ),
        fill=alt.Fill(
            "node_kind:N", scale=alt.Scale(domain=list(NODE_KINDS), range=list(NODE_COLOURS)), legend=NODE_LEGEND
        ),
        size=alt.Size("episodes:Q", scale=alt.Scale(range=[120, 900]), legend=None),
        tooltip=[
            alt.Tooltip("label:N", title="Name"),
            alt.Tooltip("node_kind:N", title="Kind"),
            alt.Tooltip("episodes:Q", title="Episodes"),
            alt.Tooltip("degree:Q", title="Linked to"),
        ],
    )
    labels = base.mark_text(dy=-16, fontWeight="bold").encode(text="label:N")
    return alt.layer(links, points, labels).properties(
        width=WIDTH,
        height=HEIGHT,
        title=alt.TitleParams(text=title, subtitle=textwrap.wrap(subtitle, SUBTITLE_WRAP)),
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),  # keep the height on a wide page
    )
