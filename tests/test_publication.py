"""No published table lets a suppressed count be worked out from the totals a reader knows.

Property tests (hypothesis) over every publishable table kind, in the shapes
the metrics make them. The reader here is a careful one: they know every
total of a constraint line (a band table's total, each month's and each
category's episodes, all = home + care for return interviews, the period's
episodes for hotspots), that `<5` means 0 to 4 and `*` on a count means 5 or
more, that cells holding the same quantity are equal, and they narrow each
hidden cell's range line by line until nothing changes. A hidden count whose
range shrinks to one value has been given away.

The reader is written here independently of reports.suppression, so the two
check each other.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.canonical import MULTI_VALUE_VOCABULARIES
from metrics.filters import AGE_BANDS, DISTANCE_BANDS, DURATION_BANDS, ETHNIC_GROUP_BANDS
from metrics.interview_content import COMPLETED_ATTR, CONTENT_TABLES
from metrics.return_interviews import RETURN_INTERVIEW_MEASURES
from metrics.rounding import percent
from reports.tables import BAND_TABLES, HOTSPOT_TABLES, OF_ELIGIBLE, publishable

THRESHOLD = 5
BANDS = {
    "duration": DURATION_BANDS,
    "distance": DISTANCE_BANDS,
    "repeat": ("1-2", "3-5", "6-8", "9-19", "20+"),
    "sex": ("female", "male", "other", "Not known"),
    "ethnic_group": ETHNIC_GROUP_BANDS,
    "age_band": AGE_BANDS,
    "home_care": ("home", "care"),
    "locality": ("East", "South", "North", "West & Central", "Out of area", "Not known"),
}
INFINITY = math.inf

# A line: ([(coefficient, (row, column)), ...], low, high): sum of coefficient * cell lies in [low, high].
Line = tuple[list[tuple[int, tuple[object, str]]], int, int]


def is_hidden(value: object) -> bool:
    return isinstance(value, str)


def given_away(
    true: pd.DataFrame,
    shown: pd.DataFrame,
    count_columns: list[str],
    lines: list[Line],
    equal: list[list[tuple[object, str]]] = (),
) -> list[tuple[object, str]]:
    """The hidden count cells whose value the reader can pin down exactly."""
    low, high = reader_ranges(shown, count_columns)
    for _ in range(200):
        before = (dict(low), dict(high))
        for terms, total_low, total_high in lines:
            narrow(terms, total_low, total_high, low, high)
        for cells in equal:
            lo, hi = max(low[c] for c in cells), min(high[c] for c in cells)
            for c in cells:
                low[c], high[c] = lo, hi
        if (low, high) == before:
            break
    for cell, least in low.items():  # the reader's reasoning is sound: the truth stays inside every range
        assert least <= true.at[cell] <= high[cell], (cell, least, high[cell])
    return [cell for cell in low if is_hidden(shown.at[cell]) and low[cell] == high[cell]]


def reader_ranges(shown: pd.DataFrame, count_columns: list[str]) -> tuple[dict, dict]:
    """What the published table tells of each count cell: `<5` 0..4, `*` 5 and up, a number itself."""
    low, high = {}, {}
    for column in count_columns:
        for row, value in shown[column].items():
            if value == f"<{THRESHOLD}":
                low[row, column], high[row, column] = 0, THRESHOLD - 1
            elif value == "*":
                low[row, column], high[row, column] = THRESHOLD, INFINITY
            else:
                assert not is_hidden(value), value
                low[row, column] = high[row, column] = int(value)
    return low, high


def narrow(terms, total_low, total_high, low: dict, high: dict) -> None:
    """Each cell of one line from the others: coefficient * cell = total - (sum of the others)."""
    for coefficient, cell in terms:
        others = [(c, other) for c, other in terms if other != cell]
        least = sum(c * (low[o] if c > 0 else high[o]) for c, o in others)
        most = sum(c * (high[o] if c > 0 else low[o]) for c, o in others)
        bounds = sorted([(total_low - most) / coefficient, (total_high - least) / coefficient])
        if not math.isnan(bounds[0]):
            low[cell] = max(low[cell], math.ceil(bounds[0]) if math.isfinite(bounds[0]) else low[cell])
        if not math.isnan(bounds[1]):
            high[cell] = min(high[cell], math.floor(bounds[1]) if math.isfinite(bounds[1]) else high[cell])


def leaks(
    true: pd.DataFrame,
    shown: pd.DataFrame,
    count_columns: list[str],
    lines: list[Line],
    equal: list[list[tuple[object, str]]] = (),
) -> list[tuple[object, str]]:
    """Hidden counts the published table gives away beyond what the totals alone give away
    (with every count hidden: e.g. 4 + 4 of a known 8 needs no table at all)."""
    everything = shown.copy()
    for column in count_columns:
        everything[column] = [f"<{THRESHOLD}" if v < THRESHOLD else "*" for v in true[column]]
    from_totals = set(given_away(true, everything, count_columns, lines, equal))
    return [cell for cell in given_away(true, shown, count_columns, lines, equal) if cell not in from_totals]


def sum_line(table: pd.DataFrame, rows, column: str) -> Line:
    """The cells add up to their total, which the reader knows exactly."""
    total = int(table.loc[rows, column].sum())
    return [(1, (row, column)) for row in rows], total, total


def assert_small_counts_hidden(table: pd.DataFrame, shown: pd.DataFrame, count_columns: list[str]) -> None:
    for column in count_columns:
        for row, value in table[column].items():
            if 0 < value < THRESHOLD:
                assert shown.at[row, column] == f"<{THRESHOLD}"
            elif not is_hidden(shown.at[row, column]):
                assert shown.at[row, column] == value


# --- band tables --------------------------------------------------------------------------

small_or_not = st.one_of(st.integers(0, 6), st.integers(0, 60))


@st.composite
def band_tables(draw):
    kind = draw(st.sampled_from(BAND_TABLES))
    bands = BANDS[kind]
    counts = draw(st.lists(small_or_not, min_size=len(bands), max_size=len(bands)))
    table = pd.DataFrame({"band": list(bands), "count": counts})
    table["percent"] = percent(table["count"].to_numpy(), [sum(counts)] * len(bands))
    return kind, table


@settings(max_examples=250, deadline=None)
@given(band_tables())
def test_band_tables_give_nothing_away(case):
    kind, table = case
    shown = publishable(kind, table)
    assert_small_counts_hidden(table, shown, ["count"])
    assert not leaks(table, shown, ["count"], [sum_line(table, table.index, "count")])
    for row in table.index:
        assert (shown.at[row, "percent"] == "*") == is_hidden(shown.at[row, "count"])


def test_two_fours_are_not_given_away_by_the_total():
    """4 + 4 hidden beside a shown 100 of a known 108: each `<5` could only be 4."""
    table = pd.DataFrame({"band": ["a", "b", "c", "d"], "count": [4, 4, 100, 0]})
    table["percent"] = percent(table["count"].to_numpy(), [108] * 4)
    shown = publishable("repeat", table)
    assert not leaks(table, shown, ["count"], [sum_line(table, table.index, "count")])


@st.composite
def grouped_band_tables(draw):
    """A band table split by home/care, as the Time and distance page shows it."""
    kind = draw(st.sampled_from(("duration", "distance")))
    bands = BANDS[kind]
    rows = []
    for group in ("home", "care"):
        counts = draw(st.lists(small_or_not, min_size=len(bands), max_size=len(bands)))
        shares = percent(pd.Series(counts).to_numpy(), [sum(counts)] * len(bands))
        rows += [(group, band, count, share) for band, count, share in zip(bands, counts, shares, strict=True)]
    return f"{kind}_by_group", pd.DataFrame(rows, columns=["group", "band", "count", "percent"])


@settings(max_examples=200, deadline=None)
@given(grouped_band_tables())
def test_grouped_band_tables_give_nothing_away(case):
    """Each group's bands add up to its total; each band's groups to the unsplit table's count."""
    kind, table = case
    shown = publishable(kind, table)
    assert_small_counts_hidden(table, shown, ["count"])
    lines = [sum_line(table, rows.index, "count") for _, rows in table.groupby("group")]
    lines += [sum_line(table, rows.index, "count") for _, rows in table.groupby("band")]
    assert not leaks(table, shown, ["count"], lines)


