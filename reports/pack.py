"""The committee pack: the period's figures as a Word file (and PDF) for scrutiny papers.

Who reads it: a scrutiny committee, safeguarding board or Lead Member, on
paper, often in black and white (domain.md section 1). So every number in it
is publication-safe (section 6): each table is `reports.tables.publishable`,
each chart is drawn from `reports.tables.masked`, the headline figures show
counts 1-4 as `<5`, and nothing in it names a child or an episode.

Word through python-docx; PDF by converting that Word file with LibreOffice
headless, which works offline and keeps one layout for both files.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import SupportsFloat

import pandas as pd
from docx import Document
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from sqlalchemy import Engine

import config
from charts.bars import band_chart, place_chart, return_interview_chart
from charts.benchmarks import benchmark_chart
from charts.export import png_bytes
from charts.lines import trend_chart
from charts.titles import WIDTH, source_line, titled
from charts.vega import Spec, text_panel
from config.canonical import CATEGORIES
from config.sections import ProcessControlSettings, Settings
from loaders.benchmarks import dfe_figures, shipped_figures
from metrics.attention import AttentionSettings
from metrics.benchmarks import COMPARED_CATEGORIES
from metrics.filters import select_episodes, with_derived
from metrics.findings import period_findings
from metrics.interview_content import CONTENT_SECTIONS, content_label, content_title
from metrics.periods import Period, financial_year_ending, previous_period, year_before
from metrics.return_interviews import date_only_eligible, return_interviews
from metrics.tables import TABLES, headline_counts, metric_table
from reports import benchmarks
from reports.notes import date_only_note
from reports.suppression import HIDDEN_MARK
from reports.tables import masked, publishable, spreadsheet_text

Progress = Callable[[float, str], None]

MARKING = "OFFICIAL"
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Mm(210), Mm(297), Mm(20)
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
CHART_MAX_HEIGHT = Mm(125)  # leaves room on the page for the section's table
FONT = "Arial"  # LibreOffice substitutes the metric-compatible Liberation Sans
TEXT = RGBColor(0x0B, 0x0C, 0x0C)
HEADER_SHADE = "D9D9D9"  # light grey: reads in black and white
TOP_PLACES = 10


class PackError(RuntimeError):
    """The pack could not be written (e.g. LibreOffice missing for the PDF)."""


# --- sections ---------------------------------------------------------------------------

Builder = Callable[..., Spec]


@dataclass(frozen=True)
class Chart:
    """One chart with its suppressed table: the table kind, how to draw it, what it says."""

    kind: str  # a reports.tables table name
    build: Builder
    title: Callable[[pd.DataFrame], str]  # the message, from the masked table
    subtitle: str  # measure; place and period are added
    notes: str
    columns: dict[str, str] | None  # table column -> heading in the Word table (None: as reshaped)
    reshape: Callable[[pd.DataFrame], pd.DataFrame] | None = None  # the suppressed table as printed
    extra_filters: dict[str, list[str]] | None = None
    top: int | None = None  # show only the first rows (places)
    note: Callable[[pd.DataFrame, int], str] | None = None  # (chosen episodes, threshold) -> a line under the table


@dataclass(frozen=True)
class Section:
    heading: str
    charts: tuple[Chart, ...]


SUPPRESSION_NOTE = "Counts from 1 to 4 are shown as <5, and a second count as * where a total would give one away."
BAND_COLUMNS = {"count": "Number", "percent": "%"}


def _share(table: pd.DataFrame, bands: list[str]) -> float | None:
    """Percent of the table's count in `bands`, or None when a hidden cell makes it unknowable."""
    counts = table["count"]
    if counts.isna().any() or counts.sum() == 0:
        return None
    return 100 * counts[table["band"].isin(bands)].sum() / counts.sum()


def _share_title(bands: list[str], template: str, fallback: str) -> Callable[[pd.DataFrame], str]:
    def title(table: pd.DataFrame) -> str:
        share = _share(table, bands)
        return fallback if share is None else template.format(share=share)

    return title


def _top_place_title(noun: str, fallback: str) -> Callable[[pd.DataFrame], str]:
    def title(table: pd.DataFrame) -> str:
        shown = table.dropna(subset=["episodes"])
        if shown.empty:
            return fallback
        first = shown.iloc[0]
        return " ".join(
            filter(None, [f"{first['place']} had the most episodes", noun, f"({int(first['episodes']):,})"])
        )

    return title


