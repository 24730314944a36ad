"""One child at a time, and the links between children and places (child-level: restricted roles only).

The analyst's pages need the same episodes turned three ways: a child's
whole history for the timeline, the alerts of section 5 joined to the
children behind them, and a network of children who went missing together
with the places they go missing from and are found in. Pure pandas, like
every metric, so the tests pin exact values on hand-built frames.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from metrics.filters import NOT_KNOWN, ensure_derived
from metrics.together import together_children

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
    establishment = (
        episodes["establishment_name"].astype("object").fillna(episodes["establishment_id"].astype("object"))
    )
    place = establishment.fillna(episodes["from_district"].astype("object"))
    return place.where(place.notna(), None)


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
    checked = mine["safe_and_well_at"] - mine["returned_at"]
    within = (checked <= pd.Timedelta(hours=24)).astype("boolean")
    table["safe_and_well_within_24h"] = within.where(
        (mine["category"].astype("object") == "missing").to_numpy() & mine["returned_at"].notna().to_numpy()
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


def alert_children(alerts: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """The alerts with `children` (sorted child ids behind each) and `episodes` (how many).

    A child's alert has one child, an episode's alert the child of that
    episode, a place's alert every child whose episode completed the count.
    """
    owner = dict(zip(episodes["episode_id"].astype(str), episodes["child_id"].astype(str)))
    table = alerts.copy()
    table["children"] = [sorted({owner[i] for i in ids if i in owner}) for ids in table["episode_ids"]]
    table["episodes"] = [len(ids) for ids in table["episode_ids"]]
    return table


def alert_episodes(alerts: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """One row for each episode behind each alert, in the alerts' order then by time."""
    behind = (
        alerts[["trigger", "subject", "episode_ids"]]
        .explode("episode_ids")
        .rename(columns={"episode_ids": "episode_id"})
    )
    facts = episodes[[c for c in ALERT_EPISODE_COLUMNS if c in episodes and c not in ("trigger", "subject")]].copy()
    facts["episode_id"] = facts["episode_id"].astype(str)
    facts["missing_from_place"] = missing_from_place(episodes)
    behind = behind.dropna(subset=["episode_id"]).merge(facts, on="episode_id", how="inner", sort=False)
    return behind[ALERT_EPISODE_COLUMNS].reset_index(drop=True)


def neighbours(edges: pd.DataFrame) -> pd.Series:
    """Distinct neighbours of each node, whichever end of an edge it is on."""
    ends = pd.concat([edges[["source", "target"]], edges[["target", "source"]].set_axis(["source", "target"], axis=1)])
    return ends.drop_duplicates().groupby("source").size()


