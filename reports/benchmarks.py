"""How do we compare? (domain.md section 10): the council's own figures for a year ending
31 March beside the DfE's, assembled once for the Benchmarks page and the committee pack.

Where the year has no DfE figures the nearest DfE year is used and every title and
note says so. For publication and for viewers the council's own counts from 1 to 4
are hidden (`<5`) with the rates built on them (`*`); the DfE's figures are already
published and are shown as the DfE printed them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loaders.benchmarks import LOOKED_AFTER, statistical_neighbours
from metrics.benchmarks import (
    CAVEATS,
    COMPARED_CATEGORIES,
    COUNT_COLUMNS,
    LOCAL_COLUMNS,
    MEASURE_LABELS,
    comparison_table,
    dfe_year_for,
    host_episode_count,
    local_figures,
    year_ending_march,
)
from reports.tables import publishable

DFE_SOURCE = (
    "Department for Education, Children looked after in England including adoptions "
    "(CLA who were missing or away from placement without authorisation), Open Government Licence v3.0"
)
ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."
# The caveats in a line, for every chart (the full ones sit under the charts and in the pack).
CHART_NOTE = (
    "Councils record missing and away differently. DfE figures are rounded and suppressed (c, x: never read "
    "as 0). Police absent has no DfE equivalent. Neighbours: mean, with lowest to highest."
)


@dataclass
class Benchmarks:
    """One year's comparison and what a reader must be told about it."""

    year: int  # the year ending 31 March of the council's own figures
    dfe_year: int | None  # the DfE year compared with (the same year, or the nearest)
    exact: bool  # the DfE year is the same year
    table: pd.DataFrame  # metrics.benchmarks.comparison_table, publication-safe when asked
    local: pd.DataFrame  # the council's own figures, every year
    host_left_out: int  # episodes of children placed here by another council
    grouping: str
    neighbours: list[str] = field(default_factory=list)

    def year_note(self) -> str:
        """Plain words on which DfE year the council is compared with."""
        if self.dfe_year is None:
            return "There are no DfE figures to compare with."
        if self.exact:
            return f"DfE figures for the same year, ending 31 March {self.dfe_year}."
        return (
            f"The DfE has published no figures for the year ending 31 March {self.year}: these are the DfE's "
            f"figures for the year ending 31 March {self.dfe_year}, the nearest year published, so the two "
            f"columns are not the same year."
        )

    def caveats(self) -> list[str]:
        """The caveats every comparison carries, and what was left out."""
        left_out = [f"{self.host_left_out:,} episodes of children placed here by other councils are left out."]
        return list(CAVEATS) + (left_out if self.host_left_out else [])

    def notes(self) -> str:
        return " ".join(self.caveats())


def years_with_episodes(episodes: pd.DataFrame) -> list[int]:
    """Years ending 31 March that hold any episode, latest first."""
    if episodes.empty:
        return []
    return sorted(set(year_ending_march(episodes["reported_at"])), reverse=True)


def looked_after_count(figures: pd.DataFrame, la_code: str, dfe_year: int | None) -> float | None:
    """The DfE's count of the council's children looked after during `dfe_year` (None if not a number)."""
    row = figures[
        (figures["year"] == dfe_year) & (figures["old_la_code"] == str(la_code)) & (figures["measure"] == LOOKED_AFTER)
    ]
    if row.empty or pd.isna(row["number"].iloc[0]):
        return None
    return float(row["number"].iloc[0])


def benchmarks_for(
    episodes: pd.DataFrame,
    figures: pd.DataFrame,
    year: int,
    *,
    la_code: str,
    council_name: str,
    grouping: str,
    threshold: int | None = None,
) -> Benchmarks:
    """The comparison for the year ending 31 March `year` (publication-safe when `threshold` is given).

    `figures`: every DfE figure (loaders.benchmarks.dfe_figures); `la_code`: the council's DfE LA
    number; `grouping`: which statistical neighbour grouping ("2025", "2021").
    """
    dfe_year, exact = dfe_year_for(year, figures["year"].unique())
    looked_after = {
        y: looked_after_count(figures, la_code, dfe_year_for(y, figures["year"].unique())[0])
        for y in years_with_episodes(episodes)
    }
    local = local_figures(episodes, looked_after)
    groups = statistical_neighbours()
    neighbours = groups[(groups["grouping"] == grouping) & (groups["old_la_code"] == str(la_code))]
    codes = list(neighbours.sort_values("rank")["neighbour_old_la_code"])
    table = comparison_table(
        local,
        figures[figures["year"] == dfe_year],
        la_code=la_code,
        council_name=council_name,
        neighbour_codes=codes,
        year=year,
    )
    if threshold is not None:
        table = _hide_small_local(table, local, year, threshold)
    return Benchmarks(
        year=year,
        dfe_year=dfe_year,
        exact=exact,
        table=table,
        local=local,
        host_left_out=host_episode_count(episodes),
        grouping=grouping,
        neighbours=codes,
    )


def _hide_small_local(table: pd.DataFrame, local: pd.DataFrame, year: int, threshold: int) -> pd.DataFrame:
    """The comparison with the council's own cells hidden where publishable() hides them."""
    safe = publishable("benchmarks_local", local, threshold)
    table = table.copy()
    for category in COMPARED_CATEGORIES:
        row = safe[(safe["year"] == year) & (safe["category"] == category)]
        if row.empty:
            continue
        for column in LOCAL_COLUMNS:
            cell = row[column].iloc[0]
            if isinstance(cell, str):  # "<5" or "*"
                at = (table["role"] == "own records") & (table["category"] == category) & (table["column"] == column)
                table.loc[at, "value"] = np.nan
                table.loc[at, "shown"] = cell
    return table


def chart_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows a measure's dot plot draws: a count's region and England totals are on another
    scale from a council's and would squash it to the left, so they stay in the table only."""
    if rows["column"].iloc[0] in COUNT_COLUMNS:
        return rows[~rows["role"].isin(("region", "England"))]
    return rows


def measure_title(rows: pd.DataFrame, council_name: str) -> str:
    """A title stating the comparison: the council's own figure against the DfE's for it
    (counts) or England's (rates)."""
    label = rows["label"].iloc[0]
    own = rows.loc[rows["role"] == "own records", "shown"].iloc[0]
    if rows["column"].iloc[0] in COUNT_COLUMNS:
        dfe = rows.loc[rows["role"] == "council (DfE)", "shown"].iloc[0]
        return f"{label}: {own} in {council_name}'s own records, {dfe} in the DfE's figures"
    england = rows.loc[rows["role"] == "England", "shown"].iloc[0]
    return f"{label}: {own} in {council_name}'s own records; England {england}"


def subtitle(benchmarks: Benchmarks, column: str, council_name: str) -> str:
    """Measure, place and year, and the DfE year when it is not the same."""
    text = f"{MEASURE_LABELS[column]}, {council_name}, year ending 31 March {benchmarks.year}"
    if benchmarks.dfe_year is not None and not benchmarks.exact:
        text += f" (DfE figures: year ending March {benchmarks.dfe_year}, the nearest published)"
    return text


def source_text(benchmarks: Benchmarks, council_name: str) -> str:
    dfe = f"year ending 31 March {benchmarks.dfe_year}" if benchmarks.dfe_year else "no year"
    return f"Source: {council_name} police and council records; {DFE_SOURCE}, {dfe}"
