"""How do we compare? The council's own figures beside the DfE's (domain.md section 10).

The DfE counts, for each year ending 31 March, the looked-after children of
each council who had a missing (and, separately, an away-from-placement)
incident. The local equivalents come from the council's own care episodes of
category `missing` and `away`. Episodes of children placed here by another
council (`placing_authority` given) are left out: the DfE counts them under
the council that looks after them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from metrics.rounding import percent

COMPARED_CATEGORIES = ("missing", "away")
LOCAL_COLUMNS = ("children", "episodes", "episodes_per_child", "percent_looked_after")
COUNT_COLUMNS = ("children", "episodes")
# The DfE's name for each local figure, by category (one home for the correspondence).
DFE_MEASURES = {
    "missing": {
        "children": "Children who had a missing incident during the year",
        "episodes": "Number of missing incidents during the year",
        "episodes_per_child": "Average number of missing incidents per looked after child who went missing",
        "percent_looked_after": "Percentage of children who had a missing incident during the year",
    },
    "away": {
        "children": "Children who were away from placement without authorisation during the year",
        "episodes": "Number of away from placement without authorisation incidents during the year",
        "episodes_per_child": (
            "Average number of away from placement without authorisation incidents per looked after child"
        ),
        "percent_looked_after": (
            "Percentage of children who were away from placement without authorisation during the year"
        ),
    },
}
LOOKED_AFTER = "Children looked after during the year"
MEASURE_LABELS = {
    "children": "Children with at least one incident",
    "episodes": "Incidents",
    "episodes_per_child": "Incidents per child who had one",
    "percent_looked_after": "% of looked-after children",
}
# A measure the 2015-2017 releases did not publish is worked out from two counts they did:
# (numerator, denominator, scale).
DERIVED = {
    "percent_looked_after": ("children", LOOKED_AFTER, 100.0),
    "episodes_per_child": ("episodes", "children", 1.0),
}
ROLES = ("own records", "council (DfE)", "region", "England", "statistical neighbours")
CAVEATS = (
    (
        "Councils record 'missing' and 'away' differently: some record every incident as missing, "
        "so a council's split between the two says as much about its recording as about its children."
    ),
    (
        "DfE figures are rounded and small numbers suppressed: c and x mark a suppressed figure, z not "
        "applicable, k under 0.5, .. not available; none of them is read as 0 here."
    ),
    (
        "Police 'absent' episodes have no DfE equivalent and are left out; so are episodes from home "
        "and episodes of children placed here by another council."
    ),
)


def year_ending_march(reported_at: pd.Series) -> pd.Series:
    """The year ending 31 March that each time falls in (2015-03-31 -> 2015, 2015-04-01 -> 2016)."""
    when = pd.DatetimeIndex(reported_at)
    return pd.Series(when.year + (when.month >= 4), index=reported_at.index, dtype="int64")


def _one_decimal(value: float) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def compared_episodes(episodes: pd.DataFrame) -> pd.DataFrame:
    """Care episodes of category missing or away of the council's own children."""
    host = episodes["placing_authority"].fillna("").astype(str).str.strip() != ""
    keep = (episodes["missing_from"] == "care") & episodes["category"].isin(COMPARED_CATEGORIES) & ~host
    return episodes[keep]


def host_episode_count(episodes: pd.DataFrame) -> int:
    """Care missing/away episodes left out because another council placed the child here."""
    host = episodes["placing_authority"].fillna("").astype(str).str.strip() != ""
    return int(((episodes["missing_from"] == "care") & episodes["category"].isin(COMPARED_CATEGORIES) & host).sum())


