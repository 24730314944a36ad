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
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionArray

from config.sections import AssociateSettings, MissingTogetherSettings
from metrics.filters import as_text, distinct_sorted, first_known, run_starts, sorted_codes

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
    place: np.ndarray  # each pair's place (child_a's episode's) as a whole number, -1 for none: counted without text

    def take(self, positions: np.ndarray) -> PairRows:
        """The pairs at `positions`, in that order."""
        return PairRows(self.kind, self.a[positions], self.b[positions], self.place[positions])

    def place_count(self) -> int:
        """How many distinct places the pairs left from (or were found at)."""
        return len(distinct_sorted(self.place[self.place >= 0]))


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
    return PairRows(kind, a[order], b[order], pd.factorize(keys["place"].to_numpy()[order])[0])


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


def rows_among(episodes: pd.DataFrame, rows: PairRows, selection: pd.DataFrame) -> PairRows:
    """The pairs of `rows` (pairs of `episodes`) whose two episodes are both in `selection`, a selection of
    `episodes` keeping their index (as `select_episodes` makes), as row positions in `selection`: the
    selection's own pairs, in the same order."""
    if selection is episodes:
        return rows
    positions = episodes.index.get_indexer(selection.index)
    if (positions < 0).any():
        raise ValueError("the selection holds episodes that are not among the episodes paired")
    position_in_selection = np.full(len(episodes), -1, dtype="int64")
    position_in_selection[positions] = np.arange(len(positions))
    a, b = position_in_selection[rows.a], position_in_selection[rows.b]
    both = (a >= 0) & (b >= 0)
    return PairRows(rows.kind, a[both], b[both], rows.place[both])


def pairs_among(episodes: pd.DataFrame, rows: PairRows, selection: pd.DataFrame | None = None) -> pd.DataFrame:
    """The pair table of the selection (`rows_among`): of `episodes` when no selection is given."""
    if selection is None:
        return _pair_table(episodes, rows)
    return _pair_table(selection, rows_among(episodes, rows, selection))


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
    """One row per pair of children: how often they went missing together, and from how many places.

    Most often first, then by child_a and child_b (`_children_table`)."""
    if pairs.empty:
        grouped = pairs.groupby(["child_a", "child_b"], sort=True)
        table = pd.DataFrame({"times": grouped.size(), "places": grouped["place"].nunique()}).reset_index()
        return table.sort_values(["times", "child_a", "child_b"], ascending=[False, True, True], ignore_index=True)
    children, names = sorted_codes(pd.concat([pairs["child_a"], pairs["child_b"]], ignore_index=True))
    return _children_table(children[: len(pairs)], children[len(pairs) :], pd.factorize(pairs["place"])[0], names)


def together_children_of(episodes: pd.DataFrame, rows: PairRows) -> pd.DataFrame:
    """`together_children` of the pairs at `rows` of `episodes` (their `pairs_among` table) from the episodes'
    child codes and the pairs' place numbers, without writing out the pairs' text (350,000 at a million)."""
    if not len(rows.a):
        return together_children(_pair_table(episodes, rows))
    codes, names = child_codes(episodes["child_id"])
    return _children_table(codes[rows.a], codes[rows.b], rows.place, names.astype("str"))