def trend_by_month(safe: pd.DataFrame) -> pd.DataFrame:
    """The suppressed trend table one row a month (episodes and children per category side by
    side), as a committee reads it; a month with no episode of a category shows 0."""
    months = sorted(safe["month"].unique())
    wide = pd.DataFrame({"Month": [pd.Timestamp(f"{m}-01").strftime("%b %Y") for m in months]})
    for category in [c for c in CATEGORIES if c in set(safe["category"])]:
        rows = safe[safe["category"] == category].set_index("month")
        for measure in ("episodes", "children"):
            wide[f"{category.capitalize()}: {measure}"] = [rows[measure].get(m, 0) for m in months]
    return wide


def _trend_title(table: pd.DataFrame) -> str:
    months = table["month"].nunique()
    if not months or table["episodes"].isna().any():
        return "Episodes each month, by category"
    return f"On average {table['episodes'].sum() / months:,.0f} episodes were reported a month"


def _interview_title(table: pd.DataFrame) -> str:
    rows = table[(table["group"] == "all")].set_index("measure")["percent"]
    offered, in_time = rows.get("offered"), rows.get("completed_within_72h")
    if offered is None or pd.isna(offered) or in_time is None or pd.isna(in_time):
        return "Return interviews offered and held"
    return f"{offered:.0f}% of returns were offered an interview; {in_time:.0f}% had one within 72 hours"


def _interview_date_only_note(chosen: pd.DataFrame, threshold: int) -> str:
    """Beside the interview rates: how many eligible episodes had a date-only time (counted against the deadline)."""
    return date_only_note(*date_only_eligible(chosen), publication=True, threshold=threshold)


def _group_title(template: str, band: str, fallback: str) -> Callable[[pd.DataFrame], str]:
    return _share_title([band], template, fallback)


