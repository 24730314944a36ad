"""Missing together (analysts only): children who went missing from the same place within an hour,
and the network of those children and the places they go missing from and are found in.

"Trends, networks and connections between victims and locations" is what the
Operational Group asks for: the pairs say who, the network says where.
"""

import numpy as np
import pandas as pd
import streamlit as st

import config
from charts import network
from metrics.children import (
    CHILD,
    DISTRICT,
    HOME,
    focus,
    largest_nodes,
    repeated_places,
    repeats_to_fit,
)
from metrics.together import pairs_among
from ui import auth, cached, data, display, links, paged, sidebar

auth.require_child_level()

view = sidebar.page_view()
auth.audit("view", "missing_together", view.filters_for_audit())
READABLE = 100  # nodes: more and the labels run into each other
FOCUS_PARAM = "focus"  # URL parameter: the node id (child:C00640, home:H1, district:B23) to focus on
KIND_ORDER = {CHILD: 0, HOME: 1, DISTRICT: 2}
window = config.settings().missing_together.window_minutes

st.title("Missing together")
st.caption(
    f"Two different children whose episodes started from the same place (the children's home, else the "
    f"address) within {window} minutes of each other. Episodes reported {view.period.label()}"
    + (f", filters: {', '.join(view.filters)}" if view.filters else "")
    + "."
)
pairs, children, linked = cached.together(view, window)  # shared by every session; pairs as rows of view.current
children_with_others = pd.concat([children["child_a"], children["child_b"]]).nunique()  # a set of 700,000 ids: 0.7 s
HEADLINES = (
    ("Times together", len(pairs.a), "Pairs of episodes: two children leaving one place within the window."),
    ("Pairs of children", len(children), "Distinct pairs of children who went missing together."),
    ("Children", children_with_others, "Children who went missing with another child at least once."),
    ("Places", pairs.place_count(), "Places they left together from."),
)
for column, (label, value, help_text) in zip(st.columns(4), HEADLINES, strict=True):
    column.metric(label, f"{value:,}", help=help_text, border=True)
if not len(pairs.a):
    st.info("No two children went missing together in this period.")
    st.stop()

st.subheader("The network: children and the places that link them")
nodes, edges = linked
left, right = st.columns(2)
min_episodes = left.slider(
    "Show a child's link to a place seen in at least this many of its episodes",
    min_value=1,
    max_value=5,
    value=repeats_to_fit(nodes, edges, READABLE),
    help="Children who went missing together are always linked. A place a child keeps going back to "
    "matters more than a district it was found in once. Starts at the lowest number that keeps the "
    f"picture to {READABLE} nodes or fewer.",
)
nodes, edges = repeated_places(nodes, edges, min_episodes)
centres = nodes.sort_values(["kind", "label"], key=lambda c: c.map(KIND_ORDER) if c.name == "kind" else c)
names = dict(zip(centres["node"].tolist(), (centres["label"] + " (" + centres["kind"] + ")").tolist(), strict=True))
if "together_focus" not in st.session_state:
    wanted = st.query_params.get(FOCUS_PARAM, "")
    st.session_state["together_focus"] = wanted if wanted in names else ""
    if wanted and wanted not in names:
        st.warning("From the link: the child or place to focus on is not in this network; showing all of it.")
elif st.session_state["together_focus"] not in names:
    st.session_state["together_focus"] = ""
left, right = st.columns(2)
centre = left.selectbox(
    "Focus on one child or place",
    [""] + list(names),
    format_func=lambda node: names.get(node, "Everyone (no focus)"),
    key="together_focus",
    help="Only that child or place and everything within two links of it.",
)
if centre:
    st.query_params[FOCUS_PARAM] = centre
    auth.audit("view", f"missing_together {centre}", view.filters_for_audit())  # one child or place: audited
else:
    st.query_params.pop(FOCUS_PARAM, None)
