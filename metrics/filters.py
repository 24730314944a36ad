"""Choosing episodes: the period, the filters, and the columns worked out for them.

Every metric covers the episodes whose reported_at date falls in the period
and that pass the filters (domain.md section 4). Filter values arrive as
strings typed on a command line or picked in the sidebar.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime

import numpy as np
import pandas as pd

import config
from config.canonical import BOOLEAN_WORDS, CANONICAL_COLUMNS, MULTI_VALUE_VOCABULARIES, NOT_KNOWN
from metrics.time_limits import HOUR_NS, date_only_flags, longest_gap, shortest_gap

# Return interview content holds several values a cell: counted by metrics.interview_content, not a filter.
FILTER_KEYS = tuple(c for c in CANONICAL_COLUMNS if c not in MULTI_VALUE_VOCABULARIES) + (
    "locality",
    "ethnic_group",
    "age_band",
)

OUT_OF_AREA = "Out of area"
ETHNIC_GROUPS = {
    "White": ("WBRI", "WIRI", "WOTH", "WIRT", "WROM"),
    "Mixed": ("MWBC", "MWBA", "MWAS", "MOTH"),
    "Asian": ("AIND", "APKN", "ABAN", "AOTH"),
    "Black": ("BCRB", "BAFR", "BOTH"),
    "Other": ("CHNE", "OOTH"),
    NOT_KNOWN: ("REFU", "NOBT"),
}
ETHNIC_GROUP_BANDS = tuple(ETHNIC_GROUPS)
ETHNICITY_CODES = tuple(code for codes in ETHNIC_GROUPS.values() for code in codes)
AGE_BANDS = ("under 10", "10-12", "13-15", "16-17", NOT_KNOWN)
AGE_EDGES = (0, 10, 13, 16, 18)
DURATION_BANDS = ("0-8 hrs", "8-16 hrs", "16-24 hrs", "24-48 hrs", "2-7 days", "7+ days", NOT_KNOWN)
DURATION_EDGES_HOURS = (0, 8, 16, 24, 48, 168)
DISTANCE_BANDS = ("0-5 miles", "5-10 miles", "10-20 miles", "20-40 miles", "40-80 miles", "80+ miles", NOT_KNOWN)
DISTANCE_EDGES_MILES = (0, 5, 10, 20, 40, 80)
METRES_PER_MILE = 1609.344

VOCAB_COLUMNS = ("category", "missing_from", "placement_type", "sex", "ethnicity", "police_risk", "rag", "rhi_outcome")
BOOLEAN_COLUMNS = ("out_of_area", "cse_concern", "cce_concern")
DATE_COLUMNS = (
    "reported_at",
    "returned_at",
    "safe_and_well_at",
    "rhi_offered_at",
    "rhi_completed_at",
    "strategy_meeting_at",
    "date_of_birth",
)
POSTCODE_COLUMNS = ("from_postcode", "found_postcode")
CASELESS_TEXT_COLUMNS = ("placing_authority", "establishment_name")
DERIVED_COLUMNS = ("locality", "ethnic_group", "age_band", "duration_band", "distance_band", "distance_miles")


def locality_names() -> tuple[str, ...]:
    """The council's localities in the order of localities.csv, then Out of area, Not known."""
    return tuple(dict.fromkeys(config.locality_table().values())) + (OUT_OF_AREA, NOT_KNOWN)


def month_labels(times: pd.Series) -> np.ndarray:
    """`YYYY-MM` of each datetime (None where missing), formatting each month once:
    `dt.strftime` formats every row and took 0.4 s for half a million episodes."""
    moments = pd.DatetimeIndex(times)
    index = moments.year.to_numpy(dtype="float64") * 12 + moments.month.to_numpy(dtype="float64") - 1
    known = ~np.isnan(index)
    months, positions = np.unique(index[known].astype("int64"), return_inverse=True)
    labels = np.array([f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months] + [None], dtype=object)
    codes = np.full(len(index), len(months), dtype="int64")
    codes[known] = positions
    return labels[codes]


def month_slices(times: pd.Series) -> tuple[np.ndarray, list[tuple[str, slice]]]:
    """(order, months): row positions in month order, and each calendar month with rows (`YYYY-MM`, in order)
    with the slice of `order` holding its rows; rows without a time are left out. A month's rows are a
    slice, not a mask over every row: a mask per month was most of the monthly tables' time at 1M episodes."""
    moments = pd.DatetimeIndex(times)
    index = moments.year.to_numpy(dtype="float64") * 12 + moments.month.to_numpy(dtype="float64") - 1
    known = np.flatnonzero(~np.isnan(index))
    months, codes = np.unique(index[known].astype("int64"), return_inverse=True)
    order = known[np.argsort(codes, kind="stable")]
    ends = np.cumsum(np.bincount(codes, minlength=len(months)))
    starts = ends - np.bincount(codes, minlength=len(months))
    labels = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months]
    return order, [(label, slice(int(a), int(b))) for label, a, b in zip(labels, starts, ends, strict=True)]