def _labelled_bands(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(band=table["band"].map(content_label))


def _content_chart(table: pd.DataFrame, **titles) -> Spec:
    return band_chart(_labelled_bands(table), **titles)


def _content_title(heading: str) -> Callable[[pd.DataFrame], str]:
    return lambda table: content_title(table, heading)


# What completed return interviews recorded (domain.md section 11), one chart each.
INTERVIEW_CONTENT_SECTION = Section(
    "What return interviews found",
    tuple(
        Chart(
            name,
            _content_chart,
            _content_title(heading),
            f"{heading}: share of completed return interviews",
            "Of completed interviews (eligible episodes with outcome completed). One interview can record several "
            "values, so the rows need not add up to the total or to 100%. Not recorded: none given.",
            {"band": heading, "count": "Interviews", "percent": "% of completed"},
            reshape=_labelled_bands,
        )
        for name, _, heading in CONTENT_SECTIONS
    ),
)


SECTIONS = (
    Section(
        "Trend",
        (
            Chart(
                "trend",
                trend_chart,
                _trend_title,
                "Episodes reported each month by category",
                "Missing and absent are police categories; away is a looked-after child away from placement "
                "without authorisation. Months with no episode of a category show 0.",
                None,
                reshape=lambda table: trend_by_month(table),
            ),
        ),
    ),
    Section(
        "Repeat runaways",
        (
            Chart(
                "repeat",
                band_chart,
                _share_title(
                    ["3-5", "6-8", "9-19", "20+"],
                    "{share:.0f}% of the children went missing 3 times or more",
                    "How often children went missing",
                ),
                "Children by their number of episodes in the period",
                "Each child is counted once, in the band of their episodes in the period. "
                "A persistent runaway has 4 or more.",
                {"band": "Episodes in period", **BAND_COLUMNS},
            ),
        ),
    ),
    Section(
        "Time missing",
        (
            Chart(
                "duration",
                band_chart,
                _share_title(
                    ["0-8 hrs", "8-16 hrs", "16-24 hrs"],
                    "{share:.0f}% of episodes ended within 24 hours",
                    "How long episodes lasted",
                ),
                "Episodes by time from report to return",
                "Time from reported to returned. Not known: still missing, or a date without a time.",
                {"band": "Time missing", **BAND_COLUMNS},
            ),
        ),
    ),
    Section(
        "Distance",
        (
            Chart(
                "distance",
                band_chart,
                _share_title(
                    ["0-5 miles"],
                    "In {share:.0f}% of episodes the child was found within 5 miles",
                    "How far from home or placement children were found",
                ),
                "Episodes by straight-line distance from where missing to where found",
                "Between postcode centres. Not known: a postcode missing or not in the ONS directory.",
                {"band": "Distance found", **BAND_COLUMNS},
            ),
        ),
    ),
    Section(
        "Hotspots",
        (
            Chart(
                "hotspots_from_district",
                place_chart,
                _top_place_title("from it", "Postcode districts children went missing from"),
                f"Episodes by postcode district of the address missing from, top {TOP_PLACES}",
                "Districts of the address the child went missing from; episodes with no postcode are left out.",
                {"place": "District", "episodes": "Episodes", "children": "Children"},
                top=TOP_PLACES,
            ),
            Chart(
                "hotspots_found_district",
                place_chart,
                _top_place_title("found there", "Postcode districts children were found in"),
                f"Episodes by postcode district where found, top {TOP_PLACES}",
                "Districts where the child was found; episodes with no found postcode are left out.",
                {"place": "District", "episodes": "Episodes", "children": "Children"},
                top=TOP_PLACES,
            ),
        ),
    ),
    Section(
        "Children's homes",
        (
            Chart(
                "hotspots_establishment",
                place_chart,
                _top_place_title("", "Children's homes children went missing from"),
                f"Episodes from residential children's homes, top {TOP_PLACES}",
                "Looked-after children placed in residential homes; homes by name and id.",
                {"place": "Home", "episodes": "Episodes", "children": "Children"},
                extra_filters={"placement_type": ["residential"]},
                top=TOP_PLACES,
            ),
        ),
    ),
    Section(
        "Return interviews",
        (
            Chart(
                "return_interviews",
                return_interview_chart,
                _interview_title,
                "Share of returned missing and absent episodes, all and from home and care",
                "Eligible: missing or absent episodes with a return. Offered and completed are shares of eligible "
                "episodes; completed and declined of offered are shares of those offered.",
                {"group": "Group", "measure": "Measure", "count": "Number", "denominator": "Out of", "percent": "%"},
                note=_interview_date_only_note,
            ),
        ),
    ),
    INTERVIEW_CONTENT_SECTION,
    Section(
        "Demographics",
        (
            Chart(
                "sex",
                band_chart,
                _group_title("{share:.0f}% of the children were female", "female", "Children by sex"),
                "Children by sex",
                "Each child is counted once.",
                {"band": "Sex", **BAND_COLUMNS},
            ),
            Chart(
                "ethnic_group",
                band_chart,
                _group_title("{share:.0f}% of the children were White", "White", "Children by ethnic group"),
                "Children by ethnic group",
                "Each child is counted once; groups of the DfE ethnicity codes.",
                {"band": "Ethnic group", **BAND_COLUMNS},
            ),
            Chart(
                "age_band",
                band_chart,
                _group_title("{share:.0f}% of the children were 13 to 15", "13-15", "Children by age"),
                "Children by age at their first episode in the period",
                "Each child is counted once.",
                {"band": "Age", **BAND_COLUMNS},
            ),
            Chart(
                "home_care",
                band_chart,
                _group_title("{share:.0f}% of the children were looked after", "care", "Children from home and care"),
                "Children by missing from home or care (their latest episode)",
                "Each child is counted once.",
                {"band": "Missing from", **BAND_COLUMNS},
            ),
        ),
    ),
)

DEFINITIONS = (
    ("Episode", "One occasion a child was not where they should be, from the time reported to the time returned."),
    ("Missing", "Police-recorded: whereabouts not known and the context suggests risk; police search."),
    ("Absent", "Police-recorded, no apparent risk: police record and review but do not search."),
    ("Away", "A looked-after child away from placement without authorisation; whereabouts known."),
    ("Period", "An episode belongs to the period in which it was reported."),
    ("Time missing", "Returned minus reported, in hours; not known when still missing or a time is not recorded."),
    ("Distance", "Straight line between the postcode centres of where missing from and where found, in miles."),
    ("Repeat runaways", "Children by their number of episodes in the period; persistent means 4 or more."),
    (
        "Return interviews",
        "Offered to every child returning from a missing or absent episode, due within 72 hours of return.",
    ),
    (
        "Date-only times",
        (
            "A date given without a time stands for any moment of that day. Where that leaves a time limit in "
            "doubt, it counts against the deadline and for the alert: an interview counts as within 72 hours only "
            "if it certainly was (returned 1 March and offered 3 March, dates only: within; offered 4 March: not)."
        ),
    ),
    ("Hotspots", "Episodes and distinct children by postcode district of the address missing from or found at."),
    ("Demographics", "Distinct children; age at their first episode in the period; home or care from the latest."),
    ("Percentages", "Of the stated denominator, rounded half up to one decimal place."),
)


# --- figures ----------------------------------------------------------------------------


def safe_count(value: int, threshold: int) -> str:
    """A headline count for publication: `<5` for 1-4, else the number."""
    return f"<{threshold}" if 0 < value < threshold else f"{value:,}"


PERSISTENT = ("Persistent runaways (4 or more episodes)", "persistent_runaways")
HEADLINES = (("Episodes", "episodes"), ("Children", "children"), PERSISTENT)
RATES = (
    ("Return interview offered", "offered"),
    ("Return interview completed", "completed"),
    ("Return interview completed within 72 hours", "completed_within_72h"),
)


def metric_table_of(chosen: pd.DataFrame, name: str) -> pd.DataFrame:
    """A metric table of episodes already chosen for a period and filters."""
    return TABLES[name](chosen)


def gives_away_four_to_five(chosen: pd.DataFrame, persistent: int, threshold: int) -> bool:
    """True when the persistent runaways (4+ episodes), set beside the published repeat bands
    6-8, 9-19 and 20+, would give away a small number: the children with 4 or 5 episodes."""
    bands = publishable("repeat", metric_table_of(chosen, "repeat"), threshold)
    six_or_more = bands[bands["band"].isin(["6-8", "9-19", "20+"])]["count"]
    if any(isinstance(value, str) for value in six_or_more):
        return False  # a band is hidden: the difference cannot be worked out
    return 0 < persistent - int(sum(six_or_more)) < threshold


def summary_table(
    episodes: pd.DataFrame, periods: list[Period], filters: dict, threshold: int, first_day: date | None
) -> pd.DataFrame:
    """Headline figures for each period, publication-safe: counts 1-4 as `<5`, and rates from the
    suppressed return-interview table (so `*` where they rest on a hidden count). A period that
    starts before the records do shows `–`: a part-period count would mislead."""
    columns = {}
    for period in periods:
        if first_day is None or period.start < first_day:
            columns[period.short()] = ["–"] * (len(HEADLINES) + len(RATES))
            continue
        chosen = select_episodes(episodes, period.start, period.end, filters)
        counts = headline_counts(chosen)
        rates = publishable("return_interviews", return_interviews(chosen), threshold)
        rates = rates[rates["group"] == "all"].set_index("measure")["percent"]
        values = [safe_count(int(counts[key]), threshold) for _, key in HEADLINES]
        if gives_away_four_to_five(chosen, counts["persistent_runaways"], threshold):
            values[HEADLINES.index(PERSISTENT)] = HIDDEN_MARK
        for _, measure in RATES:
            rate = rates.get(measure)
            values.append(rate if isinstance(rate, str) else ("–" if pd.isna(rate) else f"{float(rate):.1f}%"))
        columns[period.short()] = values
    return pd.DataFrame(columns, index=[label for label, _ in HEADLINES + RATES]).rename_axis("Measure").reset_index()


def first_day(episodes: pd.DataFrame) -> date | None:
    """The day the records begin: the earliest reported_at of any episode."""
    earliest = episodes["reported_at"].min()
    return None if pd.isna(earliest) else pd.Timestamp(earliest).date()


def _change_sentence(
    episodes: pd.DataFrame, periods: list[Period], filters: dict, threshold: int, begins: date | None
) -> str:
    """One line on the change in episodes against each covered period, when no count is small."""
    now = len(select_episodes(episodes, periods[0].start, periods[0].end, filters))
    if now < threshold:
        return ""
    parts = []
    for label, period in zip(("the previous period", "the same period last year"), periods[1:], strict=False):
        if begins is None or period.start < begins:
            continue
        before = len(select_episodes(episodes, period.start, period.end, filters))
        if before < threshold:
            continue
        change = 100 * (now - before) / before
        word = "up" if change > 0 else "down"
        parts.append(f"{word} {abs(change):.0f}% on {label}" if round(change) else f"level with {label}")
    return f"{now:,} episodes were reported" + (", " + " and ".join(parts) if parts else "") + "."


# --- Word -------------------------------------------------------------------------------


def _png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _field(run, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) in `run`: Word and LibreOffice fill it in when laying out."""
    begin, text, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    end.set(qn("w:fldCharType"), "end")
    run._r.append(begin)
    run._r.append(text)
    run._r.append(end)


def _shade(cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _repeat_header(row) -> None:
    """The header row repeats when a table runs onto the next page."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _new_document(authority: str) -> WordDocument:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = MARGIN
    for name in ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Caption"):
        style = document.styles[name]
        style.font.name = FONT
        style.font.color.rgb = TEXT
        fonts = style.element.rPr.rFonts
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)  # a theme font would override Arial
        fonts.set(qn("w:eastAsia"), FONT)
    document.styles["Normal"].font.size = Pt(10.5)
    header = section.header.paragraphs[0]
    header.text = MARKING
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header.runs[0].bold = True
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{MARKING}    Page ")
    _field(footer.add_run(), "PAGE")
    footer.add_run(" of ")
    _field(footer.add_run(), "NUMPAGES")
    core = document.core_properties
    core.author = core.last_modified_by = authority
    core.comments = ""
    return document


