"""Children who go missing together: different children leaving the same place within an hour.

The place is the establishment when given, else the full from_postcode.
Episodes are sorted by place and time and each is paired only with the
episodes after it inside the window, so a busy place does not cost
episodes x episodes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from config.sections import AssociateSettings, MissingTogetherSettings
from metrics.filters import first_known

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


def _pair_table(episodes: pd.DataFrame, place: pd.Series, time_column: str, window_ns: int) -> pd.DataFrame:
    """PAIR_COLUMNS for the pairs `close_in_time` finds, child_a before child_b, earliest first."""
    first, second = close_in_time(episodes, place, time_column, window_ns)
    if not len(first):
        return pd.DataFrame(columns=PAIR_COLUMNS)

    def column(name: str, positions: np.ndarray) -> np.ndarray:
        return episodes[name].iloc[positions].to_numpy(dtype=object)

    times = episodes[time_column].to_numpy(dtype="datetime64[ns]").view("int64")
    time_first, time_second = times[first], times[second]
    child_first, child_second = column("child_id", first), column("child_id", second)
    id_first, id_second = column("episode_id", first), column("episode_id", second)
    swap = child_first > child_second
    pairs = pd.DataFrame(
        {
            "place": place.iloc[first].to_numpy(dtype=object),
            "child_a": np.where(swap, child_second, child_first),
            "episode_a": np.where(swap, id_second, id_first),
            "reported_at_a": episodes["reported_at"].iloc[np.where(swap, second, first)].to_numpy(),
            "child_b": np.where(swap, child_first, child_second),
            "episode_b": np.where(swap, id_first, id_second),
            "reported_at_b": episodes["reported_at"].iloc[np.where(swap, first, second)].to_numpy(),
            "minutes_apart": np.abs(time_second - time_first) / (60 * SECOND_NS),
        }
    )
    return _earliest_first(pairs)


def _earliest_first(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs by reported_at_a, place, child_a, child_b, as `sort_values` orders them, sorted on
    whole-number codes of the text (sorting the text of 400,000 pairs took seconds)."""
    keys = ["reported_at_a", "place", "child_a", "child_b"]
    if pairs[keys].isna().to_numpy().any():  # where a blank sorts last: pandas' own order
        return pairs.sort_values(keys, ignore_index=True)
    codes = [pd.factorize(pairs[key].to_numpy(), sort=True)[0] for key in keys[:0:-1]]
    order = np.lexsort([*codes, pairs["reported_at_a"].to_numpy(dtype="datetime64[ns]").view("int64")])
    return pairs.iloc[order].reset_index(drop=True)


def missing_together(
    episodes: pd.DataFrame, window_minutes: int = MissingTogetherSettings.window_minutes
) -> pd.DataFrame:
    """Pairs of episodes of two different children from one place, reported at most `window_minutes` apart."""
    return _pair_table(episodes, episode_place(episodes), "reported_at", window_minutes * 60 * SECOND_NS)


def found_together(episodes: pd.DataFrame, window_hours: int = AssociateSettings.found_window_hours) -> pd.DataFrame:
    """Pairs of episodes of two different children found at one full postcode, returned at most `window_hours` apart.

    `minutes_apart` is between the returns; `place` is the found postcode.
    """
    return _pair_table(episodes, episodes["found_postcode"], "returned_at", window_hours * 3600 * SECOND_NS)


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
    first_day = pd.Timestamp(start) - pd.Timedelta(days=days)
    window = np.flatnonzero(
        ((reported >= first_day) & (reported < pd.Timestamp(end) + pd.Timedelta(days=1))).to_numpy(dtype=bool)
    )
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
                associate_table["child_a"].astype(str).to_numpy(dtype=object),
                associate_table["child_b"].astype(str).to_numpy(dtype=object),
                child_ids.iloc[window].astype(str).to_numpy(dtype=object),
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
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per link (subject, associate, low, high): how many episodes of its run list nobody, the subject
    being one of the pair (`pair_tables`), and how many of those lead and trail the run, so its first
    and last listing episodes are found without the rows. `episode_ids` are the window's, unique (the
    database's key); `by_child` puts them in the runs' order, `sorted_codes` their children's codes."""
    subject, associate, low, high = links
    nothing = np.zeros(len(subject), dtype="int64")
    pairs = [p for p in pair_tables if len(p)]
    if not pairs:
        return nothing, nothing, nothing
    together_subject = pd.Index(children).get_indexer(
        np.concatenate([p[c].astype(str).to_numpy(dtype=object) for c in ("child_a", "child_b") for p in pairs])
    )
    rows = pd.Index(episode_ids.astype(str).to_numpy(dtype=object)).get_indexer(
        np.concatenate([p[c].astype(str).to_numpy(dtype=object) for c in ("episode_b", "episode_a") for p in pairs])
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