def run_starts(ordered: np.ndarray) -> np.ndarray:
    """True at the first of each run of equal values in a sorted (or grouped) array."""
    return np.insert(ordered[1:] != ordered[:-1], 0, True)[: len(ordered)]


def distinct_sorted(values: np.ndarray) -> np.ndarray:
    """np.unique(values) of whole numbers, by sorting and keeping the first of each run: numpy's unique
    hashes, which took seconds on a million codes where sorting takes a few hundredths."""
    ordered = np.sort(values)
    return ordered[run_starts(ordered)]


def numbered_distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(values, return_inverse=True) of whole numbers, by one sort (see `distinct_sorted`): the distinct
    values in order, and each value's position among them."""
    order = np.argsort(values)
    ordered = values[order]
    starts = run_starts(ordered)
    number = np.empty(len(values), dtype="int64")
    number[order] = np.cumsum(starts) - 1
    return ordered[starts], number


def sorted_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """`pd.factorize(values, sort=True)`: the few thousand distinct values sorted and the codes renumbered
    (-1 stays for a blank), where pandas' own renumbering took a tenth of a second on 300,000 rows."""
    codes, uniques = pd.factorize(values)
    order = uniques.argsort()
    rank = np.empty(len(order) + 1, dtype="int64")
    rank[order] = np.arange(len(order))
    rank[-1] = -1
    return rank[codes], uniques.take(order)


def as_text(values: pd.Series) -> pd.Series:
    """`values.astype(str)`; a category of text is taken from its names rather than converted row by row
    (a tenth of a second a column at a million episodes)."""
    if isinstance(values.dtype, pd.CategoricalDtype) and values.cat.categories.dtype == "str":
        text = values.cat.categories.array.take(values.cat.codes.to_numpy(), allow_fill=True)
        return pd.Series(text, index=values.index, name=values.name)
    return values.astype(str)


def first_known(*columns: pd.Series) -> pd.Series:
    """The first non-blank value of the columns, row by row. Text columns stay in their own
    (Arrow) dtype: going through Python objects was 6x slower at 1M episodes."""
    if any(isinstance(c.dtype, pd.CategoricalDtype) or c.dtype != columns[0].dtype for c in columns):
        columns = tuple(c.astype("object") for c in columns)
    place = columns[0]
    for other in columns[1:]:
        place = place.fillna(other)
    return place


def banded(codes: np.ndarray, bands: tuple[str, ...]) -> pd.Categorical:
    """Integer band positions (-1 or len-1 = Not known) as an ordered categorical."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype="int64"), categories=list(bands), ordered=True)


def duration_band_codes(episodes: pd.DataFrame) -> np.ndarray:
    """Band position of each episode's duration, honouring date-only values.

    A date-only value stands for any time that day, so the possible durations
    form an interval; the band is known only when that whole interval lies in
    one band.
    """
    known = episodes["returned_at"].notna().to_numpy() & episodes["reported_at"].notna().to_numpy()
    reported, reported_date_only = episodes["reported_at"], date_only_flags(episodes, "reported_at")
    returned, returned_date_only = episodes["returned_at"], date_only_flags(episodes, "returned_at")
    # possible durations: from `low` (inclusive) up to `high` (inclusive unless open)
    low = shortest_gap(reported, reported_date_only, returned, returned_date_only).view("int64")
    high = longest_gap(reported, reported_date_only, returned, returned_date_only).view("int64")
    high_open = returned_date_only  # a date-only return could be any time before midnight
    low = np.maximum(low, 0)  # the child cannot return before leaving
    edges = np.asarray(DURATION_EDGES_HOURS, dtype="int64") * HOUR_NS
    low_band = np.searchsorted(edges, low, side="right") - 1
    high_band = (
        np.where(high_open, np.searchsorted(edges, high, side="left"), np.searchsorted(edges, high, side="right")) - 1
    )
    possible = np.where(high_open, high > 0, high >= 0)
    not_known = len(DURATION_BANDS) - 1
    return np.where(known & possible & (low_band == high_band) & (low_band >= 0), low_band, not_known)


def distance_miles(episodes: pd.DataFrame) -> np.ndarray:
    """Straight line between from and found postcode centroids, in miles (NaN when unknown)."""
    metres = np.hypot(
        episodes["found_easting"].to_numpy(dtype="float64") - episodes["from_easting"].to_numpy(dtype="float64"),
        episodes["found_northing"].to_numpy(dtype="float64") - episodes["from_northing"].to_numpy(dtype="float64"),
    )
    # rounding to a micro-mile removes floating-point noise at band edges (8046.72 m is 5 miles)
    return np.round(metres / METRES_PER_MILE, 6)


def distance_band_codes(miles: np.ndarray) -> np.ndarray:
    edges = np.asarray(DISTANCE_EDGES_MILES, dtype="float64")
    codes = np.searchsorted(edges, np.nan_to_num(miles, nan=-1.0), side="right") - 1
    return np.where(np.isnan(miles) | (codes < 0), len(DISTANCE_BANDS) - 1, codes)


def locality_codes(episodes: pd.DataFrame, lad_codes: Collection[str] | None) -> np.ndarray:
    """Out of area when the from_postcode's district council is not one of `lad_codes` (the council's area,
    `[authority]`), else the table's locality. With None (the area not known) nothing is out of area."""
    bands = locality_names()
    position = {name: i for i, name in enumerate(bands)}
    table = {district: position[name] for district, name in config.locality_table().items()}
    districts = episodes["from_district"].astype("category")
    mapped = districts.cat.categories.to_series().map(table).fillna(position[NOT_KNOWN]).to_numpy(dtype="int64")
    # code -1 (blank district) picks the Not known appended last
    codes = np.append(mapped, position[NOT_KNOWN])[districts.cat.codes.to_numpy()]
    if lad_codes is None:
        return codes
    lad = episodes["from_lad"]
    outside = lad.notna().to_numpy() & ~lad.isin(list(lad_codes)).to_numpy()
    return np.where(outside, position[OUT_OF_AREA], codes)