def _children_table(child_a: np.ndarray, child_b: np.ndarray, place: np.ndarray, names: pd.Index) -> pd.DataFrame:
    """The table of `together_children` from each pair's children as codes into `names` (numbered in the text's
    order, -1 blank) and its place as a number (-1 blank): counted on whole numbers, as grouping 350,000 pairs
    by their text took most of the table's time. A pair without a child is left out, as groupby leaves it."""
    known = np.flatnonzero((child_a >= 0) & (child_b >= 0))
    span = int(place.max(initial=-1)) + 2  # place + 1 below span, 0 for none
    pair = child_a[known] * len(names) + child_b[known]
    keys = np.sort(pair * span + place[known] + 1)  # by pair (in the children's order), then place
    pair, place = keys // span, keys % span
    new_pair, new_place = run_starts(pair), run_starts(keys)
    starts = np.flatnonzero(new_pair)
    times = np.diff(np.append(starts, len(pair)))
    places = np.bincount((np.cumsum(new_pair) - 1)[new_place & (place > 0)], minlength=len(starts))
    most_first = np.argsort(-times, kind="stable")  # the pairs are in the children's order already
    child_a, child_b = np.divmod(pair[starts[most_first]], len(names))
    return pd.DataFrame(
        {
            "child_a": names.array.take(child_a),
            "child_b": names.array.take(child_b),
            "times": times[most_first].astype("int64"),
            "places": places[most_first].astype("int64"),
        }
    )


ASSOCIATE_COLUMNS = ["child_a", "child_b", "missing_together", "found_together", "first_linked"]
LISTED_COLUMNS = ["subject", "associate", "episodes", "first_reported", "last_reported", "listed_until"]


def order_by_child_and_time(child_codes: np.ndarray, times: np.ndarray) -> np.ndarray:
    """np.lexsort((times, child_codes)): the same order, but episodes already in time order (as loaded) are
    sorted by child alone with a stable radix sort of small whole numbers, several times faster at a million."""
    if not len(times) or (np.diff(times) < 0).any():
        return np.lexsort((times, child_codes))
    shifted = child_codes + 1 - int(child_codes.min())  # from 0 up, a blank child (-1) first as lexsort puts it
    return np.argsort(shifted.astype(np.min_scalar_type(int(shifted.max()))), kind="stable")