# --- trend ---------------------------------------------------------------------------------


@st.composite
def trend_tables(draw):
    months = [f"2015-{m:02d}" for m in range(1, draw(st.integers(1, 6)) + 1)]
    rows = []
    for month in months:
        for category in ("missing", "absent", "away"):
            episodes = draw(small_or_not)
            if episodes:  # the metric writes rows with episodes only
                rows.append((month, category, episodes, draw(st.integers(1, episodes))))
    return pd.DataFrame(rows, columns=["month", "category", "episodes", "children"])


@settings(max_examples=150, deadline=None)
@given(trend_tables())
def test_trend_gives_nothing_away(table):
    shown = publishable("trend", table)
    assert_small_counts_hidden(table, shown, ["episodes", "children"])
    lines = [sum_line(table, rows.index, "episodes") for _, rows in table.groupby("month")]
    lines += [sum_line(table, rows.index, "episodes") for _, rows in table.groupby("category")]
    lines.append(sum_line(table, table.index, "episodes"))
    assert not leaks(table, shown, ["episodes", "children"], lines)


# --- hotspots ------------------------------------------------------------------------------


@st.composite
def hotspot_tables(draw):
    episodes = draw(st.lists(st.one_of(st.integers(1, 6), st.integers(1, 80)), min_size=1, max_size=12))
    children = [draw(st.integers(1, n)) for n in episodes]
    table = pd.DataFrame(
        {"place": [f"P{i:02d}" for i in range(len(episodes))], "episodes": episodes, "children": children}
    )
    return table.sort_values(["episodes", "place"], ascending=[False, True], ignore_index=True)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(HOTSPOT_TABLES), hotspot_tables())