def ethnic_group_codes(ethnicity: pd.Series) -> np.ndarray:
    lookup = {code: i for i, codes in enumerate(ETHNIC_GROUPS.values()) for code in codes}
    values = ethnicity.astype("category")
    not_known = len(ETHNIC_GROUP_BANDS) - 1
    mapped = values.cat.categories.to_series().map(lookup).fillna(not_known).to_numpy(dtype="int64")
    return np.append(mapped, not_known)[values.cat.codes.to_numpy()]


def age_band_codes(episodes: pd.DataFrame) -> np.ndarray:
    """Age in whole years at reported_at; an age outside 0-17 is Not known."""
    reported = pd.DatetimeIndex(episodes["reported_at"])
    born = pd.DatetimeIndex(episodes["date_of_birth"])
    years = reported.year.to_numpy() - born.year.to_numpy()
    before_birthday = (reported.month.to_numpy() * 100 + reported.day.to_numpy()) < (
        born.month.to_numpy() * 100 + born.day.to_numpy()
    )
    age = years - before_birthday
    known = ~(reported.isna() | born.isna())
    age = np.where(known, age, -1)
    codes = np.searchsorted(np.asarray(AGE_EDGES), age, side="right") - 1
    return np.where(known & (age >= 0) & (age < AGE_EDGES[-1]), codes, len(AGE_BANDS) - 1)


def with_derived(episodes: pd.DataFrame, lad_codes: Collection[str] | None) -> pd.DataFrame:
    """The episodes with locality, ethnic_group, age_band, duration_band, distance_band, distance_miles.

    Whoever loads the episodes derives them once with the council's `lad_codes` (the UI, the reports);
    with None (hand-built frames) no episode is out of area.
    """
    frame = episodes.copy(deep=False)  # copy-on-write: the new columns never reach `episodes`, no second copy
    miles = distance_miles(frame)
    frame["locality"] = banded(locality_codes(frame, lad_codes), locality_names())
    frame["ethnic_group"] = banded(ethnic_group_codes(frame["ethnicity"]), ETHNIC_GROUP_BANDS)
    frame["age_band"] = banded(age_band_codes(frame), AGE_BANDS)
    frame["duration_band"] = banded(duration_band_codes(frame), DURATION_BANDS)
    frame["distance_band"] = banded(distance_band_codes(miles), DISTANCE_BANDS)
    frame["distance_miles"] = miles
    return frame


def ensure_derived(episodes: pd.DataFrame) -> pd.DataFrame:
    """The frame itself when the derived columns are there already, else with them added
    (the council's area is not known here: see `with_derived`)."""
    if all(column in episodes for column in DERIVED_COLUMNS):
        return episodes
    return with_derived(episodes, None)


def parse_date(text: str) -> date:
    """An ISO (`2015-03-01`) or UK (`01/03/2015`) date, optionally with a time that is ignored."""
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.split(" ")[0].split("T")[0], pattern).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def _compact_postcode(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).upper()