def child_codes(child_ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(each episode's child as a whole number, -1 when blank; the children's text by number), numbered in the
    text's order so that sorting the numbers sorts the text: a categorical's own codes when its categories are
    sorted text (the loaded episodes'), so no text is read; else the text factorised."""
    if (
        isinstance(child_ids.dtype, pd.CategoricalDtype)
        and pd.api.types.is_string_dtype(child_ids.cat.categories)
        and child_ids.cat.categories.is_monotonic_increasing
    ):
        return child_ids.cat.codes.to_numpy().astype("int64"), child_ids.cat.categories
    codes, names = pd.factorize(_text(child_ids), sort=True)
    return codes.astype("int64"), pd.Index(names)


def associates(episodes: pd.DataFrame, missing_pairs: PairRows, found_pairs: PairRows) -> pd.DataFrame:
    """Pairs of children who went missing together or were found together (domain.md section 12), from the
    pairs of episodes as rows of `episodes` (`missing_together_rows`, `found_together_rows`).

    One row per pair: how many times each way, and when they were first linked. Counted on
    whole-number codes of the children (a cross-tabulation of the text of 400,000 pairs took seconds).
    """
    links = _links(episodes, missing_pairs, found_pairs)
    return links.table if links else pd.DataFrame(columns=ASSOCIATE_COLUMNS)


def associates_and_listed(
    episodes: pd.DataFrame, missing_pairs: PairRows, found_pairs: PairRows, start, end, days: int = 7
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(`associates`, `associate_missing` of them and the same pairs): the list finds each pair of episodes'
    link from the associates' own count, not by looking up its two children again (a hash lookup of 900,000
    keys at a million episodes)."""
    links = _links(episodes, missing_pairs, found_pairs)
    if links is None:
        return pd.DataFrame(columns=ASSOCIATE_COLUMNS), pd.DataFrame(columns=LISTED_COLUMNS)
    listed = _listed(episodes, links, [missing_pairs, found_pairs], start, end, days)
    return links.table, listed


@dataclass(frozen=True)
class _Links:
    """The associates' table and what `_listed` reads of it: the episodes' children as codes (`child_codes`),
    each row's two children as codes and first link in ns, and, when known, the row of each pair of episodes
    (missing together, then found together)."""

    table: pd.DataFrame
    codes: np.ndarray
    children: pd.Index
    child_a: np.ndarray
    child_b: np.ndarray
    first_linked: np.ndarray
    pair_row: np.ndarray | None


def _links(episodes: pd.DataFrame, missing_pairs: PairRows, found_pairs: PairRows) -> _Links | None:
    """`associates`' table (None without pairs) with its codes."""
    if not len(missing_pairs.a) and not len(found_pairs.a):
        return None
    a, b = np.concatenate([missing_pairs.a, found_pairs.a]), np.concatenate([missing_pairs.b, found_pairs.b])
    is_found = np.repeat([False, True], [len(missing_pairs.a), len(found_pairs.a)])
    reported = episodes["reported_at"].to_numpy(dtype="datetime64[ns]")
    linked = np.fmax(reported[a], reported[b]).view("int64")  # the later report; a blank one is skipped
    codes, children = child_codes(episodes["child_id"])
    pair_keys, pair_codes = np.unique(codes[a] * len(children) + codes[b], return_inverse=True)  # children's order
    found = np.bincount(pair_codes, weights=is_found, minlength=len(pair_keys)).astype("int64")
    total = np.bincount(pair_codes, minlength=len(pair_keys))
    # each pair's earliest link, blanks (NaT, the smallest int64) left out unless all are: a groupby's min
    never = np.iinfo(np.int64).max
    first = np.full(len(pair_keys), never)
    np.minimum.at(first, pair_codes, np.where(np.isnat(linked.view("datetime64[ns]")), never, linked))
    first = np.where(first == never, np.datetime64("NaT", "ns").view("int64"), first).view("datetime64[ns]")
    child_a, child_b = pair_keys // len(children), pair_keys % len(children)
    order = np.lexsort((np.arange(len(pair_keys)), -total))  # the pairs are in order of the children already
    child_text = pd.Series(children).array
    table = pd.DataFrame(
        {
            "child_a": child_text.take(child_a[order]),
            "child_b": child_text.take(child_b[order]),
            "missing_together": (total - found)[order],
            "found_together": found[order],
            "first_linked": first[order],
        }
    )
    row_of = np.empty(len(order), dtype="int64")
    row_of[order] = np.arange(len(order))
    first_ns = first.view("int64")[order]
    return _Links(table, codes, children, child_a[order], child_b[order], first_ns, row_of[pair_codes])


def associate_missing(
    episodes: pd.DataFrame, associate_table: pd.DataFrame, pair_rows: list[PairRows], start, end, days: int = 7
) -> pd.DataFrame:
    """Children listed because an associate went missing, one row per child and associate (LISTED_COLUMNS).

    A child is listed for `days` after each of the associate's episodes when that time overlaps the
    period and the two were linked before the episode; an episode that is itself one of the pair's
    (`pair_rows`: missing or found together, rows of `episodes`) lists nobody, as the child was missing
    too. `episodes` counts the associate's episodes that list the child; first and last reported are
    theirs, and listed_until the end of the last one's listing.
    """
    if not len(associate_table):
        return pd.DataFrame(columns=LISTED_COLUMNS)
    codes, children = child_codes(episodes["child_id"])
    code_a, code_b = (_codes_of(associate_table[side], children) for side in ("child_a", "child_b"))
    linked_ns = associate_table["first_linked"].to_numpy(dtype="datetime64[ns]").view("int64")
    links = _Links(associate_table, codes, children, code_a, code_b, linked_ns, None)
    return _listed(episodes, links, pair_rows, start, end, days)


def _listed(episodes: pd.DataFrame, links: _Links, pair_rows: list[PairRows], start, end, days: int) -> pd.DataFrame:
    """`associate_missing` of the links' table. Counted on each link's run of its associate's episodes (sorted
    by child and time) without writing out one row per episode: at a million episodes that was 16 million rows
    and minutes."""
    codes, children = links.codes, links.children
    reported = episodes["reported_at"]
    first_day, after = pd.Timestamp(start) - pd.Timedelta(days=days), pd.Timestamp(end) + pd.Timedelta(days=1)
    window = np.flatnonzero(((reported >= first_day) & (reported < after)).to_numpy(dtype=bool))
    link_subject = np.concatenate([links.child_a, links.child_b])
    link_associate = np.concatenate([links.child_b, links.child_a])
    gone_code = codes[window]
    times = reported.to_numpy(dtype="datetime64[ns]")[window].view("int64")
    # the window's episodes by child, then time: each link's episodes after it are one run [low, high), found
    # by binary search on keys of the child and the episode's place in time order
    by_child = order_by_child_and_time(gone_code, times)
    in_time = np.argsort(times, kind="stable") if (np.diff(times) < 0).any() else np.arange(len(times))
    time_rank = np.empty(len(times), dtype="int64")
    time_rank[in_time] = np.arange(len(times))
    span = len(times) + 1
    sorted_keys = gone_code[by_child] * span + time_rank[by_child]
    # the episodes after a link are those at or past the number of episodes up to it, in time order
    since = np.empty(len(links.first_linked), dtype="int64")
    by_link_time = np.argsort(links.first_linked)  # searched in order: a fifth of the time
    since[by_link_time] = np.searchsorted(times[in_time], links.first_linked[by_link_time], side="right")
    since_keys = link_associate * span + np.concatenate([since, since])
    low = np.empty_like(since_keys)
    asked = np.argsort(since_keys)  # searched in order: 7 times faster than in the links' order at a million
    low[asked] = np.searchsorted(sorted_keys, since_keys[asked], side="left")
    # a run ends with its associate's episodes: where the next child's begin (a blank child, -1, comes first)
    high = np.cumsum(np.bincount(gone_code + 1, minlength=len(children) + 1))[link_associate + 1]
    # where each of the episodes is in the runs' order (-1: outside the window)
    position = np.full(len(episodes), -1, dtype="int64")
    position[window[by_child]] = np.arange(len(window))
    excluded, leading, trailing = _missing_too(
        pair_rows, links, position, gone_code[by_child], (link_subject, link_associate, low, high)
    )
    counts = high - low - excluded
    kept = np.flatnonzero(counts > 0)
    first_at, last_at = by_child[low[kept] + leading[kept]], by_child[high[kept] - 1 - trailing[kept]]
    # by the first listing episode's time, then the children: its place in time order counted over equal times
    distinct_time = np.cumsum(np.diff(times[in_time], prepend=times[in_time][:1]) != 0)[time_rank[first_at]]
    order = _first_then_children(distinct_time, link_subject[kept] * len(children) + link_associate[kept])
    kept, first, last = kept[order], times[first_at[order]], times[last_at[order]]
    child_text = pd.Series(children).array  # text once per child, taken by position
    return pd.DataFrame(
        {
            "subject": child_text.take(link_subject[kept]),
            "associate": child_text.take(link_associate[kept]),
            "episodes": counts[kept],
            "first_reported": first.view("datetime64[ns]"),
            "last_reported": last.view("datetime64[ns]"),
            "listed_until": _dates(last.view("datetime64[ns]").astype("datetime64[D]") + np.timedelta64(days, "D")),
        }
    )


def _first_then_children(rank: np.ndarray, pair: np.ndarray) -> np.ndarray:
    """np.lexsort((pair, rank)) of whole numbers at least 0, each (rank, pair) once: one argsort of a key made of
    both where it fits in 63 bits (a third of the time at a million)."""
    if not len(rank):
        return np.empty(0, dtype="int64")
    width = int(pair.max()) + 1
    if int(rank.max()) + 1 > np.iinfo(np.int64).max // width:
        return np.lexsort((pair, rank))
    return np.argsort(rank.astype("int64") * width + pair)


def _dates(days: np.ndarray) -> np.ndarray:
    """datetime64[D] as datetime.date objects (`astype(object)`), each distinct day made once: a few hundred
    days repeated on half a million rows."""
    if not len(days) or np.isnat(days).any():
        return days.astype(object)
    first = days.min()
    every_day = np.arange(first, days.max() + np.timedelta64(1, "D"), dtype="datetime64[D]").astype(object)
    return every_day[(days - first).astype("int64")]


def _missing_too(
    pair_rows: list[PairRows],
    links: _Links,
    position: np.ndarray,
    sorted_codes: np.ndarray,
    runs: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per link of `runs` (subject, associate, low, high): how many episodes of its run list nobody, the subject
    being one of the pair (`pair_rows`), and how many of those lead and trail the run, so its first
    and last listing episodes are found without the rows. `position` is each episode's place in the runs' order
    (-1 outside the window), `sorted_codes` the children in that order."""
    subject, associate, low, high = runs
    codes, span = links.codes, len(links.children)
    # the child with the other's episode, where that episode is in the window (the rest list nobody anyway)
    ways = [(pairs.a, pairs.b) for pairs in pair_rows] + [(pairs.b, pairs.a) for pairs in pair_rows]
    together_subject = np.concatenate([codes[child] for child, _ in ways] or [np.empty(0, dtype="int64")])
    at = np.concatenate([position[episode] for _, episode in ways] or [np.empty(0, dtype="int64")])
    known = (together_subject >= 0) & (at >= 0)
    if not known.any():
        nothing = np.zeros(len(subject), dtype="int64")
        return nothing, nothing, nothing
    together_subject, at = together_subject[known], at[known]
    if links.pair_row is not None:  # the pairs the links were counted from: child_a's way first, then child_b's
        link = np.concatenate([links.pair_row, links.pair_row + len(links.table)])[known]
        link[sorted_codes[at] < 0] = -1  # as the lookup finds no link to a blank child
    else:  # each link's key is unique: a hash lookup (a binary search through a sorter took seconds at a million)
        link = pd.Index(subject * span + associate).get_indexer(together_subject * span + sorted_codes[at])
    inside = (link >= 0) & (low[link] <= at) & (at < high[link])
    # once each (a pair missing together and found together on the same episodes is one exclusion)
    runs_length = len(sorted_codes)
    unique = distinct_sorted(link[inside] * runs_length + at[inside])
    link, at = unique // runs_length, unique % runs_length
    excluded = np.bincount(link, minlength=len(subject))
    index = np.arange(len(link))
    rank = index - np.searchsorted(link, link, side="left")
    rank_from_end = np.searchsorted(link, link, side="right") - 1 - index
    # a run's positions rise by at least 1 a step, so those equal to low + rank are a leading block
    leading = np.bincount(link, weights=at - rank == low[link], minlength=len(subject)).astype("int64")
    trailing = np.bincount(link, weights=at + rank_from_end == high[link] - 1, minlength=len(subject)).astype("int64")
    return excluded, leading, trailing


def _codes_of(values: pd.Series, names: pd.Index) -> np.ndarray:
    """Each value's position among `names` (-1 where not there), looked up by Arrow: a third of the time of
    pandas' get_indexer on text."""

    def arrow(text: pd.Series | pd.Index) -> pa.Array:
        return pa.array(
            text.array if isinstance(text.dtype, pd.StringDtype) else _text(pd.Series(text)), pa.large_string()
        )

    found = pc.index_in(arrow(values), value_set=arrow(names))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype("int64")


def _text(values: pd.Series) -> np.ndarray:
    """The values as an array of text objects; text already (or categories of text) is not converted again,
    which at a million episodes cost more than the rest of the list."""
    if values.dtype == object or isinstance(values.dtype, pd.CategoricalDtype):
        return values.to_numpy(dtype=object)
    return values.astype(str).to_numpy(dtype=object)
