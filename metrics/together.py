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
from metrics.filters import as_text, distinct_sorted, first_known, sorted_codes

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
    new_pair = np.insert(pair[1:] != pair[:-1], 0, True)[: len(pair)]
    new_place = np.insert(keys[1:] != keys[:-1], 0, True)[: len(keys)]
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
    if not len(missing_pairs.a) and not len(found_pairs.a):
        return pd.DataFrame(columns=ASSOCIATE_COLUMNS)
    a, b = np.concatenate([missing_pairs.a, found_pairs.a]), np.concatenate([missing_pairs.b, found_pairs.b])
    is_found = np.repeat([False, True], [len(missing_pairs.a), len(found_pairs.a)])
    reported = episodes["reported_at"].to_numpy(dtype="datetime64[ns]")
    linked = pd.Series(np.fmax(reported[a], reported[b]))  # the later report; a blank one is skipped
    codes, children = child_codes(episodes["child_id"])
    pair_keys, pair_codes = np.unique(codes[a] * len(children) + codes[b], return_inverse=True)  # children's order
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
    episodes: pd.DataFrame, associate_table: pd.DataFrame, pair_rows: list[PairRows], start, end, days: int = 7
) -> pd.DataFrame:
    """Children listed because an associate went missing, one row per child and associate (LISTED_COLUMNS).

    A child is listed for `days` after each of the associate's episodes when that time overlaps the
    period and the two were linked before the episode; an episode that is itself one of the pair's
    (`pair_rows`: missing or found together, rows of `episodes`) lists nobody, as the child was missing
    too. `episodes` counts the associate's episodes that list the child; first and last reported are
    theirs, and listed_until the end of the last one's listing.

    Counted on each link's run of its associate's episodes (sorted by child and time) without writing
    out one row per episode: at a million episodes that was 16 million rows and minutes.
    """
    if not len(associate_table):
        return pd.DataFrame(columns=LISTED_COLUMNS)
    reported = episodes["reported_at"]
    first_day, after = pd.Timestamp(start) - pd.Timedelta(days=days), pd.Timestamp(end) + pd.Timedelta(days=1)
    window = np.flatnonzero(((reported >= first_day) & (reported < after)).to_numpy(dtype=bool))
    codes, children = child_codes(episodes["child_id"])
    code_a, code_b = (_codes_of(associate_table[side], children) for side in ("child_a", "child_b"))
    link_subject, link_associate = np.concatenate([code_a, code_b]), np.concatenate([code_b, code_a])
    gone_code = codes[window]
    linked_ns = associate_table["first_linked"].to_numpy(dtype="datetime64[ns]").view("int64")
    link_since = np.concatenate([linked_ns, linked_ns])
    times = reported.to_numpy(dtype="datetime64[ns]")[window].view("int64")
    # the window's episodes by child, then time: each link's episodes after it are one run [low, high)
    by_child = order_by_child_and_time(gone_code, times)
    ranks, rank_of = np.unique(np.concatenate([times, link_since]), return_inverse=True)
    span = len(ranks) + 1
    sorted_keys = gone_code[by_child] * span + rank_of[: len(times)][by_child]
    since_keys = link_associate * span + rank_of[len(times) :]
    low, high = np.empty_like(since_keys), np.empty_like(since_keys)
    asked = np.argsort(since_keys)  # searched in order: 7 times faster than in the links' order at a million
    low[asked] = np.searchsorted(sorted_keys, since_keys[asked], side="right")
    high[asked] = np.searchsorted(sorted_keys, link_associate[asked] * span + span - 1, side="left")
    # where each of the episodes is in the runs' order (-1: outside the window)
    position = np.full(len(episodes), -1, dtype="int64")
    position[window[by_child]] = np.arange(len(window))
    excluded, leading, trailing = _missing_too(
        pair_rows, codes, position, gone_code[by_child], len(children), (link_subject, link_associate, low, high)
    )
    counts = high - low - excluded
    kept = np.flatnonzero(counts > 0)
    sorted_times = times[by_child]
    first = sorted_times[low[kept] + leading[kept]]
    last = sorted_times[high[kept] - 1 - trailing[kept]]
    order = np.lexsort((link_subject[kept] * len(children) + link_associate[kept], first))
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


def _missing_too(
    pair_rows: list[PairRows],
    codes: np.ndarray,
    position: np.ndarray,
    sorted_codes: np.ndarray,
    span: int,
    links: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per link (subject, associate, low, high): how many episodes of its run list nobody, the subject
    being one of the pair (`pair_rows`), and how many of those lead and trail the run, so its first
    and last listing episodes are found without the rows. `codes` are the episodes' children (below
    `span`), `position` each episode's place in the runs' order (-1 outside the window), `sorted_codes` the
    children in that order."""
    subject, associate, low, high = links
    # the child with the other's episode, where that episode is in the window (the rest list nobody anyway)
    ways = [(pairs.a, pairs.b) for pairs in pair_rows] + [(pairs.b, pairs.a) for pairs in pair_rows]
    together_subject = np.concatenate([codes[child] for child, _ in ways] or [np.empty(0, dtype="int64")])
    at = np.concatenate([position[episode] for _, episode in ways] or [np.empty(0, dtype="int64")])
    known = (together_subject >= 0) & (at >= 0)
    if not known.any():
        nothing = np.zeros(len(subject), dtype="int64")
        return nothing, nothing, nothing
    together_subject, at = together_subject[known], at[known]
    # each link's key is unique: a hash lookup (a binary search through a sorter took seconds at a million)
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
