"""Children who go missing together and the places that link them, as a network (analysts only).

Nodes are children, children's homes or placements, and postcode districts;
each kind has its own shape as well as colour, and every node is labelled.
Lines say how two nodes are linked (together, missing from, found in) by
their dash pattern, so the picture survives black-and-white printing.

One layout, computed here in pixels, feeds both pictures: the interactive
page (Cytoscape.js from static/vendor/cytoscape/, inlined, physics off,
nothing fetched) and the static Altair image for downloads. Each connected
group is laid out on its own (networkx's spring layout, fixed seed), pushed apart
until no two labels touch, and the groups are packed in rows with room
between them, so a meeting can refer to "the group top left".
"""

from __future__ import annotations

import html
import json
import math
import textwrap
from pathlib import Path

import altair as alt
import networkx as nx
import numpy as np
import pandas as pd

import config
from charts.theme import FONT, PALETTE, TEXT
from metrics.children import CHILD, DISTRICT, FOUND, FROM, FROM_AND_FOUND, HOME, TOGETHER

NODE_KINDS = (CHILD, HOME, DISTRICT)
NODE_SHAPES = ("circle", "square", "triangle-up")  # Vega-Lite
NODE_JS_SHAPES = ("ellipse", "rectangle", "triangle")  # the same shapes in Cytoscape.js
NODE_COLOURS = (PALETTE[2], PALETTE[0], PALETTE[1])
EDGE_KINDS = (TOGETHER, FROM, FOUND, FROM_AND_FOUND)
EDGE_DASHES = ([1, 0], [8, 4], [2, 3], [8, 3, 2, 3])
EDGE_COLOURS = (PALETTE[2], "#6F777B", "#6F777B", "#6F777B")
SUBTITLE_WRAP = 120  # characters: Vega-Lite does not wrap titles itself
SEED = 7  # the spring layout starts from the same place every time
FONT_PX = 13  # label size; meeting mode passes 18
RADIUS = (7.0, 16.0)  # pixels: the node with fewest episodes, the one with most
EDGE_PX = 2.2  # typical link length, in label heights (overlaps are pushed apart afterwards)
GAP = 6.0  # pixels between any two node-and-label boxes
GROUP_GAP = 44.0  # pixels between connected groups
ROW_WIDTH = 880.0  # pixels: groups are packed in rows about this wide
MARGIN = 16.0  # pixels round the whole picture
FRAME_WIDTH = 920  # pixels: about the width of the page's frame on a laptop (the picture shrinks to fit)
MAX_HEIGHT = 1600  # pixels: a taller network is shown this tall, scrolled and zoomed within
CYTOSCAPE = config.PROJECT_ROOT / "static" / "vendor" / "cytoscape"
NODE_LEGEND = alt.Legend(title="Node", orient="top", symbolSize=200)
LINK_LEGEND = alt.Legend(title="Link", orient="top", symbolStrokeWidth=3, symbolSize=400)


class CytoscapeMissing(FileNotFoundError):
    """Cytoscape.js was not installed: the interactive network cannot be drawn offline."""


def _radii(episodes: pd.Series) -> np.ndarray:
    values = np.sqrt(pd.to_numeric(episodes, errors="coerce").fillna(0).to_numpy(dtype=float))
    low, high = values.min(initial=0), values.max(initial=0)
    share = (values - low) / (high - low) if high > low else np.zeros_like(values)
    return RADIUS[0] + share * (RADIUS[1] - RADIUS[0])


def label_width(label: str, font_px: float) -> float:
    """Room a bold label takes, estimated from its length (a sans-serif character is about 0.62 em)."""
    return len(label) * font_px * 0.62 + 6


def _apart(x: np.ndarray, y: np.ndarray, width: np.ndarray, height: np.ndarray) -> None:
    """Push boxes (centred at x, y) apart in place until none overlaps: each overlapping pair moves
    along the axis where it overlaps least, half each way. Deterministic."""
    order = np.arange(len(x))
    for _ in range(500):
        dx, dy = x[:, None] - x[None, :], y[:, None] - y[None, :]
        over_x = (width[:, None] + width[None, :]) / 2 + GAP - np.abs(dx)
        over_y = (height[:, None] + height[None, :]) / 2 + GAP - np.abs(dy)
        overlap = (over_x > 0) & (over_y > 0)
        np.fill_diagonal(overlap, False)
        if not overlap.any():
            return
        tie = np.sign(order[:, None] - order[None, :]).astype(float)  # same place: the later node moves on
        along_x = overlap & (over_x <= over_y)
        along_y = overlap & ~along_x
        x += np.where(along_x, np.where(dx != 0, np.sign(dx), tie) * (over_x / 2 + 0.5), 0).sum(axis=1) * 0.5
        y += np.where(along_y, np.where(dy != 0, np.sign(dy), tie) * (over_y / 2 + 0.5), 0).sum(axis=1) * 0.5