def _word_table(document: WordDocument, table: pd.DataFrame, columns: dict[str, str] | None) -> None:
    """The suppressed table as a Word table with a shaded header row; numbers right-aligned."""
    columns = columns or {column: column for column in table.columns}
    shown = [c for c in columns if c in table.columns]
    grid = document.add_table(rows=1, cols=len(shown))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    _repeat_header(grid.rows[0])
    for cell, column in zip(grid.rows[0].cells, shown, strict=True):
        cell.text = columns[column]
        cell.paragraphs[0].runs[0].bold = True
        _shade(cell, HEADER_SHADE)
    for record in table[shown].itertuples(index=False):
        cells = grid.add_row().cells
        for cell, value, column in zip(cells, record, shown, strict=True):
            cell.text = format_cell(value, column)
            if column != shown[0] and _numeric_text(cell.text):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _column_widths(grid)
    for row in grid.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.space_after = Pt(0)
                for run in paragraph.runs:
                    run.font.size = Pt(9.5)


def _column_widths(grid) -> None:
    """Columns as wide as their longest text (within limits), filling the page width."""

    def longest_word(text: str) -> int:
        return max((len(word) for word in text.split()), default=1)

    lengths = [min(longest_word(cell.text), 28) + 3 for cell in grid.rows[0].cells]  # headers may wrap
    for row in grid.rows[1:]:
        for index, cell in enumerate(row.cells):
            lengths[index] = max(lengths[index], min(len(cell.text), 28) + 3)
    total = sum(lengths)
    grid.autofit = False
    for index, column in enumerate(grid.columns):
        width = int(CONTENT_WIDTH * lengths[index] / total)
        column.width = width
        for cell in column.cells:
            cell.width = width