def _is_not_known(text: str) -> bool:
    return text.strip().lower() in ("not known", "")


def _filter_mask(episodes: pd.DataFrame, key: str, values: list[str]) -> np.ndarray:
    """Episodes matching any of the values given for one filter key."""
    column = episodes[key]
    if key in VOCAB_COLUMNS or key in ("locality", "ethnic_group", "age_band"):
        return _vocabulary_mask(column, key, values)
    if key in BOOLEAN_COLUMNS:
        return _boolean_mask(column, key, values)
    if key in DATE_COLUMNS:
        return _date_mask(column, values)
    if key in POSTCODE_COLUMNS:
        compact = column.astype("object").where(column.notna(), "").astype(str).str.replace(" ", "", regex=False)
        return compact.isin([_compact_postcode(v) for v in values]).to_numpy()
    if key in CASELESS_TEXT_COLUMNS:
        return (
            column.astype("object")
            .str.lower()
            .isin([v.strip().lower() for v in values])
            .fillna(False)
            .to_numpy(dtype=bool)
        )
    return column.astype("object").isin([v.strip() for v in values]).to_numpy()


def _vocabulary_mask(column: pd.Series, key: str, values: list[str]) -> np.ndarray:
    """A column of known values (any case); `not known` is a blank, except where blank is itself a value."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        allowed = [str(c) for c in column.cat.categories]
    else:
        allowed = sorted(str(v) for v in column.dropna().unique())
    by_lower = {a.lower(): a for a in allowed}
    mask = np.zeros(len(column), dtype=bool)
    wanted = []
    for value in values:
        if key not in ("locality", "ethnic_group", "age_band") and _is_not_known(value):
            mask |= column.isna().to_numpy()
        elif value.strip().lower() in by_lower:
            wanted.append(by_lower[value.strip().lower()])
        else:
            raise ValueError(f"filter {key}: unknown value {value!r} (allowed: {', '.join(allowed)})")
    return mask | column.isin(wanted).to_numpy()


def _boolean_mask(column: pd.Series, key: str, values: list[str]) -> np.ndarray:
    """A yes/no column: each value a yes/no word or `not known` (blank)."""
    mask = np.zeros(len(column), dtype=bool)
    for value in values:
        word = value.strip().lower()
        if _is_not_known(value):
            mask |= column.isna().to_numpy()
        elif word in BOOLEAN_WORDS:
            mask |= (column == BOOLEAN_WORDS[word]).fillna(False).to_numpy(dtype=bool)
        else:
            raise ValueError(f"filter {key}: not a yes/no value {value!r}")
    return mask


def _date_mask(column: pd.Series, values: list[str]) -> np.ndarray:
    """A date column: each value a day or `not known` (blank)."""
    days = column.dt.normalize()
    mask = np.zeros(len(column), dtype=bool)
    for value in values:
        if _is_not_known(value):
            mask |= column.isna().to_numpy()
        else:
            mask |= (days == pd.Timestamp(parse_date(value))).fillna(False).to_numpy(dtype=bool)
    return mask


def select_episodes(
    episodes: pd.DataFrame, start: date, end: date, filters: dict[str, list[str]] | None = None
) -> pd.DataFrame:
    """Episodes reported from `start` to `end` inclusive that pass every filter, with derived columns.

    Values of one key are alternatives; different keys must all match.
    Raises ValueError naming an unknown key or a value that key cannot take.
    """
    filters = {key: [values] if isinstance(values, str) else list(values) for key, values in (filters or {}).items()}
    for key in filters:
        if key not in FILTER_KEYS:
            raise ValueError(f"unknown filter key: {key!r} (allowed: {', '.join(FILTER_KEYS)})")
    reported = episodes["reported_at"]
    first, after = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    if reported.is_monotonic_increasing:
        # load_episodes sorts by reported_at: the period is one slice, found by binary search,
        # not a mask over every episode (the same rows in the same order, several times cheaper at 1M)
        values = reported.to_numpy(dtype="datetime64[ns]")
        lo, hi = np.searchsorted(values, first.to_datetime64(), "left"), np.searchsorted(values, after.to_datetime64())
        chosen = ensure_derived(episodes.iloc[lo:hi])
    else:
        in_period = (reported >= first) & (reported < after)
        chosen = ensure_derived(episodes.loc[in_period.to_numpy()])
    mask = np.ones(len(chosen), dtype=bool)
    for key, values in filters.items():
        if values:
            mask &= _filter_mask(chosen, key, values)
    return chosen if mask.all() else chosen.loc[mask]  # no filter: the slice itself, not a copy of it
