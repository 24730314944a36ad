"""Child-level tables too long to send whole: one page of rows on screen, every row in the CSV.

At a million episodes the Who to discuss page's associate table has over a million rows; sent whole,
turning it into Arrow and links took most of the page's time and the browser got tens of megabytes.
The ids of the rows shown are made links only for those rows; the download makes them for all
when it is clicked, so the CSV is the table `display.show_table` would have given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from reports.tables import to_csv
from ui import auth, display, links, sidebar

ROWS_SHOWN = 1_000


def _linked(table: pd.DataFrame, link_columns: Sequence[str], linker: Callable) -> pd.DataFrame:
    return table.assign(**{column: linker(table[column]).to_numpy() for column in link_columns})


def show_paged_table(
    table: pd.DataFrame,
    *,
    name: str,
    column_config: dict,
    link_columns: Sequence[str] = (),
    rows_shown: int = ROWS_SHOWN,
    make: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> pd.Index:
    """`display.show_table` of `table` with `link_columns` as timeline links; over `rows_shown` rows
    one page of them at a time (a page number to choose), the CSV download still every row.
    `make` (instead of the links) turns rows into what is shown, for the rows on screen only and,
    when the download is clicked, for all. Returns the index of the rows on screen (a page may
    offer actions on just those)."""
    linker = links.child_linker()
    shape = make or (lambda rows: _linked(rows, link_columns, linker))
    if len(table) <= rows_shown or auth.require_user().role == "viewer":  # a viewer is told it is not shown
        display.show_table(shape(table), name=name, column_config=column_config)
        return table.index
    pages = -(-len(table) // rows_shown)
    page = st.number_input(
        f"Page (of {pages:,})", min_value=1, max_value=pages, value=1, step=1, key=f"page-{display.file_stem(name)}"
    )
    first = (int(page) - 1) * rows_shown
    shown = table.iloc[first : first + rows_shown]
    st.caption(
        f"Showing rows {first + 1:,} to {first + len(shown):,} of {len(table):,}; download the table for all of them."
    )
    if sidebar.meeting_mode():
        display.show_table(shape(shown), name=name, column_config=column_config)  # no download
        return shown.index
    st.dataframe(shape(shown), hide_index=True, column_config=column_config, width="stretch")
    display.download_file(
        st,
        "Download table (CSV)",
        lambda: to_csv(shape(table)),
        name=name,
        what="CSV",
        mime="text/csv",
        extension="csv",
    )
    return shown.index
