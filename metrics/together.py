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
LISTED_COLUMNS = ["subject", "associate", "episode_id", "reported_at", "listed_until"]


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
    """Children listed because an associate went missing, for `days` after each of the associate's episodes.

    Listed when that time overlaps the period and the two were linked before
    the associate's episode; an episode that is itself one of the pair's
    (`pair_tables`: missing or found together) lists nobody, as the child was
    missing too.

    Worked on whole-number codes for children and episodes, the text taken only for the rows kept:
    joining and sorting the text of 150,000 listed rows cost seconds.
    """
    if not len(associate_table):
        return pd.DataFrame(columns=LISTED_COLUMNS)
    reported = episodes["reported_at"]
    first_day = pd.Timestamp(start) - pd.Timedelta(days=days)
    window = np.flatnonzero(
        ((reported >= first_day) & (reported < pd.Timestamp(end) + pd.Timedelta(days=1))).to_numpy(dtype=bool)
    )
    gone_children = episodes["child_id"].iloc[window].astype(str).to_numpy(dtype=object)
    # sorted codes: sorting by the code sorts by the text
    child_codes, children = pd.factorize(
        np.concatenate(
            [
                associate_table["child_a"].astype(str).to_numpy(dtype=object),
                associate_table["child_b"].astype(str).to_numpy(dtype=object),
                gone_children,
            ]
        ),
        sort=True,
    )
    pairs_count = len(associate_table)
    code_a, code_b, gone_code = (
        child_codes[:pairs_count],
        child_codes[pairs_count : 2 * pairs_count],
        child_codes[2 * pairs_count :],
    )
    linked_ns = associate_table["first_linked"].to_numpy(dtype="datetime64[ns]").view("int64")
    link_subject = np.concatenate([code_a, code_b])
    link_associate = np.concatenate([code_b, code_a])
    link_since = np.concatenate([linked_ns, linked_ns])
    # each link with every episode of its associate in the window (the links in order, then the episodes)
    by_child = np.argsort(gone_code, kind="stable")
    sorted_codes = gone_code[by_child]
    low = np.searchsorted(sorted_codes, link_associate, side="left")
    counts = np.searchsorted(sorted_codes, link_associate, side="right") - low
    link_rows = np.repeat(np.arange(len(link_subject)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    gone_rows = by_child[np.repeat(low, counts) + offsets]
    times = reported.iloc[window].to_numpy(dtype="datetime64[ns]")
    after = link_since[link_rows] < times[gone_rows].view("int64")
    link_rows, gone_rows = link_rows[after], gone_rows[after]
    subjects = link_subject[link_rows]
    episode_codes, episode_ids = pd.factorize(episodes["episode_id"].iloc[window].astype(str).to_numpy(dtype=object))
    episode_of = episode_codes[gone_rows]
    pairs = [p for p in pair_tables if len(p)]
    if pairs:
        together_subject = np.concatenate(
            [p["child_a"].astype(str).to_numpy(dtype=object) for p in pairs]
            + [p["child_b"].astype(str).to_numpy(dtype=object) for p in pairs]
        )
        together_episode = np.concatenate(
            [p["episode_b"].astype(str).to_numpy(dtype=object) for p in pairs]
            + [p["episode_a"].astype(str).to_numpy(dtype=object) for p in pairs]
        )
        was_missing_too = _pairs_among(
            subjects,
            episode_of,
            pd.Index(children).get_indexer(together_subject),
            pd.Index(episode_ids).get_indexer(together_episode),
            len(episode_ids),
        )
        link_rows, gone_rows, subjects, episode_of = (
            link_rows[~was_missing_too],
            gone_rows[~was_missing_too],
            subjects[~was_missing_too],
            episode_of[~was_missing_too],
        )
    associates_of = link_associate[link_rows]
    order = np.lexsort((associates_of, subjects, times[gone_rows]))
    kept = window[gone_rows[order]]
    day = np.timedelta64(days, "D")
    child_text = pd.Series(children).array  # text once per child, taken by position
    return pd.DataFrame(
        {
            "subject": child_text.take(subjects[order]),
            "associate": child_text.take(associates_of[order]),
            "episode_id": pd.Series(episode_ids).array.take(episode_of[order]),
            "reported_at": reported.iloc[kept].to_numpy(),
            "listed_until": (times[gone_rows[order]].astype("datetime64[D]") + day).astype(object),
        }
    )


def _pairs_among(
    subjects: np.ndarray, episodes: np.ndarray, among_subjects: np.ndarray, among_episodes: np.ndarray, span: int
) -> np.ndarray:
    """Whether each (subject, episode) code pair is one of the (among_subjects, among_episodes) pairs; codes
    of -1 among them (a child or episode not in the window) match nothing. `span`: how many episode codes."""
    known = (among_subjects >= 0) & (among_episodes >= 0)
    keys = subjects.astype("int64") * span + episodes
    return np.isin(keys, among_subjects[known].astype("int64") * span + among_episodes[known])