def local_figures(episodes: pd.DataFrame, looked_after: Mapping[int, float | None]) -> pd.DataFrame:
    """year, category, children, episodes, episodes_per_child, looked_after, percent_looked_after.

    One row per year ending 31 March that has any episode, for missing then away.
    `looked_after` is the DfE's count of the council's looked-after children each
    year (None or absent when the DfE has none, or suppressed it: the percentage is
    then blank). Episodes per child is half up to one decimal place, as the DfE
    publishes it; blank with no children.
    """
    years = sorted(year_ending_march(episodes["reported_at"]).unique().tolist()) if len(episodes) else []
    # only the columns counted: each year's and category's rows are copied
    compared = compared_episodes(episodes[["child_id", "category", "reported_at", "missing_from", "placing_authority"]])
    compared_years = year_ending_march(compared["reported_at"])
    rows = []
    for year in years:
        for category in COMPARED_CATEGORIES:
            these = compared[(compared_years == year) & (compared["category"] == category)]
            children, count = int(these["child_id"].nunique()), len(these)
            denominator = looked_after.get(year)
            usable = denominator if denominator is not None and not pd.isna(denominator) and denominator > 0 else None
            rows.append(
                {
                    "year": year,
                    "category": category,
                    "children": children,
                    "episodes": count,
                    "episodes_per_child": _one_decimal(count / children) if children else np.nan,
                    "looked_after": float(usable) if usable is not None else np.nan,
                    "percent_looked_after": percent(children, int(usable)) if usable is not None else np.nan,
                }
            )
    columns = ["year", "category", "children", "episodes", "episodes_per_child", "looked_after", "percent_looked_after"]
    return pd.DataFrame(rows, columns=columns).astype({"year": "int64", "children": "int64", "episodes": "int64"})


def dfe_year_for(year: int, available: Iterable[int]) -> tuple[int | None, bool]:
    """The DfE year to compare `year` with: itself when published, else the nearest (the
    earlier of two equally near), with False to say it is not the same year."""
    years = sorted(set(available))
    if not years:
        return None, False
    if year in years:
        return year, True
    return min(years, key=lambda y: (abs(y - year), y)), False


Figures = Mapping[tuple[str, str], tuple[float, str]]


def figures_by_area(figures: pd.DataFrame) -> Figures:
    """(area_code, measure) -> (number or NaN, text as published), from the first row of each: the table
    looks up about 200 figures, and filtering the frame for each was most of the Benchmarks page's time."""
    first = figures.drop_duplicates(["area_code", "measure"])
    return {
        (area, measure): ((float(number) if number is not None and not pd.isna(number) else np.nan), str(value))
        for area, measure, number, value in zip(
            first["area_code"].tolist(),
            first["measure"].tolist(),
            first["number"].tolist(),
            first["value"].tolist(),
            strict=True,
        )
    }


def _area_figure(figures: Figures, area_code: str, measure: str) -> tuple[float, str]:
    """(number or NaN, text as published) of one area's figure; (NaN, "") when not published."""
    return figures.get((area_code, measure), (np.nan, ""))


def figure_text(value: float, column: str, published: str = "") -> str:
    """How a figure reads: counts with thousands separators, rates to one decimal place with
    `%` for a percentage; the DfE's symbol (`c`, `x`, ...) where it printed one."""
    if np.isnan(value):
        return published or "not known"
    if column in COUNT_COLUMNS:
        return f"{int(value):,}"
    return f"{value:.1f}%" if column == "percent_looked_after" else f"{value:.1f}"


