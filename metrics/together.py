"""Children who go missing together: different children leaving the same place within an hour.

The place is the establishment when given, else the full from_postcode.
Episodes are sorted by place and time and each is paired only with the
episodes after it inside the window, so a busy place does not cost
episodes x episodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from config.sections import AssociateSettings, MissingTogetherSettings
from metrics.filters import as_text, first_known

PAIR_COLUMNS = [
    "place",
    "child_a",
    "episode_a",
    "reported_at_a",
    "child_b",
    "episode_b",
    "reported_at_b",
    "minutes_apart",
]
SECOND_NS = 1_000_000_000


def episode_place(episodes: pd.DataFrame) -> pd.Series:
    """establishment_id, else from_postcode, else missing: where an episode started."""
    return first_known(episodes["establishment_id"], episodes["from_postcode"])


def close_in_time(
    episodes: pd.DataFrame, place: pd.Series, time_column: str, window_ns: int
) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of pairs of episodes of two different children at one place at most `window_ns` apart.

    Sorted by place and time, each episode is paired only with those after it
    inside the window, so a busy place does not cost episodes x episodes.
    """
    times_column = episodes[time_column]
    keep = np.flatnonzero((place.notna() & times_column.notna()).to_numpy())
    if not len(keep):
        return np.empty(0, dtype="int64"), np.empty(0, dtype="int64")
    place_codes = pd.factorize(place.iloc[keep])[0]
    times = times_column.to_numpy(dtype="datetime64[ns]")[keep].view("int64")
    child_codes = pd.factorize(episodes["child_id"])[0][keep]
    order = np.lexsort((times, place_codes))
    place_codes, times, child_codes, rows = place_codes[order], times[order], child_codes[order], keep[order]

    window_seconds = window_ns // SECOND_NS
    seconds = (times - times.min()) // SECOND_NS
    span = int(seconds.max()) + window_seconds + 1
    key = place_codes.astype("int64") * span + seconds
    ends = np.searchsorted(key, key + window_seconds, side="right")
    counts = ends - np.arange(len(key)) - 1
    first = np.repeat(np.arange(len(key)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    second = first + 1 + offsets
    real = (child_codes[first] != child_codes[second]) & (times[second] - times[first] <= window_ns)
    return rows[first[real]], rows[second[real]]


@dataclass(frozen=True)
class PairRows:
    """Pairs of episodes as row positions in one episodes frame: `a` child_a's episode, `b` child_b's, in
    the pair table's order (`missing_together_rows`, `found_together_rows`).

    A pair depends on its two episodes only, so the pairs among any selection of the episodes (a period,
    filters) are those whose two episodes are both selected, in the same order (`pairs_among`): worked
    out once for every episode, they serve every view.
    """

    kind: str  # "missing" (from one place, by reported_at) or "found" (at one postcode, by returned_at)
    a: np.ndarray
    b: np.ndarray


TIME_COLUMN = {"missing": "reported_at", "found": "returned_at"}


def _places(episodes: pd.DataFrame, kind: str, rows: np.ndarray) -> pd.Series:
    """Where the episodes at `rows` started (kind "missing") or were found ("found")."""
    if kind == "missing":
        return episode_place(episodes[["establishment_id", "from_postcode"]].iloc[rows])
    return episodes["found_postcode"].iloc[rows]


def _pair_rows(episodes: pd.DataFrame, kind: str, window_ns: int) -> PairRows:
    """The pairs `close_in_time` finds, child_a before child_b, earliest first (`_earliest_first`)."""
    place = episode_place(episodes) if kind == "missing" else episodes["found_postcode"]
    first, second = close_in_time(episodes, place, TIME_COLUMN[kind], window_ns)
    children = episodes["child_id"]
    swap = children.iloc[first].to_numpy(dtype=object) > children.iloc[second].to_numpy(dtype=object)
    a, b = np.where(swap, second, first), np.where(swap, first, second)
    keys = pd.DataFrame(
        {
            "reported_at_a": episodes["reported_at"].iloc[a].to_numpy(),
            "place": place.iloc[a].to_numpy(dtype=object),
            "child_a": children.iloc[a].to_numpy(dtype=object),
            "child_b": children.iloc[b].to_numpy(dtype=object),
        }
    )
    order = _earliest_first(keys)
    return PairRows(kind, a[order], b[order])


def _pair_table(episodes: pd.DataFrame, rows: PairRows) -> pd.DataFrame:
    """PAIR_COLUMNS of the pairs at `rows`, in their order."""
    a, b = rows.a, rows.b
    if not len(a):
        return pd.DataFrame(columns=PAIR_COLUMNS)

    def column(name: str, positions: np.ndarray) -> np.ndarray | ExtensionArray:
        return _text_at(episodes[name], positions)

    times = episodes[TIME_COLUMN[rows.kind]].to_numpy(dtype="datetime64[ns]").view("int64")
    reported = episodes["reported_at"]
    place = _places(episodes, rows.kind, a)
    return pd.DataFrame(
        {
            "place": place.array if place.dtype == "str" else place.to_numpy(dtype=object),
            "child_a": column("child_id", a),
            "episode_a": column("episode_id", a),
            "reported_at_a": reported.iloc[a].to_numpy(),
            "child_b": column("child_id", b),
            "episode_b": column("episode_id", b),
            "reported_at_b": reported.iloc[b].to_numpy(),
            "minutes_apart": np.abs(times[b] - times[a]) / (60 * SECOND_NS),
        }
    )


def _text_at(values: pd.Series, positions: np.ndarray) -> np.ndarray | ExtensionArray:
    """`values` at `positions` for a new frame. Text stays Arrow text, a category's taken from its names:
    through Python objects and back (as any other column goes) was most of the pair table's time at 1M."""
    taken = values.iloc[positions]
    if values.dtype == "str" or (
        isinstance(values.dtype, pd.CategoricalDtype) and values.cat.categories.dtype == "str"
    ):
        return as_text(taken).array
    return taken.to_numpy(dtype=object)


def _earliest_first(keys: pd.DataFrame) -> np.ndarray:
    """The order of the pairs by reported_at_a, place, child_a, child_b, as `sort_values` orders them, sorted on
    whole-number codes of the text (sorting the text of 400,000 pairs took seconds)."""
    if keys.isna().to_numpy().any():  # where a blank sorts last: pandas' own order
        return keys.reset_index(drop=True).sort_values(list(keys.columns)).index.to_numpy()
    codes = [pd.factorize(keys[key].to_numpy(), sort=True)[0] for key in ["child_b", "child_a", "place"]]
    return np.lexsort([*codes, keys["reported_at_a"].to_numpy(dtype="datetime64[ns]").view("int64")])


def missing_together_rows(
    episodes: pd.DataFrame, window_minutes: int = MissingTogetherSettings.window_minutes
) -> PairRows:
    """The pairs of `missing_together` as rows of `episodes`."""
    return _pair_rows(episodes, "missing", window_minutes * 60 * SECOND_NS)


def found_together_rows(episodes: pd.DataFrame, window_hours: int = AssociateSettings.found_window_hours) -> PairRows:
    """The pairs of `found_together` as rows of `episodes`."""
    return _pair_rows(episodes, "found", window_hours * 3600 * SECOND_NS)


def pairs_among(episodes: pd.DataFrame, rows: PairRows, selection: pd.DataFrame | None = None) -> pd.DataFrame:
    """The pair table of `rows` (pairs of `episodes`) whose two episodes are both in `selection`, a selection
    of `episodes` keeping their index (as `select_episodes` makes): the pair table of the selection itself."""
    if selection is not None and selection is not episodes:
        chosen = np.zeros(len(episodes), dtype=bool)
        positions = episodes.index.get_indexer(selection.index)
        if (positions < 0).any():
            raise ValueError("the selection holds episodes that are not among the episodes paired")
        chosen[positions] = True
        both = chosen[rows.a] & chosen[rows.b]
        rows = PairRows(rows.kind, rows.a[both], rows.b[both])
    return _pair_table(episodes, rows)


def missing_together(
    episodes: pd.DataFrame, window_minutes: int = MissingTogetherSettings.window_minutes
) -> pd.DataFrame:
    """Pairs of episodes of two different children from one place, reported at most `window_minutes` apart."""
    return _pair_table(episodes, missing_together_rows(episodes, window_minutes))


def found_together(episodes: pd.DataFrame, window_hours: int = AssociateSettings.found_window_hours) -> pd.DataFrame:
    """Pairs of episodes of two different children found at one full postcode, returned at most `window_hours` apart.

    `minutes_apart` is between the returns; `place` is the found postcode.
    """
    return _pair_table(episodes, found_together_rows(episodes, window_hours))


def together_children(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of children: how often they went missing together, and from how many places."""
    grouped = pairs.groupby(["child_a", "child_b"], sort=True)
    table = pd.DataFrame({"times": grouped.size(), "places": grouped["place"].nunique()}).reset_index()
    return table.sort_values(["times", "child_a", "child_b"], ascending=[False, True, True], ignore_index=True)


ASSOCIATE_COLUMNS = ["child_a", "child_b", "missing_together", "found_together", "first_linked"]
LISTED_COLUMNS = ["subject", "associate", "episodes", "first_reported", "last_reported", "listed_until"]


def associates(missing_pairs: pd.DataFrame, found_pairs: pd.DataFrame) -> pd.DataFrame:
    """Pairs of children who went missing together or were found together (domain.md section 12).

    One row per pair: how many times each way, and when they were first linked. Counted on
    whole-number codes of the pairs (a cross-tabulation of the text of 400,000 pairs took seconds).
    """
    if not len(missing_pairs) and not len(found_pairs):
        return pd.DataFrame(columns=ASSOCIATE_COLUMNS)
    both = pd.concat([pairs for pairs in (missing_pairs, found_pairs) if len(pairs)], ignore_index=True)
    is_found = np.repeat([False, True], [len(missing_pairs), len(found_pairs)])
    linked = both[["reported_at_a", "reported_at_b"]].max(axis=1)
    codes, children = pd.factorize(pd.concat([both["child_a"], both["child_b"]], ignore_index=True), sort=True)
    code_a, code_b = codes[: len(both)].astype("int64"), codes[len(both) :].astype("int64")
    pair_keys, pair_codes = np.unique(code_a * len(children) + code_b, return_inverse=True)  # in the children's order
    found = np.bincount(pair_codes, weights=is_found, minlength=len(pair_keys)).astype("int64")
    total = np.bincount(pair_codes, minlength=len(pair_keys))
    first = linked.groupby(pair_codes, sort=True).min()
    child_text = pd.Series(children).array
    table = pd.DataFrame(
        {
            "child_a": child_text.take(pair_keys // len(children)),
            "child_b": child_text.take(pair_keys % len(children)),
            "missing_together": total - found,
            "found_together": found,
            "first_linked": first.to_numpy(),
        }
    )
    order = np.lexsort((np.arange(len(table)), -total))  # the pairs are in order of the children already
    return table.iloc[order].reset_index(drop=True)[ASSOCIATE_COLUMNS]


def associate_missing(
    episodes: pd.DataFrame, associate_table: pd.DataFrame, pair_tables: list[pd.DataFrame], start, end, days: int = 7
) -> pd.DataFrame:
    """Children listed because an associate went missing, one row per child and associate (LISTED_COLUMNS).

    A child is listed for `days` after each of the associate's episodes when that time overlaps the
    period and the two were linked before the episode; an episode that is itself one of the pair's
    (`pair_tables`: missing or found together) lists nobody, as the child was missing too. `episodes`
    counts the associate's episodes that list the child; first and last reported are theirs, and
    listed_until the end of the last one's listing.

    Counted on each link's run of its associate's episodes (sorted by child and time) without writing
    out one row per episode: at a million episodes that was 16 million rows and minutes.
    """
    if not len(associate_table):
        return pd.DataFrame(columns=LISTED_COLUMNS)
    reported = episodes["reported_at"]
    first_day, after = pd.Timestamp(start) - pd.Timedelta(days=days), pd.Timestamp(end) + pd.Timedelta(days=1)
    window = np.flatnonzero(((reported >= first_day) & (reported < after)).to_numpy(dtype=bool))
    children, link_subject, link_associate, gone_code = _child_codes(associate_table, episodes["child_id"], window)
    linked_ns = associate_table["first_linked"].to_numpy(dtype="datetime64[ns]").view("int64")
    link_since = np.concatenate([linked_ns, linked_ns])
    times = reported.to_numpy(dtype="datetime64[ns]")[window].view("int64")
    # the window's episodes by child, then time: each link's episodes after it are one run [low, high)
    by_child = np.lexsort((times, gone_code))
    ranks, rank_of = np.unique(np.concatenate([times, link_since]), return_inverse=True)
    span = len(ranks) + 1
    sorted_keys = gone_code[by_child].astype("int64") * span + rank_of[: len(times)][by_child]
    low = np.searchsorted(sorted_keys, link_associate * span + rank_of[len(times) :], side="right")
    high = np.searchsorted(sorted_keys, link_associate * span + span - 1, side="left")
    excluded, leading, trailing = _missing_too(
        pair_tables,
        episodes["episode_id"].iloc[window],
        children,
        gone_code[by_child],
        by_child,
        (link_subject, link_associate, low, high),
        (first_day.to_datetime64(), after.to_datetime64()),
    )
    counts = high - low - excluded
    kept = np.flatnonzero(counts > 0)
    sorted_times = times[by_child]
    first = sorted_times[low[kept] + leading[kept]]
    last = sorted_times[high[kept] - 1 - trailing[kept]]
    order = np.lexsort((link_associate[kept], link_subject[kept], first))
    kept = kept[order]
    child_text = pd.Series(children).array  # text once per child, taken by position
    return pd.DataFrame(
        {
            "subject": child_text.take(link_subject[kept]),
            "associate": child_text.take(link_associate[kept]),
            "episodes": counts[kept],
            "first_reported": first[order].view("datetime64[ns]"),
            "last_reported": last[order].view("datetime64[ns]"),
            "listed_until": (
                last[order].view("datetime64[ns]").astype("datetime64[D]") + np.timedelta64(days, "D")
            ).astype(object),
        }
    )


def _child_codes(
    associate_table: pd.DataFrame, child_ids: pd.Series, window: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(children, link_subject, link_associate, window's child codes): the children's text once, sorted, so
    sorting by a code sorts by the text; each pair of associates as two links, subject then associate."""
    codes, children = pd.factorize(
        np.concatenate(
            [
                _text(associate_table["child_a"]),
                _text(associate_table["child_b"]),
                _text(child_ids.iloc[window]),
            ]
        ),
        sort=True,
    )
    codes = codes.astype("int64")
    pairs = len(associate_table)
    code_a, code_b = codes[:pairs], codes[pairs : 2 * pairs]
    return np.asarray(children), np.concatenate([code_a, code_b]), np.concatenate([code_b, code_a]), codes[2 * pairs :]


def _missing_too(
    pair_tables: list[pd.DataFrame],
    episode_ids: pd.Series,
    children: np.ndarray,
    sorted_codes: np.ndarray,
    by_child: np.ndarray,
    links: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    window: tuple[np.datetime64, np.datetime64],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per link (subject, associate, low, high): how many episodes of its run list nobody, the subject
    being one of the pair (`pair_tables`), and how many of those lead and trail the run, so its first
    and last listing episodes are found without the rows. `episode_ids` are the window's, unique (the
    database's key); `by_child` puts them in the runs' order, `sorted_codes` their children's codes;
    `window` the first and after the last moment of the window they are in."""
    subject, associate, low, high = links
    nothing = np.zeros(len(subject), dtype="int64")
    pairs = [p for p in pair_tables if len(p)]
    if not pairs:
        return nothing, nothing, nothing
    first_day, after = window
    # the child with the other's episode, where that episode is in the window (the rest list nobody anyway)
    ways = [
        (p[child], p[episode], p[reported].to_numpy(dtype="datetime64[ns]"))
        for child, episode, reported in (
            ("child_a", "episode_b", "reported_at_b"),
            ("child_b", "episode_a", "reported_at_a"),
        )
        for p in pairs
    ]
    inside_window = [(times >= first_day) & (times < after) for _, _, times in ways]
    together_subject = pd.Index(children).get_indexer(
        np.concatenate([_text(child)[chosen] for (child, _, _), chosen in zip(ways, inside_window, strict=True)])
    )
    rows = pd.Index(_text(episode_ids)).get_indexer(
        np.concatenate([_text(episode)[chosen] for (_, episode, _), chosen in zip(ways, inside_window, strict=True)])
    )
    known = (together_subject >= 0) & (rows >= 0)
    position = np.empty(len(by_child), dtype="int64")
    position[by_child] = np.arange(len(by_child))
    at = position[rows[known]]
    span = len(children)
    link_keys = subject * span + associate
    by_key = np.argsort(link_keys)
    wanted = together_subject[known].astype("int64") * span + sorted_codes[at]
    found = np.minimum(np.searchsorted(link_keys, wanted, sorter=by_key), len(by_key) - 1)
    link = by_key[found]
    inside = (link_keys[link] == wanted) & (low[link] <= at) & (at < high[link])
    # once each (a pair missing together and found together on the same episodes is one exclusion)
    unique = np.unique(link[inside] * len(by_child) + at[inside])
    link, at = unique // len(by_child), unique % len(by_child)
    excluded = np.bincount(link, minlength=len(subject))
    index = np.arange(len(link))
    rank = index - np.searchsorted(link, link, side="left")
    rank_from_end = np.searchsorted(link, link, side="right") - 1 - index
    # a run's positions rise by at least 1 a step, so those equal to low + rank are a leading block
    leading = np.bincount(link, weights=at - rank == low[link], minlength=len(subject)).astype("int64")
    trailing = np.bincount(link, weights=at + rank_from_end == high[link] - 1, minlength=len(subject)).astype("int64")
    return excluded, leading, trailing


def _text(values: pd.Series) -> np.ndarray:
    """The values as an array of text objects; text already (or categories of text) is not converted again,
    which at a million episodes cost more than the rest of the list."""
    if values.dtype == object or isinstance(values.dtype, pd.CategoricalDtype):
        return values.to_numpy(dtype=object)
    return values.astype(str).to_numpy(dtype=object)
