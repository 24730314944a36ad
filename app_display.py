"""How every page shows a chart and its table, with downloads: one place, so every
chart gets PNG/SVG, every table CSV, every export an audit row, and a viewer only
ever sees publication-safe numbers.

CONTRACT (pages rely on it):
- `show_chart(build, table, *, name, kind=None)`: `build(table)` -> Altair chart,
  drawn, then the table behind it (in an expander unless `table_open`), each
  with downloads. The page passes the builder, not the chart, so a viewer's
  chart is drawn from the suppressed numbers (`reports.tables.masked`).
- `show_table(table, *, name, kind=None)`: a table with a CSV download.
- `kind` is a `reports.tables` table name (e.g. "duration", "hotspots_from_district")
  when the table is publishable; viewers then see it suppressed. A table with
  kind=None is shown to viewers only if the page is not child-level.

INTERIM: issue 4 adds meeting mode styling; issue 5 the viewer suppression and audit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from charts.export import png_bytes, svg_text
from reports.tables import to_csv


def file_stem(name: str) -> str:
    """A safe file name from a chart or table title."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "table"


@st.cache_data(show_spinner=False, max_entries=64)
def _png(spec: str) -> bytes:
    return png_bytes(alt.Chart.from_json(spec))


@st.cache_data(show_spinner=False, max_entries=64)
def _svg(spec: str) -> str:
    return svg_text(alt.Chart.from_json(spec))


def show_table(table: pd.DataFrame, *, name: str, kind: str | None = None, column_config: dict | None = None) -> None:
    st.dataframe(table, hide_index=True, column_config=column_config, width="stretch")
    st.download_button(
        "Download table (CSV)", to_csv(table), file_name=f"{file_stem(name)}.csv", mime="text/csv",
        key=f"csv-{file_stem(name)}", on_click="ignore",
    )  # fmt: skip


def show_chart(
    build: Callable[[pd.DataFrame], alt.TopLevelMixin],
    table: pd.DataFrame,
    *,
    name: str,
    kind: str | None = None,
    column_config: dict | None = None,
    table_open: bool = False,
) -> None:
    chart = build(table)
    st.altair_chart(chart, width="stretch", theme=None)  # our registered theme, not Streamlit's
    spec = chart.to_json()
    stem = file_stem(name)
    png, svg, _ = st.columns([1, 1, 4])
    png.download_button("PNG", lambda: _png(spec), file_name=f"{stem}.png", mime="image/png",
                        key=f"png-{stem}", on_click="ignore")  # fmt: skip
    svg.download_button("SVG", lambda: _svg(spec), file_name=f"{stem}.svg", mime="image/svg+xml",
                        key=f"svg-{stem}", on_click="ignore")  # fmt: skip
    with st.expander(f"Table: {name}", expanded=table_open):
        show_table(table, name=name, kind=kind, column_config=column_config)
