"""Small-number suppression for anything published (domain.md section 6).

Counts from 1 to threshold - 1 become `<5`, percentages built on them `*`,
and where a known total would let one hidden cell be worked out (total minus
the cells still shown) a second cell is hidden too. That second cell shows
`*` when it is 5 or more (`<5` would be untrue) and `<5` when it is a zero
hidden as a last resort. Percentages and totals are worked out by the
metrics before this runs, from the real values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

HIDDEN_MARK = "*"  # a hidden percentage, or a hidden count of 5 or more

Cell = tuple[object, str]  # (row label, column)


def suppress(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    percent_columns: Mapping[str, str | Sequence[str]],
    threshold: int = 5,
    total_groups: Sequence[tuple[str, Sequence[str]]] | None = None,
    linked: Iterable[Sequence[Cell]] = (),
) -> pd.DataFrame:
    """A copy of `table` safe to publish.

    percent_columns: each percent column -> the count column(s) it is built
    on (numerator, and denominator where that is a column); it shows `*`
    when any of them is hidden.
    total_groups: the "constraint lines", as (count column, grouping
    columns): within each group of rows that column's cells add up to a
    total the reader knows (or include it, like `all` = `home` + `care`).
    Default: each count column, all rows, is one line (a band table, whose
    total is the percentages' denominator).
    linked: sets of cells holding the same quantity (a denominator repeated
    on several rows); hiding one hides them all.
    """
    lines = _lines(table, count_columns, total_groups)
    links = [list(cells) for cells in linked]
    hidden = {
        (row, column)
        for column in count_columns
        for row, value in table[column].items()
        if pd.notna(value) and 0 < value < threshold
    }
    hidden = _with_links(hidden, links)
    while True:
        second = _next_cell_to_hide(table, lines, hidden)
        if second is None:
            break
        hidden = _with_links(hidden | {second}, links)

    result = table.copy()
    for column in count_columns:
        result[column] = result[column].astype(object)
    for row, column in hidden:
        result.at[row, column] = f"<{threshold}" if table.at[row, column] < threshold else HIDDEN_MARK
    for percent, sources in percent_columns.items():
        sources = [sources] if isinstance(sources, str) else list(sources)
        result[percent] = result[percent].astype(object)
        for row in result.index:
            if any((row, source) in hidden for source in sources):
                result.at[row, percent] = HIDDEN_MARK
    return result


def _lines(
    table: pd.DataFrame, count_columns: Sequence[str], total_groups: Sequence[tuple[str, Sequence[str]]] | None
) -> list[list[Cell]]:
    """Every constraint line as its list of cells, in table order."""
    if total_groups is None:
        total_groups = [(column, ()) for column in count_columns]
    lines = []
    for column, by in total_groups:
        if not by:
            lines.append([(row, column) for row in table.index])
            continue
        for _, rows in table.groupby(list(by), sort=False, observed=True):
            lines.append([(row, column) for row in rows.index])
    return lines


def _with_links(hidden: set[Cell], links: list[list[Cell]]) -> set[Cell]:
    hidden = set(hidden)
    changed = True
    while changed:
        changed = False
        for cells in links:
            if hidden.intersection(cells) and not hidden.issuperset(cells):
                hidden.update(cells)
                changed = True
    return hidden


def _next_cell_to_hide(table: pd.DataFrame, lines: list[list[Cell]], hidden: set[Cell]) -> Cell | None:
    """In the first line with exactly one hidden cell, its smallest shown cell.

    A non-zero cell is preferred (a true zero stays 0 where possible); a zero
    is hidden only when nothing else in the line is left, since `<5` is still
    true of it and the alternative gives the hidden cell away.
    """
    for cells in lines:
        if len(cells) < 2 or sum(cell in hidden for cell in cells) != 1:
            continue
        shown = [cell for cell in cells if cell not in hidden and pd.notna(table.at[cell])]
        if not shown:
            continue
        return min(shown, key=lambda cell: (table.at[cell] == 0, table.at[cell]))
    return None
