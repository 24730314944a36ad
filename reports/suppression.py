"""Small-number suppression for anything published (domain.md section 6).

Counts from 1 to threshold - 1 become `<5`, percentages built on them `*`,
and where a known total would let one hidden cell be worked out (total minus
the cells still shown) a second cell is hidden too. That second cell shows
`*` when it is 5 or more (`<5` would be untrue) and `<5` when it is a zero
hidden as a last resort. Percentages and totals are worked out by the
metrics before this runs, from the real values.

Hiding two cells of a line is not always enough: a reader who knows the
total and that `<5` is 0-4 and `*` is 5 or more can still pin a hidden cell
down (4 + 4 hidden of a known 8). So after the first pass the reader's
reasoning is run (`pinned_cells`) and, while it pins a hidden cell, one more
cell near it is hidden. What the totals give away on their own, with every
cell hidden (sex 4 + 4 of a known 8 children), no table can help: such a
total must not be published exactly elsewhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from config.canonical import HIDDEN_MARK  # re-exported: reports and pages import it from here

Cell = tuple[object, str]  # (row label, column)


def suppress(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    percent_columns: Mapping[str, str | Sequence[str]],
    threshold: int = 5,
    total_groups: Sequence[tuple[str, Sequence[str]]] | None = None,
    linked: Iterable[Sequence[Cell]] = (),
    total_rows: tuple[str, object] | None = None,
    ceilings: Mapping[Cell, int] | None = None,
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
    total_rows: (column, value) marking the rows that are their line's total
    (return interviews: group `all` = home + care); without it each line adds
    up to a total the reader knows.
    ceilings: cells the reader knows cannot exceed a number (an interview-content band is at most
    its line's completed interviews, though the bands add up to more).
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
    equations = _equations(table, lines, total_rows, threshold) + [
        ([(1, cell)], 0, ceiling) for cell, ceiling in (ceilings or {}).items()
    ]
    every_cell = {cell for cells in lines + links for cell in cells if pd.notna(table.at[cell])}
    from_totals_alone = None  # what the totals give away with every cell hidden: nothing to do about it here
    while True:
        second = _next_cell_to_hide(table, lines, hidden)
        if second is None:
            if from_totals_alone is None:
                from_totals_alone = pinned_cells(table, equations, every_cell, links, threshold)
            second = _cell_to_unpin(table, lines, equations, hidden, links, threshold, from_totals_alone)
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


# --- what a careful reader can work out -----------------------------------------------------

# A line as the reader sees it: (coefficient, cell) terms whose sum lies in [low, high].
Equation = tuple[list[tuple[int, Cell]], float, float]


def _equations(
    table: pd.DataFrame, lines: list[list[Cell]], total_rows: tuple[str, object] | None, threshold: int
) -> list[Equation]:
    """Each line as an equation the reader knows. A line holding its own total row is
    cells - total = 0 (a line holding only total rows, as an `all` group's bands, is not);
    otherwise its cells add up to a total taken as known exactly (a small total is published
    as `<5`, but the reader may have it from elsewhere)."""
    equations: list[Equation] = []
    for cells in lines:
        if total_rows is not None:
            column, value = total_rows
            signs = [-1 if table.at[row, column] == value else 1 for row, _ in cells]
            if -1 in signs and 1 in signs:  # a line of total rows only (all, by band) adds up like any other
                equations.append((list(zip(signs, cells, strict=True)), 0, 0))
                continue
        total = sum(table.at[cell] for cell in cells if pd.notna(table.at[cell]))
        equations.append(([(1, cell) for cell in cells], total, total))
    return equations


def pinned_cells(
    table: pd.DataFrame,
    equations: list[Equation],
    hidden: set[Cell],
    links: list[list[Cell]],
    threshold: int,
    passes: int = 100,
) -> set[Cell]:
    """The hidden cells a reader can work out exactly: each hidden cell starts as 0..threshold-1
    (`<5`) or threshold..infinity (`*`), and each equation narrows its cells' ranges from the
    others' until nothing changes."""
    low, high = _starting_ranges(table, equations, hidden, links, threshold)
    for _ in range(passes):
        changed = False
        for equation in equations:
            changed |= _narrow_by_equation(equation, hidden, low, high)
        changed |= _narrow_by_links(links, low, high)
        if not changed:
            break
    return {cell for cell in hidden if cell in low and low[cell] == high[cell]}


def _starting_ranges(
    table: pd.DataFrame, equations: list[Equation], hidden: set[Cell], links: list[list[Cell]], threshold: int
) -> tuple[dict[Cell, float], dict[Cell, float]]:
    """Each cell's range as the reader first sees it: a shown cell its value, `<5` 0..threshold-1,
    `*` threshold..infinity."""
    low: dict[Cell, float] = {}
    high: dict[Cell, float] = {}
    cells = [cell for terms, _, _ in equations for _, cell in terms] + [cell for linked in links for cell in linked]
    for cell in cells:
        if cell in low:
            continue
        value = table.at[cell]
        if cell not in hidden:
            low[cell] = high[cell] = value
        elif value < threshold:
            low[cell], high[cell] = 0, threshold - 1
        else:
            low[cell], high[cell] = threshold, math.inf
    return low, high


def _narrow_by_equation(equation: Equation, hidden: set[Cell], low: dict[Cell, float], high: dict[Cell, float]) -> bool:
    """Narrow each hidden cell of one equation from the least and most the other terms can add up
    to; whether any range changed. Infinities are counted apart so one cell's own infinity can be
    taken out again."""
    terms, total_low, total_high = equation
    lows = [c * (low[cell] if c > 0 else high[cell]) for c, cell in terms]
    highs = [c * (high[cell] if c > 0 else low[cell]) for c, cell in terms]
    low_sum, low_infinite = _finite_sum(lows)
    high_sum, high_infinite = _finite_sum(highs)
    changed = False
    for (c, cell), own_low, own_high in zip(terms, lows, highs, strict=True):
        if cell not in hidden:
            continue
        others_least = (
            -math.inf
            if low_infinite - (not math.isfinite(own_low))
            else low_sum - (own_low if math.isfinite(own_low) else 0)
        )
        others_most = (
            math.inf
            if high_infinite - (not math.isfinite(own_high))
            else high_sum - (own_high if math.isfinite(own_high) else 0)
        )
        bounds = sorted(((total_low - others_most) / c, (total_high - others_least) / c))
        if math.isfinite(bounds[0]) and math.ceil(bounds[0]) > low[cell]:
            low[cell], changed = math.ceil(bounds[0]), True
        if math.isfinite(bounds[1]) and math.floor(bounds[1]) < high[cell]:
            high[cell], changed = math.floor(bounds[1]), True
    return changed


def _finite_sum(values: list[float]) -> tuple[float, int]:
    """The sum of the finite values and how many are infinite."""
    return sum(v for v in values if math.isfinite(v)), sum(not math.isfinite(v) for v in values)


def _narrow_by_links(links: list[list[Cell]], low: dict[Cell, float], high: dict[Cell, float]) -> bool:
    """Linked cells hold one quantity: each takes the range they share; whether any changed."""
    changed = False
    for cells in links:
        lo, hi = max(low[cell] for cell in cells), min(high[cell] for cell in cells)
        for cell in cells:
            if (low[cell], high[cell]) != (lo, hi):
                low[cell], high[cell], changed = lo, hi, True
    return changed


def _cell_to_unpin(
    table: pd.DataFrame,
    lines: list[list[Cell]],
    equations: list[Equation],
    hidden: set[Cell],
    links: list[list[Cell]],
    threshold: int,
    from_totals_alone: set[Cell],
) -> Cell | None:
    """A shown cell to hide while the reader can pin down a hidden cell that the totals alone
    would not give away: the smallest shown cell of the first line holding such a cell, else
    of a line sharing a hidden cell with one, else of any line with a hidden cell."""
    leaks = pinned_cells(table, equations, hidden, links, threshold) - from_totals_alone
    if not leaks:
        return None
    leaking_lines = [cells for cells in lines if leaks.intersection(cells)]
    near = {cell for cells in leaking_lines for cell in cells if cell in hidden}
    for wanted in (leaks, near, hidden):
        for cells in lines:
            if not wanted.intersection(cells):
                continue
            shown = [cell for cell in cells if cell not in hidden and pd.notna(table.at[cell])]
            if shown:
                return min(shown, key=lambda cell: (table.at[cell] == 0, table.at[cell]))
    return None
