"""One child at a time, and the links between children and places (child-level: restricted roles only).

The analyst's pages need the same episodes turned three ways: a child's
whole history for the timeline, the alerts of section 5 joined to the
children behind them, and a network of children who went missing together
with the places they go missing from and are found in. Pure pandas, like
every metric, so the tests pin exact values on hand-built frames.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionArray

from metrics.filters import (
    NOT_KNOWN,
    distinct_sorted,
    ensure_derived,
    first_known,
    numbered_distinct,
    run_starts,
    sorted_codes,
)
from metrics.return_interviews import SAFE_AND_WELL_DUE_HOURS
from metrics.time_limits import certainly_within
from metrics.together import child_codes, together_children

TIMELINE_COLUMNS = [
    "episode_id",
    "category",
    "reported_at",
    "returned_at",
    "still_open",
    "shown_until",
    "duration_hours",
    "duration_band",
    "in_period",
    "missing_from",
    "placement_type",
    "missing_from_place",
    "from_district",
    "found_district",
    "distance_miles",
    "police_risk",
    "rag",
    "cse_concern",
    "cce_concern",
    "safe_and_well_at",
    "safe_and_well_within_24h",
    "rhi_offered_at",
    "rhi_outcome",
    "rhi_completed_at",
    "strategy_meeting_at",
]
ALERT_EPISODE_COLUMNS = [
    "trigger",
    "subject",
    "child_id",
    "episode_id",
    "category",
    "reported_at",
    "returned_at",
    "missing_from_place",
    "police_risk",
    "strategy_meeting_at",
]
NODE_COLUMNS = ["node", "label", "kind", "episodes", "degree"]
EDGE_COLUMNS = ["source", "target", "kind", "weight"]
CHILD, HOME, DISTRICT = "child", "children's home or placement", "postcode district"
TOGETHER, FROM, FOUND, FROM_AND_FOUND = "went missing together", "missing from", "found in", "missing from and found in"


def child_ids(episodes: pd.DataFrame) -> list[str]:
    """Every child with an episode, sorted: the ids a timeline may be asked for."""
    return sorted(episodes["child_id"].dropna().astype(str).unique())


def _moment(as_of: date | datetime) -> pd.Timestamp:
    """A datetime counts as that moment; a date means the end of that day (as in metrics.triggers)."""
    if isinstance(as_of, datetime):
        return pd.Timestamp(as_of)
    return pd.Timestamp(as_of) + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")


def missing_from_place(episodes: pd.DataFrame) -> pd.Series:
    """Where each episode started, in words: the establishment's name (or id), else the postcode district."""
    place = first_known(episodes["establishment_name"], episodes["establishment_id"], episodes["from_district"])
    return place.astype("object").where(place.notna(), None)


def child_timeline(
    episodes: pd.DataFrame, child_id: str, as_of: date | datetime, period: tuple[date, date] | None = None
) -> pd.DataFrame:
    """Every episode of one child (all periods), oldest first, with what the timeline draws and lists.

    An open episode is drawn up to `as_of` (`shown_until`) and has no duration;
    `in_period` marks the episodes reported in `period` (start, end inclusive).
    """
    mine = ensure_derived(episodes.loc[(episodes["child_id"] == child_id).to_numpy()])
    mine = mine.sort_values(["reported_at", "episode_id"], kind="stable")
    table = pd.DataFrame(index=mine.index)
    for column in TIMELINE_COLUMNS:
        if column in mine:
            table[column] = mine[column]
    table["still_open"] = mine["returned_at"].isna()
    table["shown_until"] = mine["returned_at"].fillna(_moment(as_of))
    table["duration_hours"] = ((mine["returned_at"] - mine["reported_at"]) / pd.Timedelta(hours=1)).round(1)
    table["duration_band"] = mine["duration_band"].astype("object")
    if period is None:
        table["in_period"] = True
    else:
        start, end = pd.Timestamp(period[0]), pd.Timestamp(period[1]) + pd.Timedelta(days=1)
        table["in_period"] = ((mine["reported_at"] >= start) & (mine["reported_at"] < end)).to_numpy()
    table["missing_from_place"] = missing_from_place(mine)
    table["distance_miles"] = mine["distance_miles"].round(1)
    within = pd.Series(
        certainly_within(mine, "returned_at", "safe_and_well_at", SAFE_AND_WELL_DUE_HOURS), index=mine.index
    ).astype("boolean")
    table["safe_and_well_within_24h"] = within.where(
        (mine["category"] == "missing").to_numpy(dtype=bool) & mine["returned_at"].notna().to_numpy()
    )
    return table[TIMELINE_COLUMNS].reset_index(drop=True)