def dfe_value(figures: Figures, area_code: str, category: str, column: str) -> tuple[float, str]:
    """An area's DfE figure for a local column (`figures`: `figures_by_area`): (number or NaN, text to show).

    Where the year's release did not publish a percentage or an average (2015-2017),
    it is worked out from the two DfE counts it rests on and says so.
    """
    measure = DFE_MEASURES[category][column]
    number, text = _area_figure(figures, area_code, measure)
    if text or column not in DERIVED:
        return number, figure_text(number, column, text or "not published")
    numerator_column, denominator_measure, scale = DERIVED[column]
    top, top_text = _area_figure(figures, area_code, DFE_MEASURES[category][numerator_column])
    if denominator_measure == "children":
        denominator_measure = DFE_MEASURES[category]["children"]
    bottom, bottom_text = _area_figure(figures, area_code, denominator_measure)
    if np.isnan(top) or np.isnan(bottom) or bottom == 0:
        shown = next((t for t in (top_text, bottom_text) if t and not _is_number(t)), "not published")
        return np.nan, shown
    value = _one_decimal(top / bottom * scale)
    return value, f"{figure_text(value, column)} (from DfE counts)"


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def comparison_table(
    local: pd.DataFrame,
    figures: pd.DataFrame,
    *,
    la_code: str,
    council_name: str,
    neighbour_codes: Sequence[str],
    year: int,
) -> pd.DataFrame:
    """The council's own figures for `year` beside the DfE's for the council, its region,
    England and its statistical neighbours (mean, with their lowest and highest).

    `figures` holds one DfE year (columns of loaders.benchmarks.dfe_figures); councils are
    matched on the DfE's LA number (`old_la_code`, e.g. "330"). Columns: category, column,
    measure (the DfE's name), label, role, area, value (NaN where suppressed or not known),
    low, high (neighbours only), shown (the text to read, symbols kept).
    """
    councils = figures[figures["level"] == "local_authority"]
    own = councils[councils["old_la_code"] == str(la_code)]
    own_code = own["area_code"].iloc[0] if len(own) else None
    region_code = own["region_code"].dropna().iloc[0] if len(own) and own["region_code"].notna().any() else None
    region_rows = figures[(figures["level"] == "regional") & (figures["area_code"] == region_code)]
    region_name = region_rows["area_name"].iloc[0] if len(region_rows) else "Region not known"
    england = figures[figures["level"] == "national"]
    england_code = england["area_code"].iloc[0] if len(england) else None
    neighbours = councils[councils["old_la_code"].isin([str(c) for c in neighbour_codes])]
    this_year = local[local["year"] == year]
    by_area = figures_by_area(figures)
    rows = []
    for category in COMPARED_CATEGORIES:
        mine = this_year[this_year["category"] == category]
        for column in LOCAL_COLUMNS:
            base = {
                "category": category,
                "column": column,
                "measure": DFE_MEASURES[category][column],
                "label": f"{category.capitalize()}: {MEASURE_LABELS[column]}",
            }
            own_value = float(mine[column].iloc[0]) if len(mine) and not pd.isna(mine[column].iloc[0]) else np.nan
            rows.append(
                {
                    **base,
                    "role": ROLES[0],
                    "area": f"{council_name} (own records)",
                    "value": own_value,
                    "low": np.nan,
                    "high": np.nan,
                    "shown": figure_text(own_value, column),
                }
            )
            for role, code, area in (
                (ROLES[1], own_code, f"{council_name} (DfE)"),
                (ROLES[2], region_code, region_name),
                (ROLES[3], england_code, "England"),
            ):
                value, shown = dfe_value(by_area, code, category, column) if code else (np.nan, "not published")
                rows.append(
                    {**base, "role": role, "area": area, "value": value, "low": np.nan, "high": np.nan, "shown": shown}
                )
            values = [dfe_value(by_area, code, category, column)[0] for code in neighbours["area_code"].unique()]
            known = [v for v in values if not np.isnan(v)]
            if known:
                mean = _one_decimal(float(np.mean(known)))
                low, high = (figure_text(v, column) for v in (min(known), max(known)))
                average = f"{mean:,.1f}" if column in COUNT_COLUMNS else figure_text(mean, column)
                shown = f"mean {average} ({low} to {high}, {len(known)} of {len(neighbour_codes)})"
                rows.append(
                    {
                        **base,
                        "role": ROLES[4],
                        "area": "Statistical neighbours",
                        "value": mean,
                        "low": min(known),
                        "high": max(known),
                        "shown": shown,
                    }
                )
            else:
                rows.append(
                    {
                        **base,
                        "role": ROLES[4],
                        "area": "Statistical neighbours",
                        "value": np.nan,
                        "low": np.nan,
                        "high": np.nan,
                        "shown": "none published",
                    }
                )
    return pd.DataFrame(rows)