def layout(nodes: pd.DataFrame, edges: pd.DataFrame, font_px: float = FONT_PX) -> pd.DataFrame:
    """x, y (pixels, y down), radius and the label's box for every node, and `group`, its connected group.

    Each group is laid out alone, scaled so a link is about `EDGE_PX` label heights, pushed apart
    until no node-and-label box overlaps another, then the groups are packed in rows (largest first)."""
    placed = nodes.reset_index(drop=True).copy()
    placed["radius"] = _radii(placed["episodes"]) if len(placed) else []
    placed["box_width"] = [
        max(2 * r, label_width(str(t), font_px)) for r, t in zip(placed["radius"], placed["label"], strict=True)
    ]
    placed["box_height"] = 2 * placed["radius"] + font_px * 1.3 + 4  # the mark, then its label below
    placed["x"], placed["y"], placed["group"] = 0.0, 0.0, 0
    graph = nx.Graph()
    graph.add_nodes_from(placed["node"])
    graph.add_edges_from(zip(edges["source"], edges["target"], strict=True))
    row_of = {node: i for i, node in enumerate(placed["node"])}
    groups = sorted((sorted(g) for g in nx.connected_components(graph)), key=lambda g: (-len(g), g[0]))
    boxes = []
    for number, group in enumerate(groups):
        rows = [row_of[node] for node in group]
        if len(group) > 1:
            alone = nx.Graph()  # built in sorted order: a subgraph view iterates a set, different each run
            alone.add_nodes_from(group)
            alone.add_edges_from(sorted(tuple(sorted(edge)) for edge in graph.subgraph(group).edges))
            positions = nx.spring_layout(alone, seed=SEED, iterations=200)
            xy = np.array([positions[node] for node in group], dtype=float)
            gaps = [positions[a] - positions[b] for a, b in alone.edges]
            lengths = [np.sqrt(gap.dot(gap)) for gap in gaps]  # np.linalg.norm's own sum, without its checks
            xy *= EDGE_PX * (font_px * 1.3 + 2 * RADIUS[1]) / max(float(np.median(lengths)), 1e-9)
        else:
            xy = np.zeros((1, 2))
        width = placed.loc[rows, "box_width"].to_numpy(dtype=float)
        height = placed.loc[rows, "box_height"].to_numpy(dtype=float)
        x, y = xy[:, 0].copy(), xy[:, 1].copy()
        box_y = y + (height / 2 - placed.loc[rows, "radius"].to_numpy(dtype=float))  # box centre below the mark
        _apart(x, box_y, width, height)
        y = box_y - (height / 2 - placed.loc[rows, "radius"].to_numpy(dtype=float))
        left, top = (x - width / 2).min(), (box_y - height / 2).min()
        right, bottom = (x + width / 2).max(), (box_y + height / 2).max()
        placed.loc[rows, "x"], placed.loc[rows, "y"], placed.loc[rows, "group"] = x - left, y - top, number
        boxes.append((right - left, bottom - top))
    # Shelf packing: groups left to right, a new row when the next would pass ROW_WIDTH.
    row_width = max([ROW_WIDTH] + [w for w, _ in boxes])
    cursor_x, cursor_y, row_height = MARGIN, MARGIN, 0.0
    for number, (width, height) in enumerate(boxes):
        if cursor_x > MARGIN and cursor_x + width > row_width + MARGIN:
            cursor_x, cursor_y, row_height = MARGIN, cursor_y + row_height + GROUP_GAP, 0.0
        rows = placed["group"] == number
        placed.loc[rows, "x"] += cursor_x
        placed.loc[rows, "y"] += cursor_y
        cursor_x += width + GROUP_GAP
        row_height = max(row_height, height)
    placed[["x", "y"]] = placed[["x", "y"]].round(1)
    return placed


def extent(placed: pd.DataFrame) -> tuple[float, float]:
    """Width and height of a laid-out network in pixels, margins included."""
    if placed.empty:
        return 2 * MARGIN, 2 * MARGIN
    right = (placed["x"] + placed["box_width"] / 2).max()
    bottom = (placed["y"] - placed["radius"] + placed["box_height"]).max()
    return float(np.ceil(right + MARGIN)), float(np.ceil(bottom + MARGIN))