def _numeric_text(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or text in ("<5", "*", "–") or text.startswith("<"))


LABELS = {
    "offered": "Offered",
    "offered_within_72h": "Offered within 72 hours",
    "completed": "Completed",
    "completed_within_72h": "Completed within 72 hours",
    "completed_of_offered": "Completed, of offered",
    "declined_of_offered": "Declined, of offered",
    "all": "All",
    "home": "Home",
    "care": "Care",
}


def format_cell(value: object, column: str) -> str:
    """Text for a Word table cell: thousands separators, one decimal for percentages, marks kept."""
    if isinstance(value, str):
        return spreadsheet_text(LABELS.get(value, value))
    if value is None or pd.isna(value):
        return "–"
    if not isinstance(value, SupportsFloat):
        return spreadsheet_text(str(value))
    if column == "percent":
        return f"{float(value):.1f}"
    if float(value).is_integer():
        return f"{int(float(value)):,}"
    return f"{float(value):,.1f}"


def _anything_shown(drawn: pd.DataFrame, kind: str) -> bool:
    """False when the table has rows but suppression hid every number the chart would draw."""
    value = {"trend": "episodes", "return_interviews": "percent"}.get(
        kind, "episodes" if "hotspots" in kind else "count"
    )
    return drawn.empty or bool(drawn[value].notna().any())


def _all_suppressed_chart(table: pd.DataFrame, *, title: str, subtitle: str, source: str, notes: str | None = None):
    """In place of a chart whose every number is hidden: a line saying so, in the usual frame."""
    text = text_panel("Every number here is small and suppressed; see the table.", WIDTH)
    return titled(text, title=title, subtitle=subtitle, source=source, notes=notes)


def _chart_picture(document: WordDocument, chart: Spec) -> None:
    png = png_bytes(chart, scale=2)
    width_px, height_px = _png_size(png)
    width = CONTENT_WIDTH
    if width * height_px / width_px > CHART_MAX_HEIGHT:
        width = int(CHART_MAX_HEIGHT * width_px / height_px)
    document.add_picture(io.BytesIO(png), width=width)
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _paragraph(document: WordDocument, text: str, *, size: float | None = None, bold: bool = False, italic=False):
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    return paragraph