limit = right.slider(
    "Show the best-connected nodes, at most",
    min_value=min(10, len(nodes)),
    max_value=max(len(nodes), 10),
    value=min(60, len(nodes)),
    step=1,
    disabled=len(nodes) <= 10 or bool(centre),
)
shown_nodes, shown_edges = focus(nodes, edges, centre) if centre else largest_nodes(nodes, edges, limit)
places = int((shown_nodes["kind"] != CHILD).sum())
title = (
    f"{int((shown_nodes['kind'] == CHILD).sum())} children who went missing together, "
    f"linked through {places} place{'s' if places != 1 else ''}"
    + (f": within two links of {names[centre]}" if centre else "")
)
subtitle = (
    f"Circle: child; square: children's home or placement; triangle: postcode district. Solid line: went "
    f"missing together; dashed: missing from; dotted: found in. Bigger marks and thicker lines: more episodes. "
    f"{view.period.label()}."
)
font_px = network.FONT_PX + (5 if view.meeting else 0)
try:
    document, height = cached.network_document(view, shown_nodes, shown_edges, title, font_px)
except network.CytoscapeMissing as problem:
    st.error(str(problem))
    drawn = False
else:
    st.iframe(document, height=height, alt=f"Network: {title}")
    drawn = True
NODE_COLUMNS = {
    "node": None,  # the internal id; the label says the same
    "label": "Child or place",
    "kind": "Kind",
    "episodes": st.column_config.NumberColumn("Episodes"),
    "degree": st.column_config.NumberColumn("Linked to", help="How many other children and places it links to."),
}
display.show_chart(
    lambda table: network.network_chart(table, shown_edges, title=title, subtitle=subtitle, font_px=font_px),
    shown_nodes,
    name="Missing together network",
    column_config=NODE_COLUMNS,
    draw=not drawn,  # the interactive network above; the same layout as a picture for the downloads
)

st.subheader(f"Pairs of children: {len(children):,}")
paged.show_paged_table(
    children,  # shown a page at a time, its ids made links: never changed in place
    name="Pairs of children missing together",
    link_columns=["child_a", "child_b"],
    column_config={
        "child_a": links.child_column("Child"),
        "child_b": links.child_column("With child"),
        "times": st.column_config.NumberColumn("Times together"),
        "places": st.column_config.NumberColumn("From how many places"),
    },
)

st.subheader(f"Each time they went missing together: {len(pairs.a):,}")
linker, home_names = links.child_linker(), data.establishments()  # read now: the CSV is made when clicked


def pair_rows_shown(part: pd.DataFrame) -> pd.DataFrame:
    """The pairs at `part`'s positions as the table shows them: made for the rows on screen only (and for all
    when the download is clicked), as writing out 350,000 pairs' text on every view took a tenth of a second."""
    table = pairs_among(view.current, pairs.take(part["pair"].to_numpy())).set_axis(part.index)
    place_codes, places = pd.factorize(table["place"], use_na_sentinel=False)  # each place named once, not per pair
    named = pd.Series(places, dtype="str").map(home_names)  # a home's name; a postcode stays itself
    return table.assign(
        place=pd.array(named.where(named.notna(), pd.Series(places, dtype="str")), dtype="str").take(place_codes),
        child_a=linker(table["child_a"]).to_numpy(),
        child_b=linker(table["child_b"]).to_numpy(),
    )


paged.show_paged_table(
    pd.DataFrame({"pair": np.arange(len(pairs.a))}),
    name="Episodes missing together",
    make=pair_rows_shown,
    column_config={
        "place": "Missing from",
        "child_a": links.child_column("Child"),
        "episode_a": "Episode",
        "reported_at_a": st.column_config.DatetimeColumn("Reported", format="D MMM YYYY HH:mm"),
        "child_b": links.child_column("With child"),
        "episode_b": "Their episode",
        "reported_at_b": st.column_config.DatetimeColumn("They were reported", format="D MMM YYYY HH:mm"),
        "minutes_apart": st.column_config.NumberColumn("Minutes apart", format="%d"),
    },
)
