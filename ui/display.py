"""How every page shows a chart and its table, with downloads: one place, so every
chart gets PNG/SVG, every table CSV, every export an audit row, and a viewer only
ever sees publication-safe numbers.

CONTRACT (pages rely on it):
- `show_chart(build, table, *, name, kind=None, ...)`: `build(table)` -> chart (`charts.vega.Spec`),
  drawn, then the table behind it (in an expander unless `table_open`), each
  with downloads. The page passes the builder, not the chart, so a viewer's
  chart is drawn from the suppressed numbers (`reports.tables.masked`; NaN where hidden).
  `draw=False` when the page draws its own interactive view of the same chart
  (the missing-together network): downloads and table only.
  The spec is built on every run (a plain dict, about a millisecond) and its tables travel
  beside it as Arrow; nothing about a chart is cached, so nothing needs keying.
- `show_table(table, *, name, kind=None, ...)`: a table with a CSV download.
- `kind` is a `reports.tables` table name (e.g. "duration", "hotspots_from_district")
  when the table is publishable; viewers then see it suppressed (`publishable`).
  A table with kind=None is not shown to viewers, unless the page marks it
  `aggregate_safe=True` (no counts of children or episodes that could be small).
- `stop_when_empty(episodes, period)`: every page's "no episodes in this period" message, then
  the page stops; `no_episodes_message(period)` for a page that carries on below it.
- Meeting mode: charts only (no downloads, no table expanders); standalone tables
  are drawn as plain HTML tables so the big-screen type size applies.
- Every download writes an audit row (who, what, the view's period and filters)
  when it is clicked; the file itself is only made then (lazy).
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Callable, Sequence
from urllib.parse import urlencode

import altair as alt
import pandas as pd
import streamlit as st
from streamlit import dataframe_util
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
from streamlit.errors import StreamlitDuplicateElementKey

import config
from charts import theme
from charts.export import png_bytes, svg_text
from charts.vega import ONE_ROW, Spec
from reports.tables import ChildLevelTable, masked, publishable, publishable_counts, to_csv
from ui import auth, sidebar, view
from ui.data import current_engine

SUPPRESSION_NOTE = (
    "Small numbers are hidden to protect children's privacy: counts from 1 to 4 show as <5, "
    "and percentages built on them, or a second number that would give a hidden one away, show as *."
)
VIEWER_HIDDEN_NOTE = "Not shown to viewers: this {what} has not been checked for small numbers."
MARKERS = ("<5", "*")
Chart = Spec | alt.TopLevelMixin  # what a chart builder returns: a plain Vega-Lite spec, or (the network) Altair
# Altair's active theme is process-wide; building a chart and serialising it under one
# lock keeps a meeting-mode session from lending its type size to another session's chart.
_THEME_LOCK = threading.Lock()


def no_episodes_message(period: str) -> str:
    """What every page says when the period (after the sidebar filters) has no episode."""
    return f"No episodes in this period ({period}). Choose another period in the sidebar."


def stop_when_empty(episodes: pd.DataFrame, period: str) -> None:
    """Say so, and stop the page, when no episode is left to show; `period` is its label."""
    if episodes.empty:
        st.info(no_episodes_message(period))
        st.stop()


def file_stem(name: str) -> str:
    """A safe file name from a chart or table title."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "table"


class _Spec:
    """A finished Vega-Lite spec (theme already applied) that `charts.export` can render."""

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def to_dict(self) -> dict:
        return json.loads(self.spec)


@st.cache_data(show_spinner=False, max_entries=64)
def _png(spec: str) -> bytes:
    return png_bytes(_Spec(spec))


@st.cache_data(show_spinner=False, max_entries=64)
def _svg(spec: str) -> str:
    return svg_text(_Spec(spec))


def _export_spec(build: Callable[[pd.DataFrame], Chart], table: pd.DataFrame) -> str:
    """The chart's Vega-Lite spec for a PNG or SVG, built again when a download is clicked (the drawn
    spec carries its data as Arrow, which vl-convert cannot read). Exports are never in meeting mode
    (no downloads there), so the normal theme."""
    with _THEME_LOCK:
        theme.use(False)
        return json.dumps(build(table).to_dict())


class _Unvalidated:
    """An Altair chart whose `to_dict` skips Altair's JSON-schema validation; the builders' specs are
    validated by tests/test_charts.py instead."""

    def __init__(self, chart: alt.TopLevelMixin) -> None:
        self.chart = chart

    def to_dict(self) -> dict:
        return self.chart.to_dict(validate=False)


