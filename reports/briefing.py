"""The child's briefing as one A4 page, Word and PDF (child-level: analysts only, every briefing audited).

Laid out with the committee pack's document pieces (python-docx, LibreOffice
for the PDF) so both papers look alike; marked OFFICIAL-SENSITIVE because it
is about one child. It names no other child than the child's associates.
"""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

import config
from charts.briefing import months_chart
from charts.export import png_bytes
from config.canonical import NOT_KNOWN
from metrics.attention import AttentionSettings
from metrics.briefing import Briefing, child_briefing
from reports.pack import (
    CONTENT_WIDTH,
    HEADER_SHADE,
    NO_CONVERTER,
    PackError,
    _new_document,
    _shade,
    docx_to_pdf,
    format_cell,
    pdf_converter,
)

MARKING = "OFFICIAL-SENSITIVE"
SMALL = Pt(8)
BODY = Pt(9)


def _words(value: object) -> str:
    return str(value).replace("_", " ")


def _mini_table(cell_or_document, table: pd.DataFrame, headers: dict[str, str], empty: str) -> None:
    """A compact table (8 pt, shaded header) inside a layout cell or the document; a sentence when empty."""
    if table.empty:
        paragraph = cell_or_document.add_paragraph(empty)
        paragraph.runs[0].font.size = SMALL
        return
    grid = cell_or_document.add_table(rows=1, cols=len(headers))
    grid.style = "Table Grid"
    for cell, label in zip(grid.rows[0].cells, headers.values(), strict=True):
        cell.text = label
        cell.paragraphs[0].runs[0].bold = True
        _shade(cell, HEADER_SHADE)
    for record in table[list(headers)].itertuples(index=False):
        cells = grid.add_row().cells
        for cell, value, column in zip(cells, record, headers, strict=True):
            if isinstance(value, date):
                cell.text = f"{value:%d %b %Y}"
            else:
                cell.text = _words(value) if isinstance(value, str) else format_cell(value, column)
    for row in grid.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.space_after = Pt(0)
                for run in paragraph.runs:
                    run.font.size = SMALL


def _heading(container, text: str) -> None:
    paragraph = container.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(3)
    paragraph.paragraph_format.space_after = Pt(1)
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(9.5)


def _line(container, text: str, size: Pt = BODY) -> None:
    paragraph = container.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(2)
    paragraph.add_run(text).font.size = size


def facts_sentence(briefing: Briefing) -> str:
    f = briefing.facts
    placement = f"{f['missing_from']}" + (
        f" ({_words(f['placement_type'])})" if f["placement_type"] != NOT_KNOWN else ""
    )
    where = f", {f['establishment']}" if f["establishment"] != NOT_KNOWN else ""
    return (
        f"{_words(f['sex']).capitalize()}, age {f['age_band']}, {f['ethnic_group']} ({f['ethnicity']}), "
        f"from {placement}{where}. {f['episodes_in_period']} episodes in the 12 months "
        f"({f['episodes']} since {f['first_reported']:%B %Y})."
    )