def network_chart(
    nodes: pd.DataFrame, edges: pd.DataFrame, *, title: str, subtitle: str, font_px: float = FONT_PX
) -> alt.LayerChart:
    """The static picture (PNG/SVG downloads): nodes of `metrics.children.together_network` where
    `layout` puts them, one pixel of the layout to one pixel of the image, joined by their edges."""
    placed = layout(nodes, edges, font_px)
    width, height = extent(placed)
    where = placed.set_index("node")
    lines = edges.assign(
        x=edges["source"].map(where["x"]),
        y=edges["source"].map(where["y"]),
        x2=edges["target"].map(where["x"]),
        y2=edges["target"].map(where["y"]),
        source_label=edges["source"].map(where["label"]),
        target_label=edges["target"].map(where["label"]),
    ).rename(columns={"kind": "link"})  # one field name per legend: Vega-Lite merges legends of a shared field
    placed = placed.rename(columns={"kind": "node_kind"}).assign(
        size=lambda t: (2 * t["radius"]) ** 2, label_y=lambda t: t["y"] + t["radius"] + 2
    )
    hidden = alt.Axis(labels=False, ticks=False, domain=False, grid=False, title=None)
    across = alt.Scale(domain=[0, width], nice=False, zero=False)
    down = alt.Scale(domain=[0, height], nice=False, zero=False, reverse=True)  # y grows downwards, as on screen
    x, y = alt.X("x:Q", axis=hidden, scale=across), alt.Y("y:Q", axis=hidden, scale=down)
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
            strokeWidth=alt.StrokeWidth("weight:Q", scale=alt.Scale(range=[1.5, 4]), legend=None),
            tooltip=[
                alt.Tooltip("source_label:N", title="From"),
                alt.Tooltip("target_label:N", title="To"),
                alt.Tooltip("link:N", title="Link"),
                alt.Tooltip("weight:Q", title="Times"),
            ],
        )
    )
    base = alt.Chart(placed)
    points = base.mark_point(filled=True, opacity=1, stroke="white", strokeWidth=1.5).encode(
        x=x,
        y=y,
        shape=alt.Shape(
            "node_kind:N", scale=alt.Scale(domain=list(NODE_KINDS), range=list(NODE_SHAPES)), legend=NODE_LEGEND
        ),
        fill=alt.Fill(
            "node_kind:N", scale=alt.Scale(domain=list(NODE_KINDS), range=list(NODE_COLOURS)), legend=NODE_LEGEND
        ),
        size=alt.Size("size:Q", scale=None, legend=None),
        tooltip=[
            alt.Tooltip("label:N", title="Name"),
            alt.Tooltip("node_kind:N", title="Kind"),
            alt.Tooltip("episodes:Q", title="Episodes"),
            alt.Tooltip("degree:Q", title="Linked to"),
        ],
    )
    labels = base.mark_text(baseline="top", fontWeight="bold", fontSize=font_px).encode(
        x=x, y=alt.Y("label_y:Q", scale=down, axis=hidden), text="label:N"
    )
    return (
        alt.layer(links, points, labels)
        .properties(
            width=width,
            height=height,
            title=alt.TitleParams(text=title, subtitle=textwrap.wrap(subtitle, SUBTITLE_WRAP), anchor="start"),
            autosize=alt.AutoSizeParams(type="pad"),  # the layout's own size: labels keep their room
        )
        .configure_view(stroke=None)
    )


def cytoscape_script(folder: Path | None = None) -> str:
    """Cytoscape.js as text, ready to inline; CytoscapeMissing when setup has not run."""
    script = (folder or CYTOSCAPE) / "cytoscape.min.js"
    if not script.exists():
        raise CytoscapeMissing(f"Cytoscape.js is not installed in {script.parent}: run make setup")
    return script.read_text()


