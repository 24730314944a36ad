"""Metric tables as they leave the building: publication-safe versions and CSV text.

Each table kind says which of its cells are counts, which percentages are
built on which counts, and which totals a reader knows (domain.md section 6),
so `suppress` can hide small numbers and whatever would give them away.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import SupportsFloat, overload

import pandas as pd

from metrics.interview_content import COMPLETED_ATTR
from metrics.interview_content import CONTENT_TABLES as INTERVIEW_CONTENT_TABLES
from reports.suppression import suppress

BAND_TABLES = ("duration", "distance", "repeat", "sex", "ethnic_group", "age_band", "home_care", "locality")
HOTSPOT_TABLES = (
    "hotspots_from_district",
    "hotspots_from_sector",
    "hotspots_found_district",
    "hotspots_found_sector",
    "hotspots_establishment",
)
# Tables naming children or episodes: never published, and every export is audited.
CHILD_LEVEL_TABLES = ("triggers", "escalation", "associates", "meeting_list")
# Band tables split by a group (group,band,count,percent): each group's bands add up to its
# own total, and each band's groups to the band's count in the unsplit table shown beside it.
GROUPED_BAND_TABLES = tuple(f"{name}_by_group" for name in BAND_TABLES)
# Return interview content (band,count,percent of completed interviews; an interview can be in several
# bands), and the same split by group (all, home, care) and by month for the page and the pack.
CONTENT_TABLES = tuple(INTERVIEW_CONTENT_TABLES)
CONTENT_BY_GROUP = tuple(f"{name}_by_group" for name in CONTENT_TABLES)
CONTENT_BY_MONTH = tuple(f"{name}_by_month" for name in CONTENT_TABLES)
PUBLISHABLE_TABLES = (
    BAND_TABLES
    + GROUPED_BAND_TABLES
    + ("return_interviews",)
    + HOTSPOT_TABLES
    + ("trend", "process_control")
    + CONTENT_TABLES
    + CONTENT_BY_GROUP
    + CONTENT_BY_MONTH
)
# What `python -m reports table process_control` prints (domain.md section 8).
PROCESS_CONTROL_COLUMNS = ["month", "value", "mean", "lower_limit", "upper_limit", "signals"]
# Return interview measures whose denominator is the eligible episodes (the rest: offered ones).
OF_ELIGIBLE = ("offered", "offered_within_72h", "completed", "completed_within_72h")


class ChildLevelTable(ValueError):
    """A table that lists children or episodes cannot be made safe to publish."""


def return_interview_twins(table: pd.DataFrame) -> list[list[tuple[object, str]]]:
    """Cells holding the same number: each group's eligible count (4 denominators) and
    its offered count (the `offered` row's count and the 2 `_of_offered` denominators)."""
    twins = []
    for _, rows in table.groupby("group", sort=False):
        of_eligible = rows["measure"].isin(OF_ELIGIBLE)
        twins.append([(row, "denominator") for row in rows.index[of_eligible]])
        twins.append(
            [(row, "denominator") for row in rows.index[~of_eligible]]
            + [(row, "count") for row in rows.index[rows["measure"] == "offered"]]
        )
    return twins


def publishable(name: str, table: pd.DataFrame, threshold: int = 5) -> pd.DataFrame:
    """The table with small numbers suppressed, ready for publication."""
    if name in CHILD_LEVEL_TABLES:
        raise ChildLevelTable(f"{name} lists children or episodes and cannot be published")
    if name in BAND_TABLES + GROUPED_BAND_TABLES + CONTENT_TABLES + CONTENT_BY_MONTH + CONTENT_BY_GROUP:
        return _publishable_bands(name, table, threshold)
    if name == "return_interviews":
        # all = home + care for every measure, in counts and in denominators
        return suppress(
            table,
            ["count", "denominator"],
            {"percent": ["count", "denominator"]},
            threshold,
            total_groups=[("count", ["measure"]), ("denominator", ["measure"])],
            linked=return_interview_twins(table),
            total_rows=("group", "all"),
        )
    if name in HOTSPOT_TABLES:
        # episodes add up to the period's total; children do not (a child can be in several places)
        return suppress(table, ["episodes", "children"], {}, threshold, total_groups=[("episodes", ())])
    if name == "trend":
        # each month's and each category's episodes, and all of them, add up to totals shown elsewhere
        return suppress(
            table,
            ["episodes", "children"],
            {},
            threshold,
            total_groups=[("episodes", ["month"]), ("episodes", ["category"]), ("episodes", [])],
        )
    if name == "benchmarks_local":
        # a council's own figures each year ending March (metrics.benchmarks.local_figures): no totals
        # between rows; episodes per child and the share of looked-after children rest on the counts
        rates = {"percent_looked_after": "children", "episodes_per_child": ["episodes", "children"]}
        return suppress(table, ["children", "episodes"], rates, threshold, total_groups=[])
    if name == "process_control":
        return _publishable_process_control(table, threshold)
    if name == "reconciliation":
        # each month's and each kind's items add up to totals the page shows
        return suppress(table, ["items"], {}, threshold, total_groups=[("items", ["month"]), ("items", ["kind"])])
    raise ValueError(f"no publication rule for table {name!r}")


def _publishable_bands(name: str, table: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """A band table (band,count,percent), alone, split by group or by month.

    The bands of an interview-content table add up to at least the completed interviews (one
    interview can record several values), never less, and none exceeds them; a reader who knows
    that total knows "sum >= total" and "each <= total". Protecting as if they added up to exactly
    their sum, each at most its line's completed interviews, hides at least as much: whatever is
    pinned by the weaker knowledge is pinned by the stronger (tests/test_publication.py)."""
    ceilings = _content_ceilings(table) if name in CONTENT_TABLES + CONTENT_BY_MONTH + CONTENT_BY_GROUP else None
    if name in BAND_TABLES + CONTENT_TABLES:
        return suppress(table, ["count"], {"percent": "count"}, threshold, ceilings=ceilings)
    if name in CONTENT_BY_MONTH:
        return suppress(
            table, ["count"], {"percent": "count"}, threshold, total_groups=[("count", ["month"])], ceilings=ceilings
        )
    by_group = [("count", ["group"]), ("count", ["band"])]
    if name in CONTENT_BY_GROUP:
        return suppress(
            table,
            ["count"],
            {"percent": "count"},
            threshold,
            total_groups=by_group,
            total_rows=("group", "all"),
            ceilings=ceilings,
        )
    return suppress(table, ["count"], {"percent": "count"}, threshold, total_groups=by_group)  # GROUPED_BAND_TABLES


def _content_ceilings(table: pd.DataFrame) -> dict[tuple[object, str], int]:
    """Each count cell's line total (its group's or month's completed interviews, from the metric's
    attrs). Refused without them: the suppression would silently protect less than it must."""
    completed = table.attrs.get(COMPLETED_ATTR)
    if completed is None:
        raise ValueError("an interview-content table needs its completed interviews (metrics.interview_content)")
    key = next((column for column in ("group", "month") if column in table.columns), None)
    return {(row, "count"): completed[None if key is None else table.at[row, key]] for row in table.index}


def publishable_counts(
    counts: Mapping[str, int], lines: Sequence[tuple[str, Sequence[str]]] = (), threshold: int = 5
) -> dict[str, object]:
    """Headline numbers (a page's tiles) safe for a viewer, by the same rule as every table: a count
    from 1 to 4 becomes `<5`, and where shown parts add up to a shown total (`lines`: (total, its
    parts), e.g. ("episodes", ("missing", "absent", "away"))) a second number is hidden (`*`, or
    `<5` for a zero) so the first cannot be worked out. A count in no line stands alone."""
    rows: list[tuple[str, str, str]] = []
    for number, (total, members) in enumerate(lines):
        rows += [(str(number), total, "total")] + [(str(number), part, "part") for part in members]
    in_lines = {key for _, key, _ in rows}
    rows += [(f"alone {key}", key, "alone") for key in counts if key not in in_lines]
    table = pd.DataFrame(rows, columns=["line", "key", "role"])
    table["line"] = table["line"].astype(str)
    table["count"] = [int(counts[key]) for key in table["key"]]
    linked = [[(row, "count") for row in same.index] for _, same in table.groupby("key") if len(same) > 1]
    safe = suppress(
        table, ["count"], {}, threshold, total_groups=[("count", ["line"])], linked=linked, total_rows=("role", "total")
    )
    return {key: safe.loc[table["key"] == key, "count"].iloc[0] for key in counts}


def _publishable_process_control(table: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """A monthly series (metrics.process_control): a count's months add up to the period's
    total; a rate is built on its count and eligible episodes, which add up the same way.
    The value shows what its count shows; the mean and limits are of the real values."""
    rate = table["denominator"].notna().any()
    counts = ["count", "denominator"] if rate else ["count"]
    safe = suppress(
        table.drop(columns=["denominator"]) if not rate else table,
        counts,
        {"value": counts} if rate else {},
        threshold,
        total_groups=[(column, []) for column in counts],
    )
    if not rate:
        safe["value"] = safe["value"].astype(object)
        hidden = safe["count"].map(lambda v: isinstance(v, str))
        safe.loc[hidden, "value"] = safe.loc[hidden, "count"]
        safe["denominator"] = table["denominator"]
    return safe[table.columns]


def masked(name: str, table: pd.DataFrame, threshold: int = 5) -> pd.DataFrame:
    """The table with every cell that `publishable` hides set to NaN, numbers kept numeric:
    what a chart for publication or for a viewer may draw."""
    safe = publishable(name, table, threshold)
    hidden = safe.apply(lambda column: column.map(lambda value: isinstance(value, str) and value in ("<5", "*")))
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    result = table.copy()
    for column in numeric:
        result[column] = result[column].astype("float64").mask(hidden[column].to_numpy(dtype=bool))
    return result


# A cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@overload
def spreadsheet_text(value: str) -> str: ...
@overload
def spreadsheet_text(value: object) -> object: ...
def spreadsheet_text(value: object) -> object:
    """A text cell no spreadsheet will run (the OWASP rule: one starting with =, +, -, @, tab or
    carriage return gets a leading `'`); numbers and anything else unchanged.

    Ids and names come from imported files and the sign-in form, so an export could carry
    `=HYPERLINK(...)` to whoever opens it. Every CSV and Word table the project writes goes through this.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of `table` with every text cell through `spreadsheet_text`; numeric columns untouched."""
    safe = table.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]) and not pd.api.types.is_datetime64_any_dtype(safe[column]):
            safe[column] = safe[column].map(spreadsheet_text)
    return safe


def _cell(value: object, column: str) -> str:
    if isinstance(value, str):
        return spreadsheet_text(value)
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return ""
    if isinstance(value, (datetime, date)):  # pd.Timestamp is a datetime
        return value.strftime("%Y-%m-%d")
    if column == "percent" and isinstance(value, SupportsFloat):
        return f"{float(value):.1f}"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def process_control_csv(table: pd.DataFrame) -> str:
    """The process-control series as the command prints it: signals `;`-separated, one decimal."""
    shown = table[PROCESS_CONTROL_COLUMNS].copy()
    for column in ("mean", "lower_limit", "upper_limit"):
        shown[column] = shown[column].astype("float64").round(1)
    shown["value"] = shown["value"].map(lambda v: v if isinstance(v, str) or pd.isna(v) else round(float(v), 1))
    shown["signals"] = shown["signals"].map(";".join)
    return to_csv(shown)


def to_csv(table: pd.DataFrame) -> str:
    """CSV text: percentages with one decimal, blank for not known, dates as YYYY-MM-DD, no formulas."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(spreadsheet_text(str(column)) for column in table.columns)
    for row in table.itertuples(index=False):
        writer.writerow(_cell(value, column) for value, column in zip(row, table.columns, strict=True))
    return out.getvalue()