def write_docx(briefing: Briefing, path: Path, produced_by: str, authority: str, today: date | None = None) -> Path:
    today = today or date.today()
    document = _new_document(authority)
    section = document.sections[0]
    section.top_margin = section.bottom_margin = Mm(12)
    section.left_margin = section.right_margin = Mm(15)
    section.header.paragraphs[0].text = MARKING
    section.header.paragraphs[0].runs[0].bold = True
    section.footer.paragraphs[0].runs[0].text = f"{MARKING}    Page "
    document.styles["Normal"].font.size = Pt(9)
    document.styles["Normal"].paragraph_format.space_after = Pt(2)

    first, last = briefing.period
    title = document.add_paragraph()
    title.add_run(f"Briefing: child {briefing.child_id}").bold = True
    title.runs[0].font.size = Pt(15)
    _line(
        document,
        f"12 months {first:%-d %B %Y} to {last:%-d %B %Y}. {authority}. Produced {today:%-d %B %Y} by "
        f"{produced_by} for the CSE & Missing Operational Group; do not copy or forward.",
        Pt(8),
    )
    _line(document, facts_sentence(briefing))

    reasons = [f"{_words(r.trigger)} (first {r.first_met:%d %b %Y})" for r in briefing.alerts.itertuples()]
    escalation = [f"{r.reason} (from {r.first_met:%d %b %Y})" for r in briefing.escalation.itertuples()]
    _line(document, "Alerts met: " + ("; ".join(reasons) or "none") + ".")
    _line(document, "Getting worse: " + ("; ".join(escalation) or "no escalation reason") + ".")

    png = png_bytes(months_chart(briefing.by_month, title="Episodes by month"), scale=2)
    document.add_picture(io.BytesIO(png), width=CONTENT_WIDTH - Mm(10))
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    layout = document.add_table(rows=2, cols=2)
    left, right = layout.rows[0].cells
    _heading(left, "How long (episodes)")
    _mini_table(left, briefing.durations, {"band": "Duration", "episodes": "Episodes"}, "No episode.")
    _heading(right, "Time of day reported (episodes)")
    _mini_table(right, briefing.times_of_day, {"band": "Time", "episodes": "Episodes"}, "No episode.")
    left, right = layout.rows[1].cells
    _heading(left, "Where found most often")
    _mini_table(
        left,
        briefing.found,
        {"place": "Postcode sector", "episodes": "Episodes", "median_miles": "Median miles"},
        "No found postcode recorded.",
    )
    _heading(right, "Associates (missing or found together)")
    _mini_table(
        right,
        briefing.associates,
        {
            "associate": "Child",
            "missing_together": "Missing together",
            "found_together": "Found together",
            "first_linked": "Since",
        },
        "No associate known.",
    )

    _heading(document, "Return interviews and what the child told us")
    outcomes = "; ".join(f"{r.outcome} {r.episodes}" for r in briefing.interviews.itertuples()) or "none due"
    _line(document, f"Outcomes of interviews due: {outcomes}.")
    themes = (
        briefing.themes.groupby("theme", sort=False).apply(
            lambda t: ", ".join(f"{v} ({n})" for v, n in zip(t["value"], t["interviews"], strict=True)),
            include_groups=False,
        )
        if len(briefing.themes)
        else pd.Series(dtype=object)
    )
    _line(
        document,
        "; ".join(f"{k.capitalize()}: {v}" for k, v in themes.items()) + "."
        if len(themes)
        else "No push or pull factors or disclosures recorded at completed interviews.",
    )

    _heading(document, "Risk history (latest episodes first)")
    _mini_table(
        document,
        briefing.risk_history,
        {
            "reported": "Reported",
            "category": "Category",
            "police_risk": "Police risk",
            "rag": "RAG",
            "duration": "Duration",
            "found_in": "Found in",
            "exploitation": "CSE/CCE",
            "interview": "Interview",
        },
        "No episode.",
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def briefing_file(briefing: Briefing, suffix: str, produced_by: str, authority: str) -> bytes:
    """The briefing as the bytes of a .docx or .pdf file (the app's download)."""
    with tempfile.TemporaryDirectory(prefix="briefing-") as folder:
        docx = write_docx(briefing, Path(folder) / f"{briefing.child_id}.docx", produced_by, authority)
        if suffix == ".docx":
            return docx.read_bytes()
        if pdf_converter() is None:
            raise PackError(NO_CONVERTER)
        return docx_to_pdf(docx, Path(folder) / f"{briefing.child_id}.pdf").read_bytes()


def build_briefing(episodes: pd.DataFrame, child_id: str, as_of: date, out_path: str | Path, produced_by: str) -> Path:
    """The briefing at `out_path`, Word when it ends .docx, PDF when .pdf. KeyError for an unknown child."""
    out_path = Path(out_path)
    if out_path.suffix.lower() not in (".docx", ".pdf"):
        raise ValueError(f"the briefing is written as .docx or .pdf, not {out_path.name!r}")
    settings = config.settings()
    briefing = child_briefing(episodes, child_id, as_of, AttentionSettings.from_settings(settings))
    authority = settings.authority.name
    if out_path.suffix.lower() == ".docx":
        return write_docx(briefing, out_path, produced_by, authority)
    if pdf_converter() is None:
        raise PackError(NO_CONVERTER)
    with tempfile.TemporaryDirectory(prefix="briefing-") as folder:
        docx = write_docx(briefing, Path(folder) / f"{out_path.stem}.docx", produced_by, authority)
        return docx_to_pdf(docx, out_path)