def script_json(value: object) -> str:
    """JSON safe inside an HTML <script>: <, > and & written as \\u escapes, so no text in the data
    (a name such as "</script><img onerror=...>") can close the script or open a tag."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def minute_text(times: pd.Series) -> pd.Series:
    """`times.dt.strftime("%d %b %Y %H:%M")` (blank where there is no time), each day written once and the time
    of day taken from a table of the day's minutes: strftime a time at a time took a quarter of the network's
    document at a million episodes."""
    days = times.dt.floor("D")
    day_codes, distinct_days = pd.factorize(days)
    day_text = np.array(list(distinct_days.strftime("%d %b %Y ")) + [None], dtype=object)
    minutes = ((times - days) // pd.Timedelta(minutes=1)).fillna(0).to_numpy(dtype="int64")
    clock = np.array([f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(24 * 60)], dtype=object)
    text = [None if day is None else day + time for day, time in zip(day_text[day_codes], clock[minutes], strict=True)]
    return pd.Series(text, index=times.index, dtype="str")


def network_data(placed: pd.DataFrame, edges: pd.DataFrame, details: pd.DataFrame) -> dict:
    """What the page's script draws: nodes at their laid-out positions, edges, each node's episodes."""
    episode_rows = (
        details.assign(reported_at=minute_text(pd.to_datetime(details["reported_at"])))
        .astype(object)
        .where(details.notna(), None)
    )
    # one pass over the rows, then grouped by node (sorted, rows in their order): per node, a frame's
    # to_dict took most of the network at a million episodes
    columns = [column for column in episode_rows.columns if column != "node"]
    values = [episode_rows[column].tolist() for column in columns]
    records = [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]
    by_node: dict[str, list[dict]] = {}
    for node, record in sorted(zip(episode_rows["node"].tolist(), records, strict=True), key=lambda pair: pair[0]):
        by_node.setdefault(node, []).append(record)
    return {
        "nodes": [
            {
                "data": {
                    "id": n.node,
                    "label": str(n.label),
                    "kind": n.kind,
                    "episodes": int(n.episodes),
                    "degree": int(n.degree),
                    "radius": float(n.radius),
                    "shape": NODE_JS_SHAPES[NODE_KINDS.index(n.kind)],
                    "colour": NODE_COLOURS[NODE_KINDS.index(n.kind)],
                },
                "position": {"x": float(n.x), "y": float(n.y)},
            }
            for n in placed.itertuples()
        ],
        "edges": [  # columns as lists: itertuples read the Arrow text an element at a time
            {
                "data": {
                    "id": f"e{i}",
                    "source": source,
                    "target": target,
                    "kind": kind,
                    "weight": int(weight),
                    "dash": EDGE_DASHES[EDGE_KINDS.index(kind)],
                    "colour": EDGE_COLOURS[EDGE_KINDS.index(kind)],
                }
            }
            for i, (source, target, kind, weight) in enumerate(
                zip(*(edges[column].tolist() for column in ("source", "target", "kind", "weight")), strict=True)
            )
        ],
        "episodes": by_node,
    }


PAGE_STYLE = """
html, body { margin: 0; font-family: FONT; color: TEXT; background: #fff; }
#layout { position: relative; }
#network { height: HEIGHTpx; border: 1px solid #B1B4B6; }
#details { position: absolute; right: 8px; top: 8px; width: min(420px, 60%); max-height: PANELpx; overflow: auto;
  font-size: SMALLpx; background: #fff; border: 2px solid TEXT; padding: 8px; box-shadow: 0 2px 8px #0004; }
#details[hidden] { display: none; }
#details h2 { font-size: BIGpx; margin: 0 0 4px; }
#details table { border-collapse: collapse; width: 100%; }
#details th, #details td { text-align: left; padding: 2px 4px; border-bottom: 1px solid #B1B4B6; vertical-align: top; }
#details button { float: right; font-size: SMALLpx; min-height: 24px; }
#legend { font-size: SMALLpx; margin: 4px 0; }
#zoom { margin: 4px 0; } #zoom button { font-size: SMALLpx; min-height: 24px; }
#title { font-size: TITLEpx; margin: 0; }
"""

PAGE_SCRIPT = """
const data = JSON.parse(document.getElementById("network-data").textContent);
const cy = cytoscape({
  container: document.getElementById("network"),
  elements: { nodes: data.nodes, edges: data.edges },
  layout: { name: "preset", fit: false },
  autoungrabify: true, boxSelectionEnabled: false, minZoom: 0.1, maxZoom: 4,
  userZoomingEnabled: false,  // the mouse wheel scrolls the page, as everywhere else on it; buttons zoom
  style: [
    { selector: "node", style: {
        "shape": "data(shape)", "background-color": "data(colour)", "border-color": "#fff", "border-width": 1.5,
        "width": e => 2 * e.data("radius"), "height": e => 2 * e.data("radius"),
        "label": "data(label)", "text-valign": "bottom", "text-halign": "center", "text-margin-y": 2,
        "font-family": "FONT", "font-size": FONT_PX, "font-weight": "bold", "color": "TEXT",
        "text-background-color": "#fff", "text-background-opacity": 0.75, "text-background-padding": 1 } },
    { selector: "node:selected", style: { "border-color": "TEXT", "border-width": 4 } },
    { selector: "edge", style: {
        "line-color": "data(colour)", "width": e => Math.min(1 + 0.5 * e.data("weight"), 4), "opacity": 0.8,
        "line-style": e => e.data("kind") === "TOGETHER" ? "solid" : "dashed",
        "line-dash-pattern": e => e.data("dash"), "curve-style": "straight" } },
  ],
});
// One layout pixel to one screen pixel, unless the frame is smaller than the layout: then all of it.
const box = document.getElementById("network").getBoundingClientRect();
function reset() { cy.zoom(Math.min(1, box.width / LAYOUT_WIDTH, box.height / LAYOUT_HEIGHT)); cy.pan({ x: 0, y: 0 }); }
reset();
const middle = () => ({ x: box.width / 2, y: Math.min(box.height, window.innerHeight) / 2 });
document.getElementById("zoom-in").addEventListener(
  "click", () => cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: middle() }));