def child_facts(episodes: pd.DataFrame, child_id: str, period: tuple[date, date] | None = None) -> dict[str, object]:
    """What is known about the child: sex, ethnicity, and from their latest episode age band, home/care,
    placement and establishment; episode counts overall and in `period`. Never a name: there is none."""
    mine = ensure_derived(episodes.loc[(episodes["child_id"] == child_id).to_numpy()])
    if mine.empty:
        raise KeyError(f"no episodes for child {child_id!r}")
    latest = mine.sort_values(["reported_at", "episode_id"], kind="stable").iloc[-1]

    def known(value: object) -> object:
        return NOT_KNOWN if value is None or pd.isna(value) else str(value)

    in_period = len(mine)
    if period is not None:
        start, end = pd.Timestamp(period[0]), pd.Timestamp(period[1]) + pd.Timedelta(days=1)
        in_period = int(((mine["reported_at"] >= start) & (mine["reported_at"] < end)).sum())
    return {
        "child_id": child_id,
        "sex": known(latest["sex"]),
        "age_band": known(latest["age_band"]),
        "ethnic_group": known(latest["ethnic_group"]),
        "ethnicity": known(latest["ethnicity"]),
        "missing_from": known(latest["missing_from"]),
        "placement_type": known(latest["placement_type"]),
        "establishment": known(missing_from_place(mine.loc[[latest.name]]).iloc[0])
        if pd.notna(latest["establishment_id"])
        else NOT_KNOWN,
        "episodes": len(mine),
        "episodes_in_period": in_period,
        "first_reported": mine["reported_at"].min(),
        "last_reported": mine["reported_at"].max(),
    }