_ONE_ROW_ARROW = dataframe_util.convert_anything_to_arrow_bytes(ONE_ROW)  # every footer's data, as Streamlit sends it


def _drawn_spec(build: Callable[[pd.DataFrame], Chart], table: pd.DataFrame, meeting: bool) -> dict:
    """The spec to send, in the meeting or normal theme, built on every run (a `charts.vega.Spec` takes
    about a millisecond): its tables as frames, which Streamlit sends as Arrow beside the spec, so a filter
    change that leaves the marks and scales alone swaps only the data. An Altair chart (the network's picture,
    drawn when its interactive view cannot be) goes through Streamlit's own conversion."""
    with _THEME_LOCK:
        theme.use(meeting)
        chart = build(table)
        if isinstance(chart, Spec):
            spec = chart.drawn()
            spec["datasets"] = {
                name: _ONE_ROW_ARROW if rows is ONE_ROW else rows for name, rows in spec["datasets"].items()
            }
            return spec
        return _convert_altair_to_vega_lite_spec(_Unvalidated(chart))  # type: ignore[arg-type]


def _is_viewer() -> bool:
    return auth.require_user().role == "viewer"


def tile_counts(counts: dict[str, int], lines: Sequence[tuple[str, Sequence[str]]] = ()) -> dict[str, str]:
    """Each headline count as a tile's text (`1,234`); for a viewer suppressed first, by the rule
    of every table (`reports.tables.publishable_counts`: `<5`, and `*` where parts give a total away)."""
    shown = publishable_counts(counts, lines) if _is_viewer() else counts
    return {key: value if isinstance(value, str) else f"{int(value):,}" for key, value in shown.items()}


def viewer_table(kind: str, table: pd.DataFrame) -> pd.DataFrame:
    """The table as this user may see its numbers: suppressed (`publishable`) for a viewer, for the
    tiles and sentences a page builds from it."""
    return publishable(kind, table) if _is_viewer() else table


def _download(
    container, label: str, data: Callable[[], bytes | str], *, name: str, what: str, mime: str, extension: str
) -> None:
    """A download button keyed by the file name (stable from run to run); a second chart of the
    same name on a page gets `-2`, and so on.

    The file is made when the button is clicked, and the export audited at that moment, in the
    same call: the page does not rerun for a download (at a million episodes a rerun takes seconds,
    and a click landing during one was lost).
    """
    from reports.audit import record

    subject = f"{sidebar.current_page()}: {name} ({what})"
    user, engine, filters = auth.require_user().name, current_engine(), sidebar.filters_for_audit()

    def audited_file() -> bytes | str:
        record(engine, user, "export", subject, filters)
        return data()

    base = f"{extension}-{file_stem(name)}"
    for number in range(1, 100):
        try:
            container.download_button(
                label,
                audited_file,
                file_name=f"{file_stem(name)}.{extension}",
                mime=mime,
                key=base if number == 1 else f"{base}-{number}",
                on_click="ignore",
            )
            return
        except StreamlitDuplicateElementKey:
            continue


def download_file(
    container, label: str, data: Callable[[], bytes], *, name: str, what: str, mime: str, extension: str
) -> None:
    """A download made on click and audited as an export, for files other than charts and tables."""
    _download(container, label, data, name=name, what=what, mime=mime, extension=extension)


def _text_cells(column: pd.Series, percent: bool) -> pd.Series:
    def cell(value: object) -> str:
        if isinstance(value, str):
            return value
        if value is None or pd.isna(value):
            return ""
        if percent:
            return f"{float(value):.1f}"
        return f"{int(value):,}" if float(value).is_integer() else str(value)

    return column.map(cell)


def _label(config: object, column: str) -> str:
    if isinstance(config, str):
        return config
    if isinstance(config, dict) and config.get("label"):
        return str(config["label"])
    return column


def publication_view(table: pd.DataFrame, column_config: dict | None) -> tuple[pd.DataFrame, dict]:
    """A suppressed table ready for st.dataframe: columns holding `<5` or `*` become text
    (numbers formatted as in the CSV), keeping their labels."""
    shown, config = table.copy(), dict(column_config or {})
    for column in table.columns:
        values = table[column]
        if values.dtype == object and values.map(lambda v: isinstance(v, str) and v in MARKERS).any():
            shown[column] = _text_cells(values, percent="percent" in str(column))
            config[column] = st.column_config.TextColumn(_label(config.get(column), column))
    return shown, config