document.getElementById("zoom-out").addEventListener(
  "click", () => cy.zoom({ level: cy.zoom() / 1.25, renderedPosition: middle() }));
document.getElementById("zoom-reset").addEventListener("click", reset);
window.cy = cy;

const panel = document.getElementById("details");
function cell(row, text, header) {
  const element = document.createElement(header ? "th" : "td");
  element.textContent = text == null ? "" : String(text);
  row.appendChild(element);
}
function show(node) {
  panel.replaceChildren();
  const heading = document.createElement("h2");
  heading.textContent = node.data("label");
  const summary = document.createElement("p");
  const count = node.data("episodes");
  summary.textContent = node.data("kind") + ": " + count + (count === 1 ? " episode" : " episodes")
    + ", linked to " + node.data("degree");
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  ["Episode", "Child", "Reported", "Category", "Missing from", "Found in"].forEach(t => cell(head, t, true));
  const body = table.createTBody();
  for (const e of data.episodes[node.id()] || []) {
    const row = body.insertRow();
    [e.episode_id, e.child_id, e.reported_at, e.category, e.missing_from, e.found_in].forEach(t => cell(row, t));
  }
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "Close";
  close.addEventListener("click", () => { panel.hidden = true; });
  panel.append(close, heading, summary, table);
  panel.hidden = false;
  // Beside the node clicked, inside the picture.
  const y = node.renderedPosition().y - 20;
  panel.style.top = Math.max(8, Math.min(y, box.height - panel.offsetHeight - 8)) + "px";
}
cy.on("tap", "node", event => show(event.target));
"""


def network_html(
    nodes: pd.DataFrame, edges: pd.DataFrame, details: pd.DataFrame, *, label: str, font_px: float = FONT_PX
) -> tuple[str, int]:
    """The interactive network as one self-contained HTML document (Cytoscape.js inline, nothing
    fetched), and the height it wants in pixels. `details` is `metrics.children.node_episodes`:
    a click on a node lists its episodes beside the network."""
    placed = layout(nodes, edges, font_px)
    width, height = extent(placed)
    shown_height = int(min(max(height * min(1, FRAME_WIDTH / width), 360), MAX_HEIGHT))
    small = max(font_px, 13)
    style = (
        PAGE_STYLE.replace("FONT", FONT)
        .replace("TEXT", TEXT)
        .replace("HEIGHT", str(shown_height))
        .replace("PANEL", str(min(shown_height - 24, 520)))
        .replace("SMALL", str(small))
        .replace("BIG", str(small + 3))
        .replace("TITLE", str(small + 5))
    )
    script = (
        PAGE_SCRIPT.replace('"TOGETHER"', json.dumps(TOGETHER))
        .replace("FONT_PX", str(font_px))
        .replace("LAYOUT_WIDTH", str(width))
        .replace("LAYOUT_HEIGHT", str(height))
        .replace('"FONT"', json.dumps(FONT))
        .replace('"TEXT"', json.dumps(TEXT))
    )
    legend = (
        "Circle: child. Square: children's home or placement. Triangle: postcode district. "
        "Solid line: went missing together; dashed: missing from; dotted: found in. "
        "Click a child or place to list its episodes; drag to move the picture."
    )
    document = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(label)}</title>
<style>{style}</style>
<script>{cytoscape_script()}</script>
</head><body>
<h1 id="title">{html.escape(label)}</h1>
<p id="legend">{html.escape(legend)}</p>
<p id="zoom"><button type="button" id="zoom-in">Zoom in</button> <button type="button" id="zoom-out">Zoom out</button>
<button type="button" id="zoom-reset">Whole network</button></p>
<div id="layout">
<div id="network" role="img" aria-label="{html.escape(label)}"></div>
<section id="details" aria-live="polite" hidden></section>
</div>
<script type="application/json" id="network-data">{script_json(network_data(placed, edges, details))}</script>
<script>{script}</script>
</body></html>"""
    return document, math.ceil(shown_height + 6 * small + 90)  # font_px may be fractional