def _episodes_behind(alerts: pd.DataFrame, episodes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids per alert, the alert row of each id behind an alert, that episode's row in `episodes` or -1),
    in the alerts' order: positions, not joins on text ids, at tens of thousands of alerts."""
    lengths = np.fromiter((len(ids) for ids in alerts["episode_ids"]), dtype="int64", count=len(alerts))
    ids = np.fromiter(itertools.chain.from_iterable(alerts["episode_ids"]), dtype=object, count=int(lengths.sum()))
    rows = np.repeat(np.arange(len(alerts)), lengths)
    known_ids = pa.array(episodes["episode_id"].astype(str).array)
    wanted = pa.array([str(i) for i in ids], type=known_ids.type)
    positions = pc.index_in(wanted, value_set=known_ids).fill_null(-1).to_numpy(zero_copy_only=False)
    return lengths, rows, positions.astype("int64")


def alerts_with_episodes(alerts: pd.DataFrame, episodes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(alert_children, alert_episodes) of the alerts, finding the episodes behind them once for both."""
    behind = _episodes_behind(alerts, episodes)
    return alert_children(alerts, episodes, behind), alert_episodes(alerts, episodes, behind)


def alert_children(
    alerts: pd.DataFrame, episodes: pd.DataFrame, behind: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
) -> pd.DataFrame:
    """The alerts with `children` (sorted child ids behind each) and `episodes` (how many).

    A child's alert has one child, an episode's alert the child of that
    episode, a place's alert every child whose episode completed the count.
    `behind` is _episodes_behind(alerts, episodes) when already found.
    """
    lengths, rows, positions = behind or _episodes_behind(alerts, episodes)
    known = positions >= 0
    owners = pd.DataFrame(
        {"row": rows[known], "child": episodes["child_id"].iloc[positions[known]].astype(str).to_numpy(dtype=object)}
    )
    owners = owners.drop_duplicates().sort_values(["row", "child"], kind="stable")
    row_of, child_of = owners["row"].to_numpy(), owners["child"].to_numpy()
    children: list = [None] * len(alerts)
    first = run_starts(row_of)
    alone = first & np.append(first[1:], True)  # the only child of its alert: most alerts
    for row, child in zip(row_of[alone].tolist(), child_of[alone].tolist(), strict=True):
        children[row] = [child]
    shared_rows, shared_children = row_of[~alone], child_of[~alone]  # sorted by row
    starts = np.flatnonzero(run_starts(shared_rows))
    groups = np.split(shared_children, starts[1:]) if len(starts) else []  # np.split of nothing gives one empty part
    for row, ids in zip(shared_rows[starts].tolist(), groups, strict=True):
        children[row] = ids.tolist()
    table = alerts.copy()
    table["children"] = [ids if ids is not None else [] for ids in children]
    table["episodes"] = lengths
    return table


def alert_episodes(
    alerts: pd.DataFrame, episodes: pd.DataFrame, behind: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
) -> pd.DataFrame:
    """One row for each episode behind each alert, in the alerts' order then by time."""
    _, rows, positions = behind or _episodes_behind(alerts, episodes)
    rows, positions = rows[positions >= 0], positions[positions >= 0]
    columns = [c for c in ALERT_EPISODE_COLUMNS if c in episodes]
    facts = episodes[[*columns, "establishment_name", "establishment_id", "from_district"]].iloc[positions]
    table = pd.DataFrame({"trigger": alerts["trigger"].to_numpy()[rows], "subject": alerts["subject"].to_numpy()[rows]})
    for column in columns:
        table[column] = facts[column].array
    table["episode_id"] = table["episode_id"].astype(str)
    table["missing_from_place"] = pd.Series(missing_from_place(facts).to_numpy(), dtype=object)
    return table[ALERT_EPISODE_COLUMNS]


def neighbours(edges: pd.DataFrame) -> pd.Series:
    """Distinct neighbours of each node, whichever end of an edge it is on (indexed by node, sorted).

    Counted on whole-number codes of the nodes: deduplicating the text of 750,000 ends took half a second."""
    ends = pd.concat([edges["source"], edges["target"]], ignore_index=True)
    codes, names = pd.factorize(ends, sort=True)
    if not len(names):
        return pd.Series(dtype="int64", index=pd.Index(names, name="source"))
    counts = _neighbour_counts(codes[: len(edges)], codes[len(edges) :], len(names))
    return pd.Series(counts[counts > 0], index=pd.Index(names, name="source")[counts > 0])


def _neighbour_counts(source: np.ndarray, target: np.ndarray, size: int) -> np.ndarray:
    """How many distinct others each of `size` nodes (numbered 0 up) is linked to by the links `source`-`target`
    (-1: no node)."""
    source, target = source.astype("int64"), target.astype("int64")
    known = (source >= 0) & (target >= 0)
    source, target = source[known], target[known]
    pairs = distinct_sorted(np.concatenate([source * size + target, target * size + source]))
    return np.bincount(pairs // size, minlength=size)


def _names_at(values: np.ndarray | ExtensionArray, codes: np.ndarray) -> ExtensionArray:
    """Text column of `values` (a few thousand names) at `codes`: taken in Arrow, not built row by row."""
    return pd.array(values, dtype="str").take(codes)


def _child_positions(child_ids: pd.Series, children: np.ndarray) -> np.ndarray:
    """Each episode's child as its position among `children` (-1: not one of them), from the episodes' child
    codes (`child_codes`): no text read per episode."""
    codes, names = child_codes(child_ids)
    child_of_name = np.full(len(names) + 1, -1, dtype="int64")  # the last: a blank child (-1)
    found = names.get_indexer(children)
    child_of_name[found[found >= 0]] = np.flatnonzero(found >= 0)
    return child_of_name[codes]


def together_network(
    pairs: pd.DataFrame, episodes: pd.DataFrame, together: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges linking children who went missing together with the places of their episodes.

    Children are those in `pairs` (from `metrics.together.missing_together`);
    their episodes among `episodes` link each child to where it went missing
    from (the establishment, else the postcode district) and the district
    where it was found. Node ids are prefixed by kind so a district and a
    child can never collide. `episodes` on a node counts the episodes behind
    it; `degree` its distinct neighbours. `together` is `together_children(pairs)`
    when already worked out.
    """
    return children_network(together_children(pairs) if together is None else together, episodes)


def children_network(together: pd.DataFrame, episodes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`together_network` from the pairs of children (`together_children`) alone.

    Children and places are whole numbers until the end, numbered in the order of their node ids ("child:" <
    "district:" < "home:", each kind in the order of its text), so the nodes come out sorted and the links
    sorted by child then place: a national year has hundreds of thousands of links.
    """
    if together.empty:
        return pd.DataFrame(columns=NODE_COLUMNS), pd.DataFrame(columns=EDGE_COLUMNS)
    children = np.array(
        sorted(pd.concat([together["child_a"], together["child_b"]]).astype(str).unique().tolist()), dtype=object
    )
    child_nodes = "child:" + children
    child = _child_positions(episodes["child_id"], children)
    rows = np.flatnonzero(child >= 0)
    child = child[rows]
    # Each episode links its child to where it went missing from and where it was found.
    homes = episodes["establishment_id"].iloc[rows]
    has_home = homes.notna().to_numpy()
    home_codes, home_ids = sorted_codes(homes)
    without_home = np.flatnonzero(~has_home)  # these start from their district
    district_codes, districts = sorted_codes(
        pd.concat([episodes["from_district"].iloc[rows[without_home]], episodes["found_district"].iloc[rows]])
    )
    from_place = len(districts) + home_codes
    from_place[without_home] = district_codes[: len(without_home)]
    found_place = district_codes[len(without_home) :]
    place_names = np.array([f"district:{d}" for d in districts] + [f"home:{h}" for h in home_ids], dtype=object)
    # the links: each (child, place) of an episode's start or find, numbered in order
    starting, finding = np.flatnonzero(from_place >= 0), np.flatnonzero(found_place >= 0)
    ends = np.concatenate([starting, finding])
    end_places = np.concatenate([from_place[starting], found_place[finding]])
    n_places = len(place_names)
    links, number = numbered_distinct(child[ends] * n_places + end_places)
    link_child, link_place = np.divmod(links, max(n_places, 1))
    from_number = number[: len(starting)]
    from_count = np.bincount(from_number, minlength=len(links))
    found_count = np.bincount(number[len(starting) :], minlength=len(links))
    in_both = found_place[starting] == from_place[starting]  # an episode found where it started
    both_count = np.bincount(from_number[in_both], minlength=len(links))
    link_kinds = np.array([FROM, FOUND, FROM_AND_FOUND], dtype=object)
    child_text = pd.array(child_nodes, dtype="str")  # made once for the three columns taken from it
    places = pd.DataFrame(
        {
            "source": _names_at(child_text, link_child),
            "target": _names_at(place_names, link_place),
            "kind": _names_at(link_kinds, np.select([found_count == 0, from_count == 0], [0, 1], default=2)),
            "weight": from_count + found_count - both_count,  # an episode found where it started counts once
        }
    )
    child_a, child_b = (_positions(together[side].astype(str), children) for side in ("child_a", "child_b"))
    together_edges = pd.DataFrame(
        {
            "source": _names_at(child_text, child_a),
            "target": _names_at(child_text, child_b),
            "kind": TOGETHER,
            "weight": together["times"].astype("int64"),
        }
    )
    edges = pd.concat([together_edges, places], ignore_index=True)
    edges["weight"] = edges["weight"].astype("int64")

    # the nodes in the order of their ids: the children, then the places (districts, then homes)
    ends_a = np.concatenate([child_a, link_child])
    ends_b = np.concatenate([child_b, len(children) + link_place])
    n_nodes = len(children) + len(place_names)
    if (child_a < child_b).all():  # each pair of children once (as together_children makes them), each
        # (child, place) link once: every link is a distinct pair of nodes, so a node's degree is its ends
        degree = np.bincount(ends_a, minlength=n_nodes) + np.bincount(ends_b, minlength=n_nodes)
    else:
        degree = _neighbour_counts(ends_a, ends_b, n_nodes)
    last = np.full(len(home_ids), -1, dtype="int64")
    np.maximum.at(last, home_codes[has_home], np.flatnonzero(has_home))  # each home's last episode names it
    home_names = missing_from_place(
        episodes[["establishment_name", "establishment_id", "from_district"]].iloc[rows[last]]
    )
    place_episodes = (
        np.bincount(from_place[starting], minlength=n_places)
        + np.bincount(found_place[finding], minlength=n_places)
        - np.bincount(from_place[starting][in_both], minlength=n_places)
    )
    nodes = pd.DataFrame(
        {
            "node": np.concatenate([child_nodes, place_names]).tolist(),
            "label": [*children, *map(str, districts), *map(str, home_names)],
            "kind": [CHILD] * len(children) + [DISTRICT] * len(districts) + [HOME] * len(home_ids),
            "episodes": np.concatenate([np.bincount(child, minlength=len(children)), place_episodes]).astype("int64"),
            "degree": degree.astype("int64"),
        }
    )
    return nodes[NODE_COLUMNS], edges[EDGE_COLUMNS]


def _positions(values: pd.Series, names: pd.Series) -> np.ndarray:
    """Where each of `values` is among `names` (unique), -1 where it is not. In Arrow: pandas' `isin` and
    `get_indexer` made Python objects of the 750,000 ends of a network's links first (a quarter second)."""
    text = pa.large_string()  # pandas' own text type; an empty column of objects would be Arrow's null type
    found = pc.index_in(pa.array(values, type=text), value_set=pa.array(names, type=text))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype("int64")


def repeated_places(nodes: pd.DataFrame, edges: pd.DataFrame, min_episodes: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Only the links of a child to a place seen in at least `min_episodes` of its episodes (every
    together link stays), and the places still linked: a place a child keeps returning to is the
    connection a meeting wants; a district it was found in once is mostly noise."""
    keep = (edges["kind"] == TOGETHER) | (edges["weight"] >= min_episodes)
    kept_edges = edges[keep].reset_index(drop=True)
    ends = _positions(pd.concat([kept_edges["source"], kept_edges["target"]]), nodes["node"])
    linked = np.zeros(len(nodes), dtype=bool)
    linked[ends[ends >= 0]] = True
    kept = (nodes["kind"] == CHILD).to_numpy(dtype=bool) | linked
    if (ends >= 0).all() and nodes["node"].is_unique:  # counted on the positions found: no text read again
        degree = _neighbour_counts(ends[: len(kept_edges)], ends[len(kept_edges) :], len(nodes))[kept]
    else:  # a link to a node not listed still counts as a neighbour
        degree = nodes["node"][kept].map(neighbours(kept_edges)).fillna(0).to_numpy()
    return nodes[kept].assign(degree=degree.astype("int64")).reset_index(drop=True), kept_edges


def largest_nodes(nodes: pd.DataFrame, edges: pd.DataFrame, limit: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The `limit` best-connected nodes (most neighbours, then most episodes, then id) and the edges among them,
    so a busy network stays readable."""
    kept = nodes.sort_values(["degree", "episodes", "node"], ascending=[False, False, True], kind="stable")
    kept = kept.head(max(int(limit), 0))
    among = (_positions(edges["source"], kept["node"]) >= 0) & (_positions(edges["target"], kept["node"]) >= 0)
    return (
        nodes[_positions(nodes["node"], kept["node"]) >= 0].reset_index(drop=True),
        edges[among].reset_index(drop=True),
    )


def repeats_to_fit(nodes: pd.DataFrame, edges: pd.DataFrame, limit: int, most: int = 5) -> int:
    """The smallest `min_episodes` (1 to `most`) for which `repeated_places` leaves at most `limit`
    nodes: show every place while the picture stays readable, only repeated ones when it would not.

    Counted from each node's strongest link rather than by running `repeated_places` for every
    number: a node stays when it is a child or has a link kept at that number."""
    together = np.tile((edges["kind"] == TOGETHER).to_numpy(dtype=bool), 2)
    weights = np.where(together, np.inf, np.tile(edges["weight"].to_numpy(dtype="float64"), 2))
    ends = _positions(pd.concat([edges["source"], edges["target"]]), nodes["node"])
    strongest = np.full(len(nodes), -np.inf)
    np.maximum.at(strongest, ends[ends >= 0], weights[ends >= 0])
    child = (nodes["kind"] == CHILD).to_numpy(dtype=bool)
    for min_episodes in range(1, most):
        if int((child | (strongest >= min_episodes)).sum()) <= limit:
            return min_episodes
    return most


NODE_EPISODE_COLUMNS = ["node", "episode_id", "child_id", "reported_at", "category", "missing_from", "found_in"]
NODE_DETAIL_COLUMNS = [
    "episode_id",
    "child_id",
    "reported_at",
    "category",
    "establishment_name",
    "establishment_id",
    "from_district",
    "found_district",
]


def node_episodes(nodes: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """The episodes behind each node of `together_network`, one row per node and episode, oldest first:
    what an analyst reads on clicking a node. The same links as the network: a child's own episodes;
    a home's episodes started there; a district's episodes started there (no home) or found there,
    counting only the network's children, so each node has `episodes` rows."""
    children = nodes.loc[nodes["kind"] == CHILD, "label"].astype(str).to_numpy(dtype=object)
    chosen = _child_positions(episodes["child_id"], children) >= 0
    mine = episodes[NODE_DETAIL_COLUMNS].loc[chosen]  # the columns needed only: a year has 50 of them
    has_home = mine["establishment_id"].notna()
    rows = pd.DataFrame(
        {
            "episode_id": mine["episode_id"].astype(str).to_numpy(),
            "child_id": mine["child_id"].astype(str).to_numpy(),
            "reported_at": mine["reported_at"].to_numpy(),
            "category": mine["category"].astype(str).to_numpy(),
            "missing_from": missing_from_place(mine).to_numpy(),
            "found_in": mine["found_district"].astype("object").where(mine["found_district"].notna(), None).to_numpy(),
            "child": ("child:" + mine["child_id"].astype(str)).to_numpy(),
            "home": ("home:" + mine["establishment_id"].astype(str)).where(has_home).to_numpy(),
            "from_district": ("district:" + mine["from_district"].astype(str))
            .where(~has_home & mine["from_district"].notna())
            .to_numpy(),
            "found_district": ("district:" + mine["found_district"].astype(str))
            .where(mine["found_district"].notna())
            .to_numpy(),
        }
    )
    links = rows.melt(
        id_vars=NODE_EPISODE_COLUMNS[1:],
        value_vars=["child", "home", "from_district", "found_district"],
        value_name="node",
    ).dropna(subset=["node"])
    links = links.drop_duplicates(["node", "episode_id"])  # started and found in one district: once
    links = links[links["node"].isin(set(nodes["node"]))]
    return links.sort_values(["node", "reported_at", "episode_id"], ignore_index=True)[NODE_EPISODE_COLUMNS]


def focus(nodes: pd.DataFrame, edges: pd.DataFrame, centre: str, steps: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One child or place and everything within `steps` links of it, with the edges among them: who and
    where a meeting discussing one child needs in front of it. Nothing when `centre` is not a node."""
    if centre not in set(nodes["node"]):
        return nodes.iloc[0:0], edges.iloc[0:0]
    graph = nx.Graph()
    graph.add_nodes_from(nodes["node"])
    graph.add_edges_from(zip(edges["source"], edges["target"], strict=True))
    near = set(nx.ego_graph(graph, centre, radius=steps))
    among = edges[edges["source"].isin(near) & edges["target"].isin(near)].reset_index(drop=True)
    kept = nodes[nodes["node"].isin(near)].reset_index(drop=True)
    return kept.assign(degree=kept["node"].map(neighbours(among)).fillna(0).astype("int64")), among