def _filters_text(filters: dict[str, list[str]] | None) -> str:
    if not filters:
        return "none (every episode in the period)"
    return "; ".join(f"{key.replace('_', ' ')} = {', '.join(values)}" for key, values in sorted(filters.items()))


def _merged_filters(filters: dict, extra: dict | None) -> dict:
    """The user's filters narrowed by a section's own (children's homes: residential placements);
    a key whose values do not meet is left empty."""
    merged = {key: list(values) for key, values in filters.items()}
    for key, values in (extra or {}).items():
        merged[key] = [v for v in merged[key] if v in values] if key in merged else list(values)
    return merged


def named_homes(table: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """Places as "name (id)": children's homes are places, and a committee knows them by name."""
    known = episodes.dropna(subset=["establishment_id", "establishment_name"])
    names = known.groupby("establishment_id", observed=True)["establishment_name"].agg(lambda n: n.mode().iloc[0])
    table = table.copy()
    table["place"] = [f"{names[p]} ({p})" if p in names.index else p for p in table["place"]]
    return table


def _load(engine_or_episodes: Engine | pd.DataFrame, lad_codes: tuple[str, ...]) -> pd.DataFrame:
    """The episodes given, or loaded and derived once with the council's area (`lad_codes`)."""
    if isinstance(engine_or_episodes, pd.DataFrame):
        return engine_or_episodes
    from loaders.episodes import load_episodes

    return with_derived(load_episodes(engine_or_episodes), lad_codes)


def benchmarks_section(
    document: WordDocument,
    episodes: pd.DataFrame,
    dfe: pd.DataFrame | None,
    period: Period,
    threshold: int,
    settings: Settings,
) -> None:
    """How do we compare? (domain.md section 10): the year ending 31 March on or before the period's
    end, the council's own rates beside the DfE's, every figure in one table, the caveats."""
    year = financial_year_ending(period.end)
    authority, la_code = settings.authority.name, settings.authority.dfe_la_code
    document.add_page_break()
    document.add_heading("How do we compare? National figures", level=1)
    if not la_code or year not in benchmarks.years_with_episodes(episodes):
        _paragraph(document, f"No comparison: no episodes in the year ending 31 March {year}, or no DfE LA number set.")
        return
    dfe = shipped_figures() if dfe is None else dfe
    grouping = settings.benchmarks.neighbour_grouping
    result = benchmarks.benchmarks_for(
        episodes, dfe, year, la_code=la_code, council_name=authority, grouping=grouping, threshold=threshold
    )
    _paragraph(
        document,
        f"{authority}'s own care episodes of category missing and away in the year ending 31 March {year} (the whole "
        f"year and every care episode: this pack's period and filters do not apply), beside the Department for "
        f"Education's figures. {result.year_note()}",
    )
    if result.dfe_year is None:
        return
    for category in COMPARED_CATEGORIES:
        for column in ("episodes_per_child", "percent_looked_after"):
            rows = result.table[(result.table["category"] == category) & (result.table["column"] == column)]
            image = benchmark_chart(
                benchmarks.chart_rows(rows),
                title=benchmarks.measure_title(rows, authority),
                subtitle=benchmarks.subtitle(result, column, authority),
                source=benchmarks.source_text(result, authority),
                notes=benchmarks.CHART_NOTE,
            )
            _chart_picture(document, image)
    wide = result.table.pivot_table(index="label", columns="area", values="shown", aggfunc="first", sort=False)
    wide = wide[list(dict.fromkeys(result.table["area"]))].reset_index()
    _paragraph(document, f"Table: every measure, year ending 31 March {year}", size=9.5, bold=True)
    _word_table(document, wide, {"label": "Measure", **{area: area for area in wide.columns[1:]}})
    for caveat in result.caveats():
        _paragraph(document, caveat, size=9, italic=True)
    _paragraph(document, f"Source: {benchmarks.DFE_SOURCE}. {benchmarks.ATTRIBUTION}", size=9)


def _findings_page(
    document: WordDocument,
    episodes: pd.DataFrame,
    period: Period,
    filters: dict,
    threshold: int,
    settings: ProcessControlSettings,
) -> None:
    """The pack's summary page: section 9's written findings, publication-safe (`fewer than 5`)."""
    found = period_findings(episodes, period.start, period.end, filters, settings, threshold)
    document.add_heading("Findings", level=1)
    for finding in found:
        document.add_paragraph(finding.sentence, style="List Bullet")
    if not found:
        _paragraph(document, "No signal of change, and nothing else the rules look for, in this period.")
    _paragraph(
        document,
        "Worked out by rules, not typed by hand: a month beyond its process limits or part of a run (mean and "
        "limits from the 24 months to the period's end), a postcode district newly among the ten busiest, a "
        "children's home at its most episodes in 12 months, many times recorded as a date only. Most serious "
        "first; at most 8.",
        size=9,
        italic=True,
    )


def write_docx(
    episodes: pd.DataFrame,
    period: Period,
    path: Path,
    filters: dict[str, list[str]] | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    dfe: pd.DataFrame | None = None,
    settings: Settings | None = None,
) -> Path:
    """The pack as a Word file at `path`; `dfe`: the DfE's figures (default: the shipped ones);
    `settings`: the council's (default: config/settings.toml)."""
    report = progress or (lambda fraction, text: None)
    filters = filters or {}
    settings = settings or config.settings()
    threshold = settings.publication.suppress_below
    authority = settings.authority.name
    attention = AttentionSettings.from_settings(settings)
    today = today or date.today()
    previous, last_year = previous_period(period), year_before(period)
    source = source_line(period.short(), authority)
    place_and_period = f"{authority}, {period.short()}"

    document = _new_document(authority)
    report(0.02, "Title page")
    for _ in range(7):
        document.add_paragraph()
    _paragraph(document, authority, size=16, bold=True)
    _paragraph(document, "Children missing from home and care", size=26, bold=True)
    _paragraph(document, "Committee pack", size=18)
    _paragraph(document, f"Period: {period.long_label()}", size=13)
    _paragraph(document, f"Produced: {today:%-d %B %Y}", size=13)
    _paragraph(document, f"Filters: {_filters_text(filters)}", size=11)
    document.add_paragraph()
    _paragraph(
        document,
        "Children are not named or identified in this paper. " + SUPPRESSION_NOTE,
        size=10.5,
        italic=True,
    )

    report(0.04, "Findings")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _findings_page(document, episodes, period, filters, threshold, settings.process_control)

    report(0.06, "Summary")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading("Summary", level=1)
    periods = [period, previous, last_year]
    begins = first_day(episodes)
    sentence = _change_sentence(episodes, periods, filters, threshold, begins)
    _paragraph(
        document,
        f"Headline figures for {period.long_label()}, against the previous period ({previous.long_label()}) "
        f"and the same period last year ({last_year.long_label()}). " + sentence,
    )
    summary = summary_table(episodes, periods, filters, threshold, begins)
    _word_table(document, summary, {column: column for column in summary.columns})
    uncovered = [p for p in periods[1:] if begins is None or p.start < begins]
    coverage = (
        f"– : the records begin on {begins:%-d %B %Y}, after the start of {uncovered[0].short()}. "
        if uncovered and begins
        else ""
    )
    _paragraph(
        document,
        coverage + "Return interview rates are shares of returned missing and absent episodes. " + SUPPRESSION_NOTE,
        size=9,
        italic=True,
    )

    charts = [(section, chart) for section in SECTIONS for chart in section.charts]
    for number, (section, chart) in enumerate(charts, start=1):
        report(0.1 + 0.85 * (number - 1) / len(charts), f"{section.heading}: {chart.kind}")
        if chart is section.charts[0]:
            document.add_page_break()
            document.add_heading(section.heading, level=1)
        chosen_filters = _merged_filters(filters, chart.extra_filters)
        # a key left with no value (kinship asked for, residential needed) matches no episode
        source_episodes = episodes if all(chosen_filters.values()) else episodes.iloc[:0]
        table = metric_table(chart.kind, source_episodes, period.start, period.end, chosen_filters, settings=attention)
        safe = publishable(chart.kind, table, threshold)
        drawn = masked(chart.kind, table, threshold)
        if chart.top:
            safe, drawn = safe.head(chart.top), drawn.head(chart.top)
        if chart.kind == "hotspots_establishment":
            safe, drawn = named_homes(safe, episodes), named_homes(drawn, episodes)
        if chart.reshape:
            safe = chart.reshape(safe)
        notes = f"{chart.notes} {SUPPRESSION_NOTE}"
        build = chart.build if _anything_shown(drawn, chart.kind) else _all_suppressed_chart
        image = build(
            drawn,
            title=chart.title(drawn),
            subtitle=f"{chart.subtitle}, {place_and_period}",
            source=source,
            notes=notes,
        )
        _chart_picture(document, image)
        _paragraph(document, f"Table: {chart.subtitle.lower()}, {place_and_period}", size=9.5, bold=True)
        _word_table(document, safe, chart.columns)
        if chart.note:
            chosen = select_episodes(source_episodes, period.start, period.end, chosen_filters)
            _paragraph(document, chart.note(chosen, threshold), size=9, italic=True)
        document.add_paragraph()

    report(0.95, "How do we compare?")
    benchmarks_section(document, episodes, dfe, period, threshold, settings)

    report(0.96, "Definitions")
    document.add_page_break()
    document.add_heading("Definitions", level=1)
    for term, meaning in DEFINITIONS:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{term}: ").bold = True
        paragraph.add_run(meaning)
    document.add_heading("Small numbers", level=1)
    _paragraph(
        document,
        f"To keep children from being identified, any count from 1 to {threshold - 1} is shown as <{threshold} and "
        f"a percentage built on it as *. Where a row or column total would let a hidden count be worked out, a "
        f"second count is hidden as well (shown as * when it is {threshold} or more). Percentages and totals were "
        f"worked out from the real figures before anything was hidden, so a column may not add up to its total. "
        f"Charts leave hidden numbers out. 0 means none.",
    )
    document.add_heading("About this pack", level=1)
    _paragraph(
        document,
        f"Produced on {today:%-d %B %Y} by the missing children dashboard of {authority} from police and council "
        f"records of missing, absent and away episodes reported from {period.long_label()}. Filters: "
        f"{_filters_text(filters)}.",
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def pdf_converter() -> str | None:
    """LibreOffice's `soffice` on PATH, or None (then only the Word file can be made)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


NO_CONVERTER = "LibreOffice (soffice) is not installed, so no PDF can be made: run make setup"


def docx_to_pdf(docx: Path, pdf: Path, timeout: int = 300) -> Path:
    """Convert with LibreOffice headless, offline, in a throwaway profile so parallel runs don't clash."""
    soffice = pdf_converter()
    if soffice is None:
        raise PackError(NO_CONVERTER)
    with tempfile.TemporaryDirectory(prefix="pack-soffice-") as folder:
        work = Path(folder)
        command = [
            soffice,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work / "out"),
            str(docx),
        ]
        environment = {**os.environ, "HOME": str(work)}
        try:
            done = subprocess.run(
                command, check=False, capture_output=True, text=True, timeout=timeout, env=environment
            )
        except subprocess.TimeoutExpired:
            raise PackError(f"LibreOffice did not finish converting {docx.name} in {timeout} s") from None
        made = work / "out" / f"{docx.stem}.pdf"
        if done.returncode != 0 or not made.exists():
            raise PackError(f"LibreOffice could not convert {docx.name}: {(done.stderr or done.stdout).strip()}")
        pdf.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(made, pdf)
    return pdf


def build_pack(
    engine_or_episodes: Engine | pd.DataFrame,
    start: date,
    end: date,
    out_path: str | Path,
    filters: dict[str, list[str]] | None = None,
    progress: Progress | None = None,
) -> Path:
    """The committee pack for `start`..`end` at `out_path`: Word when it ends .docx, PDF when .pdf.

    `progress(fraction, text)` is told how far it has got (the app's progress bar)."""
    out_path = Path(out_path)
    suffix = out_path.suffix.lower()
    if suffix not in (".docx", ".pdf"):
        raise ValueError(f"the pack is written as .docx or .pdf, not {out_path.name!r}")
    if start > end:
        raise ValueError(f"the period starts ({start}) after it ends ({end})")
    report = progress or (lambda fraction, text: None)
    report(0.0, "Loading episodes")
    settings = config.settings()
    episodes = _load(engine_or_episodes, settings.authority.lad_codes)
    period = Period(start, end)
    dfe = None if isinstance(engine_or_episodes, pd.DataFrame) else dfe_figures(engine_or_episodes)
    if suffix == ".docx":
        write_docx(episodes, period, out_path, filters, report, dfe=dfe, settings=settings)
    else:
        if pdf_converter() is None:
            raise PackError(NO_CONVERTER)
        with tempfile.TemporaryDirectory(prefix="pack-") as folder:
            docx = write_docx(
                episodes,
                period,
                Path(folder) / f"{out_path.stem}.docx",
                filters,
                lambda f, text: report(0.8 * f, text),
                dfe=dfe,
                settings=settings,
            )
            report(0.8, "Converting to PDF")
            docx_to_pdf(docx, out_path)
    report(1.0, "Done")
    return out_path