def test_hotspots_give_nothing_away(kind, table):
    shown = publishable(kind, table)
    assert_small_counts_hidden(table, shown, ["episodes", "children"])
    assert not leaks(table, shown, ["episodes", "children"], [sum_line(table, table.index, "episodes")])
    assert shown["place"].tolist() == table["place"].tolist()


# --- return interviews ---------------------------------------------------------------------


@st.composite
def group_counts(draw):
    """One group's counts, each no more than what it is part of."""
    eligible = draw(small_or_not)
    offered = draw(st.integers(0, eligible))
    in_time = draw(st.integers(0, offered))
    completed = draw(st.integers(0, eligible))
    completed_in_time = draw(st.integers(0, completed))
    completed_of_offered = draw(st.integers(0, min(completed, offered)))
    declined = draw(st.integers(0, offered - completed_of_offered))
    return {
        "offered": (offered, eligible),
        "offered_within_72h": (in_time, eligible),
        "completed": (completed, eligible),
        "completed_within_72h": (completed_in_time, eligible),
        "completed_of_offered": (completed_of_offered, offered),
        "declined_of_offered": (declined, offered),
    }


@st.composite
def return_interview_tables(draw):
    home, care = draw(group_counts()), draw(group_counts())
    rows = []
    for group, counts in (("all", None), ("home", home), ("care", care)):
        for measure in RETURN_INTERVIEW_MEASURES:
            if group == "all":
                count, denominator = (home[measure][i] + care[measure][i] for i in (0, 1))
            else:
                count, denominator = counts[measure]
            rows.append((group, measure, count, denominator))
    table = pd.DataFrame(rows, columns=["group", "measure", "count", "denominator"])
    table["percent"] = percent(table["count"].to_numpy(), table["denominator"].to_numpy())
    return table


def return_interview_lines(table: pd.DataFrame) -> tuple[list[Line], list[list[tuple[object, str]]]]:
    """all = home + care for each measure's count and denominator; the repeated denominators equal."""
    lines, equal = [], []
    for _, rows in table.groupby("measure"):
        by_group = dict(zip(rows["group"], rows.index, strict=True))
        for column in ("count", "denominator"):
            lines.append(
                (
                    [
                        (1, (by_group["all"], column)),
                        (-1, (by_group["home"], column)),
                        (-1, (by_group["care"], column)),
                    ],
                    0,
                    0,
                )
            )
    for _, rows in table.groupby("group"):
        of_eligible = rows["measure"].isin(OF_ELIGIBLE)
        equal.append([(row, "denominator") for row in rows.index[of_eligible]])
        equal.append(
            [(row, "denominator") for row in rows.index[~of_eligible]]
            + [(row, "count") for row in rows.index[rows["measure"] == "offered"]]
        )
    return lines, equal


@settings(max_examples=150, deadline=None)
@given(return_interview_tables())
def test_return_interviews_give_nothing_away(table):
    shown = publishable("return_interviews", table)
    assert_small_counts_hidden(table, shown, ["count", "denominator"])
    lines, equal = return_interview_lines(table)
    assert not leaks(table, shown, ["count", "denominator"], lines, equal)
    for row in table.index:
        hidden = is_hidden(shown.at[row, "count"]) or is_hidden(shown.at[row, "denominator"])
        assert (shown.at[row, "percent"] == "*") == hidden


# --- return interview content --------------------------------------------------------------
# One interview can record several values, so a content table's bands add up to at least the
# completed interviews (T), not to T: the reader knows each band is at most T and their sum at
# least T. A reader who also took the sum as exactly the table's own (as if every interview
# recorded one value: what `publishable` protects against) is tried too.


@st.composite
def interviews(draw, bands: int):
    """Each completed interview's recorded values (a subset of the band positions; empty: Not recorded)."""
    single = draw(st.booleans())  # who held it is mostly one value: sums then equal T exactly
    size = draw(st.one_of(st.integers(0, 8), st.integers(0, 40)))
    if single:
        return [draw(st.sets(st.integers(0, bands - 1), max_size=1)) for _ in range(size)]
    return [draw(st.sets(st.integers(0, bands - 1), max_size=3)) for _ in range(size)]