def together_network(pairs: pd.DataFrame, episodes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges linking children who went missing together with the places of their episodes.

    Children are those in `pairs` (from `metrics.together.missing_together`);
    their episodes among `episodes` link each child to where it went missing
    from (the establishment, else the postcode district) and the district
    where it was found. Node ids are prefixed by kind so a district and a
    child can never collide. `episodes` on a node counts the episodes behind
    it; `degree` its distinct neighbours.
    """
    if pairs.empty:
        return pd.DataFrame(columns=NODE_COLUMNS), pd.DataFrame(columns=EDGE_COLUMNS)
    children = sorted(set(pairs["child_a"].astype(str)) | set(pairs["child_b"].astype(str)))
    mine = episodes.loc[episodes["child_id"].astype(str).isin(children).to_numpy()]
    child = "child:" + mine["child_id"].astype(str)
    has_home = mine["establishment_id"].notna()
    from_node = pd.Series(
        np.where(
            has_home, "home:" + mine["establishment_id"].astype(str), "district:" + mine["from_district"].astype(str)
        ),
        index=mine.index,
    ).where(has_home | mine["from_district"].notna())
    found_node = ("district:" + mine["found_district"].astype(str)).where(mine["found_district"].notna())

    links = pd.concat(
        [
            pd.DataFrame(
                {"source": child, "target": from_node, "episode_id": mine["episode_id"], "from": 1, "found": 0}
            ),
            pd.DataFrame(
                {"source": child, "target": found_node, "episode_id": mine["episode_id"], "from": 0, "found": 1}
            ),
        ]
    ).dropna(subset=["target"])
    places = (
        links.groupby(["source", "target"], sort=True)
        .agg(**{"from": ("from", "sum"), "found": ("found", "sum"), "weight": ("episode_id", "nunique")})
        .reset_index()
    )
    places["kind"] = np.select([places["found"] == 0, places["from"] == 0], [FROM, FOUND], default=FROM_AND_FOUND)
    together = together_children(pairs)
    together_edges = pd.DataFrame(
        {
            "source": "child:" + together["child_a"].astype(str),
            "target": "child:" + together["child_b"].astype(str),
            "kind": TOGETHER,
            "weight": together["times"].astype("int64"),
        }
    )
    edges = pd.concat([together_edges, places[EDGE_COLUMNS]], ignore_index=True)
    edges["weight"] = edges["weight"].astype("int64")

    labels = {f"child:{c}": c for c in children}
    kinds = {f"child:{c}": CHILD for c in children}
    homes = mine.loc[has_home.to_numpy()]
    for home_id, name in zip(homes["establishment_id"].astype(str), missing_from_place(homes)):
        labels[f"home:{home_id}"], kinds[f"home:{home_id}"] = str(name), HOME
    for node in pd.concat([from_node, found_node]).dropna().unique():
        if node.startswith("district:"):
            labels[node], kinds[node] = node.removeprefix("district:"), DISTRICT
    degree = neighbours(edges)
    child_episodes = mine.groupby(child).size()
    place_episodes = links.groupby("target")["episode_id"].nunique()
    nodes = pd.DataFrame({"node": sorted(labels)})
    nodes["label"] = nodes["node"].map(labels)
    nodes["kind"] = nodes["node"].map(kinds)
    nodes["episodes"] = nodes["node"].map(child_episodes).fillna(nodes["node"].map(place_episodes)).fillna(0)
    nodes["episodes"] = nodes["episodes"].astype("int64")
    nodes["degree"] = nodes["node"].map(degree).fillna(0).astype("int64")
    return nodes[NODE_COLUMNS], edges[EDGE_COLUMNS]


def repeated_places(nodes: pd.DataFrame, edges: pd.DataFrame, min_episodes: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Only the links of a child to a place seen in at least `min_episodes` of its episodes (every
    together link stays), and the places still linked: a place a child keeps returning to is the
    connection a meeting wants; a district it was found in once is mostly noise."""
    keep = (edges["kind"] == TOGETHER) | (edges["weight"] >= min_episodes)
    kept_edges = edges[keep].reset_index(drop=True)
    linked = set(kept_edges["source"]) | set(kept_edges["target"])
    kept_nodes = nodes[(nodes["kind"] == CHILD) | nodes["node"].isin(linked)]
    degree = neighbours(kept_edges)
    kept_nodes = kept_nodes.assign(degree=kept_nodes["node"].map(degree).fillna(0).astype("int64"))
    return kept_nodes.reset_index(drop=True), kept_edges


def largest_nodes(nodes: pd.DataFrame, edges: pd.DataFrame, limit: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The `limit` best-connected nodes (most neighbours, then most episodes, then id) and the edges among them,
    so a busy network stays readable."""
    kept = nodes.sort_values(["degree", "episodes", "node"], ascending=[False, False, True], kind="stable")
    kept = kept.head(max(int(limit), 0))
    keep = set(kept["node"])
    among = edges[edges["source"].isin(keep) & edges["target"].isin(keep)]
    return (
        nodes[nodes["node"].isin(keep)].reset_index(drop=True),
        among.reset_index(drop=True),
    )


def repeats_to_fit(nodes: pd.DataFrame, edges: pd.DataFrame, limit: int, most: int = 5) -> int:
    """The smallest `min_episodes` (1 to `most`) for which `repeated_places` leaves at most `limit`
    nodes: show every place while the picture stays readable, only repeated ones when it would not."""
    for min_episodes in range(1, most):
        if len(repeated_places(nodes, edges, min_episodes)[0]) <= limit:
            return min_episodes
    return most