def show_table(
    table: pd.DataFrame,
    *,
    name: str,
    kind: str | None = None,
    column_config: dict | None = None,
    aggregate_safe: bool = False,
) -> None:
    """A table with a CSV download; publication-safe for viewers (see the module contract)."""
    suppressed = False
    if _is_viewer():
        if kind is None and not aggregate_safe:
            st.info(VIEWER_HIDDEN_NOTE.format(what="table"))
            return
        if kind is not None:
            try:
                table = publishable(kind, table)
            except ChildLevelTable:
                st.info(VIEWER_HIDDEN_NOTE.format(what="table"))
                return
            suppressed = True
    shown, config = publication_view(table, column_config) if suppressed else (table, column_config)
    if sidebar.meeting_mode():
        hidden = [c for c, v in (config or {}).items() if v is None and c in shown]  # as st.dataframe hides them
        shown = shown.drop(columns=hidden)
        labels = {c: _label(v, c) for c, v in (config or {}).items() if c in shown}
        st.table(shown.rename(columns=labels).set_index(labels.get(shown.columns[0], shown.columns[0])))
    else:
        st.dataframe(shown, hide_index=True, column_config=config, width="stretch")
    if suppressed:
        st.caption(SUPPRESSION_NOTE)
    if not sidebar.meeting_mode():
        _download(
            st, "Download table (CSV)", lambda: to_csv(table), name=name, what="CSV", mime="text/csv", extension="csv"
        )


FINDINGS_IN_MEETING = 5
LINK_NAMES = {
    "trends": "Trends",
    "hotspots": "Hotspots",
    "childrens_homes": "Children's homes",
    "data_quality": "Data quality",
    "return_interviews": "Return interviews",
}


def show_findings(make: Callable[[int | None], list]) -> None:
    """The written findings (`metrics.findings`), made by `make(suppress_below)`: publication-safe
    for viewers (a count from 1 to 4 reads `fewer than 5`); in meeting mode at most 5, in large
    type, without links; otherwise each with a link to the page behind it, keeping the view."""
    below = config.settings().publication.suppress_below if _is_viewer() else None
    found = make(below)
    if not found:
        st.caption("No findings: no signal of change, and nothing else the rules look for, in this period.")
        return
    if sidebar.meeting_mode():
        items = "".join(f"<li>{html.escape(f.sentence)}</li>" for f in found[:FINDINGS_IN_MEETING])
        st.markdown(
            f'<ul class="findings" style="font-size:1.6rem;line-height:1.4">{items}</ul>', unsafe_allow_html=True
        )
        return
    query = urlencode(view.view_params(sidebar.current_view()), doseq=True)
    lines = [
        f"- {f.sentence.replace('$', chr(92) + '$')} [{LINK_NAMES.get(f.link, f.link)}]({f.link}?{query})"
        for f in found
    ]
    st.markdown("\n".join(lines))


def show_chart(
    build: Callable[[pd.DataFrame], Chart],
    table: pd.DataFrame,
    *,
    name: str,
    kind: str | None = None,
    column_config: dict | None = None,
    table_open: bool = False,
    aggregate_safe: bool = False,
    draw: bool = True,
) -> None:
    """A chart drawn by `build(table)` with PNG and SVG downloads, then its table (see the contract).
    `draw=False`: the page has drawn an interactive view of the same chart; only the downloads and table."""
    drawn_from = table
    if _is_viewer():
        if kind is None and not aggregate_safe:
            st.info(VIEWER_HIDDEN_NOTE.format(what="chart"))
            return
        if kind is not None:
            try:
                drawn_from = masked(kind, table)
            except ChildLevelTable:
                st.info(VIEWER_HIDDEN_NOTE.format(what="chart"))
                return
    meeting = sidebar.meeting_mode()
    if draw:
        st.vega_lite_chart(
            spec=_drawn_spec(build, drawn_from, meeting), width="stretch", theme=None
        )  # our registered theme, not Streamlit's
    if meeting:
        return
    png, svg, _ = st.columns([1, 1, 4])
    for column, label, convert, mime in ((png, "PNG", _png, "image/png"), (svg, "SVG", _svg, "image/svg+xml")):
        _download(
            column,
            label,
            lambda convert=convert: convert(_export_spec(build, drawn_from)),
            name=name,
            what=label,
            mime=mime,
            extension=label.lower(),
        )
    with st.expander(f"Table: {name}", expanded=table_open):
        show_table(table, name=name, kind=kind, column_config=column_config, aggregate_safe=aggregate_safe)