def content_counts(recorded: list[set[int]], vocabulary: tuple[str, ...]) -> pd.DataFrame:
    counts = [sum(i in r for r in recorded) for i in range(len(vocabulary))] + [sum(not r for r in recorded)]
    table = pd.DataFrame({"band": [*vocabulary, "Not recorded"], "count": counts})
    table["percent"] = percent(table["count"].to_numpy(), [len(recorded)] * len(table))
    table.attrs[COMPLETED_ATTR] = {None: len(recorded)}
    return table


def content_by(key: str, recorded_by: dict[str, list[set[int]]], vocabulary: tuple[str, ...]) -> pd.DataFrame:
    """The content table split by `key` (group or month), as metrics.interview_content gives it."""
    parts = [content_counts(r, vocabulary).assign(**{key: label}) for label, r in recorded_by.items()]
    table = pd.concat(parts, ignore_index=True)[[key, "band", "count", "percent"]]
    table.attrs[COMPLETED_ATTR] = {label: len(r) for label, r in recorded_by.items()}
    return table


def content_lines(table: pd.DataFrame, rows, total: int) -> list[Line]:
    """Sum of the bands at least T, each band at most T; exactly T where every interview
    recorded one value (a reader who guesses so is then right)."""
    cells = [(1, (row, "count")) for row in rows]
    lines = [(cells, total, INFINITY)] + [([(1, (row, "count"))], 0, total) for row in rows]
    if int(table.loc[rows, "count"].sum()) == total:
        lines.append(sum_line(table, rows, "count"))
    return lines


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(CONTENT_TABLES)), st.data())
def test_interview_content_tables_give_nothing_away(kind, data):
    vocabulary = MULTI_VALUE_VOCABULARIES[CONTENT_TABLES[kind]]
    recorded = data.draw(interviews(len(vocabulary) + 1))
    recorded = [{i for i in r if i < len(vocabulary)} for r in recorded]
    table = content_counts(recorded, vocabulary)
    shown = publishable(kind, table)
    assert_small_counts_hidden(table, shown, ["count"])
    assert not leaks(table, shown, ["count"], content_lines(table, table.index, len(recorded)))
    for row in table.index:
        assert (shown.at[row, "percent"] == "*") == is_hidden(shown.at[row, "count"])


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_interview_content_by_group_gives_nothing_away(data):
    """All = home + care for each band (exactly); within a group, sum at least the group's completed."""
    vocabulary = MULTI_VALUE_VOCABULARIES["disclosures"]
    home, care = (data.draw(interviews(len(vocabulary))) for _ in range(2))
    assert_content_by_group_safe(home, care, vocabulary)


def assert_content_by_group_safe(home: list[set[int]], care: list[set[int]], vocabulary: tuple[str, ...]) -> None:
    table = content_by("group", {"all": home + care, "home": home, "care": care}, vocabulary)
    shown = publishable("rhi_disclosures_by_group", table)
    assert_small_counts_hidden(table, shown, ["count"])
    totals = {"all": len(home) + len(care), "home": len(home), "care": len(care)}
    lines = []
    for group, rows in table.groupby("group"):
        lines += content_lines(table, rows.index, totals[group])
    for _, rows in table.groupby("band"):
        by_group = dict(zip(rows["group"], rows.index, strict=True))
        lines.append(
            (
                [(1, (by_group["all"], "count")), (-1, (by_group["home"], "count")), (-1, (by_group["care"], "count"))],
                0,
                0,
            )
        )
    assert not leaks(table, shown, ["count"], lines)


def test_a_band_cannot_be_worked_out_from_its_groups_completed_interviews():
    """Found by Hypothesis: 2 home and 3 care interviews, all disclosing the first band (one care
    interview a third band too). All's 5 = home + care, each at most its group's completed, gave
    home 2 and care 3 away until the suppression knew each band is at most its line's total."""
    vocabulary = MULTI_VALUE_VOCABULARIES["disclosures"]
    assert_content_by_group_safe([{0}, {0}], [{0}, {0}, {0, 2}], vocabulary)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_interview_content_by_month_gives_nothing_away(data):
    vocabulary = MULTI_VALUE_VOCABULARIES["disclosures"]
    months = {f"2025-0{m}": data.draw(interviews(len(vocabulary))) for m in range(1, data.draw(st.integers(1, 3)) + 1)}
    table = content_by("month", months, vocabulary)
    shown = publishable("rhi_disclosures_by_month", table)
    assert_small_counts_hidden(table, shown, ["count"])
    lines = []
    for month, rows in table.groupby("month"):
        lines += content_lines(table, rows.index, len(months[month]))
    assert not leaks(table, shown, ["count"], lines)


def test_an_interview_content_table_without_its_completed_interviews_is_refused():
    table = content_counts([{0}, {1}], MULTI_VALUE_VOCABULARIES["disclosures"])
    table.attrs.clear()
    with pytest.raises(ValueError, match="completed interviews"):
        publishable("rhi_disclosures", table)
