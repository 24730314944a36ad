"""The committee pack built from a small generated sample, read back as a committee member gets it.

The Word file is opened with python-docx (tables cell by cell, every part's
text) and the PDF with poppler's pdfinfo and pdftotext: no count from 1 to 4
in any table, no child or episode id anywhere, charts and tables present.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from sqlalchemy import select

from loaders.audit import operating_system_user
from loaders.database import connect
from loaders.episodes import load_episodes
from loaders.schema import AuditEntry
from metrics.filters import select_episodes
from metrics.return_interviews import date_only_eligible
from reports.pack import SECTIONS, build_pack, gives_away_four_to_five
from sample_data.build import build
from tests.app_support import run_page
from tests.commands import run_module
from tests.support import build_database, make_episodes

START, END = date(2014, 10, 1), date(2015, 4, 30)
PERIOD = ["--from", START.isoformat(), "--to", END.isoformat()]
SMALL_COUNT = re.compile(r"^[1-4]$")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """A 3,000-episode sample database: small enough to be quick, sparse enough to have small cells."""
    path = tmp_path_factory.mktemp("pack") / "sample.db"
    url = f"sqlite:///{path}"
    engine = connect(url)
    build(engine, episodes=3000)
    episodes = load_episodes(engine)
    engine.dispose()
    return url, episodes


@pytest.fixture(scope="module")
def pack(sample, tmp_path_factory) -> Path:
    _, episodes = sample
    return build_pack(episodes, START, END, tmp_path_factory.mktemp("docx") / "pack.docx")


def table_cells(path: Path) -> list[str]:
    return [cell.text.strip() for table in Document(path).tables for row in table.rows for cell in row.cells]


def all_text(path: Path) -> str:
    """Every XML part of the .docx (body, headers, footers, properties), tags and all."""
    with zipfile.ZipFile(path) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8", "replace") for name in archive.namelist() if name.endswith(".xml")
        )


def identifiers(sample) -> set[str]:
    _, episodes = sample
    return set(episodes["child_id"].astype(str)) | set(episodes["episode_id"].astype(str))


def assert_no_identifiers(text: str, ids: set[str]) -> None:
    leaked = set(re.findall(r"[A-Za-z0-9_]+", text)) & ids
    assert not leaked, sorted(leaked)[:10]


def test_docx_has_charts_tables_and_every_section(pack):
    document = Document(pack)
    assert len(document.inline_shapes) >= 6
    assert len(document.tables) >= 4
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for expected in ["Summary", *(section.heading for section in SECTIONS), "Definitions", "Small numbers"]:
        assert expected in headings
    assert headings[:2] == ["Findings", "Summary"]  # the findings are the first page after the title
    assert "How do we compare? National figures" in headings


def test_docx_compares_the_year_ending_march_with_the_dfe(pack):
    """The pack's period ends 30 April 2015: the year ending 31 March 2015 is compared, with SFR34/2015."""
    document = Document(pack)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "in the year ending 31 March 2015" in text
    assert "DfE figures for the same year, ending 31 March 2015." in text
    assert "Police 'absent' episodes have no DfE equivalent" in text
    assert "Open Government Licence v3.0" in text
    table = next(t for t in document.tables if t.rows[0].cells[-1].text == "Statistical neighbours")
    header = [cell.text for cell in table.rows[0].cells]
    assert header[2:] == ["Birmingham City Council (DfE)", "West Midlands", "England", "Statistical neighbours"]
    by_measure = {row.cells[0].text: [cell.text for cell in row.cells[1:]] for row in table.rows[1:]}
    # SFR34/2015 as published: Birmingham 65 children, 228 incidents; England 6,110
    assert by_measure["Missing: Children with at least one incident"][1:3] == ["65", "610"]
    assert by_measure["Missing: Incidents"][1] == "228"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Birmingham City Council" in text and "1 October 2014 to 30 April 2015" in text
    assert "OFFICIAL" in document.sections[0].header.paragraphs[0].text
    every_width = [shape.width for shape in document.inline_shapes]
    assert max(every_width) <= document.sections[0].page_width - 2 * document.sections[0].left_margin


def test_docx_tables_have_no_small_counts_but_do_suppress(pack):
    cells = table_cells(pack)
    assert not [cell for cell in cells if SMALL_COUNT.match(cell.replace(",", ""))]
    assert "<5" in cells  # the sparse sample has small cells: suppression really ran


def test_findings_page_has_no_small_counts(pack):
    """Section 9's findings in the pack: sentences, each count from 1 to 4 written `fewer than 5`."""
    paragraphs = [p for p in Document(pack).paragraphs]
    start = next(i for i, p in enumerate(paragraphs) if p.text == "Findings")
    end = next(i for i, p in enumerate(paragraphs) if p.text == "Summary")
    bullets = [p.text for p in paragraphs[start + 1 : end] if p.style.name == "List Bullet"]
    assert 1 <= len(bullets) <= 8
    dates = re.compile(r"\b\d{1,2} [A-Z][a-z]{2} \d{4}\b")
    for text in bullets:
        assert not re.search(r"(?<![\w.])(?<!\d,)[1-4](?![\w%]|\.\d|,\d)", dates.sub("", text)), text


def test_docx_names_no_child_or_episode(pack, sample):
    assert_no_identifiers(all_text(pack), identifiers(sample))


def test_filtered_pack_of_one_home_stays_safe(sample, tmp_path):
    """One children's home over a short period: nearly every number is small."""
    _, episodes = sample
    home = episodes["establishment_id"].dropna().value_counts().index[0]
    path = build_pack(episodes, START, END, tmp_path / "home.docx", filters={"establishment_id": [home]})
    cells = table_cells(path)
    assert not [cell for cell in cells if SMALL_COUNT.match(cell.replace(",", ""))]
    assert "<5" in cells
    assert_no_identifiers(all_text(path), identifiers(sample))


def test_childrens_homes_section_keeps_the_users_filter(sample, tmp_path):
    """Kinship placements asked for: the residential homes section must be empty, not every home."""
    _, episodes = sample
    path = build_pack(episodes, START, END, tmp_path / "kinship.docx", filters={"placement_type": ["kinship"]})
    homes = [table for table in Document(path).tables if table.rows[0].cells[0].text == "Home"]
    assert len(homes) == 1 and len(homes[0].rows) == 1


def test_empty_period_still_makes_a_pack(sample, tmp_path):
    _, episodes = sample
    path = build_pack(episodes, date(2030, 1, 1), date(2030, 3, 31), tmp_path / "empty.docx")
    assert len(Document(path).tables) >= 4


def require_tools(*names: str) -> None:
    """Fail, not skip, when a program `make setup` installs is missing: a new machine must run every test."""
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: run make setup")


def pdf_fonts(path: Path) -> list[tuple[str, bool]]:
    """(font name without its subset prefix, embedded?) for every font poppler's pdffonts lists."""
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    header, rule = lines[0], lines[1]
    columns = [match.span() for match in re.finditer(r"-+", rule)]
    emb = next(i for i, (start, end) in enumerate(columns) if header[start:end].strip() == "emb")
    fonts = []
    for line in lines[2:]:
        cells = [line[start:end].strip() for start, end in columns]
        fonts.append((cells[0].split("+")[-1], cells[emb] == "yes"))
    return fonts


def test_cli_writes_a_pdf_and_audits_it(sample, tmp_path):
    require_tools("soffice", "pdfinfo", "pdftotext", "pdffonts")
    url, _ = sample
    out = tmp_path / "pack.pdf"
    done = run_module(
        "reports", "pack", *PERIOD, "--out", str(out), database_url=url, env={"USER": "clerk", "LOGNAME": "clerk"}
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"^Pages:\s+(\d+)", info, flags=re.MULTILINE).group(1)) >= 10
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    words = " ".join(text.split())  # where a line wraps depends on the font's widths: read the words in order
    assert "Children missing from home and care" in words and "Page 1 of" in words
    assert_no_identifiers(text, identifiers(sample))
    # The pack names Arial; LibreOffice must find it or its metric-compatible Liberation Sans (fonts-liberation2),
    # not fall back to a wider font that moves every line and page break.
    fonts = pdf_fonts(out)
    assert fonts and all(embedded for _, embedded in fonts), fonts
    # OpenSymbol (LibreOffice's own) draws only the findings' bullet marks
    assert {name for name, _ in fonts if not name.startswith(("Arial", "LiberationSans", "OpenSymbol"))} == set(), fonts
    engine = connect(url)
    with engine.connect() as connection:
        rows = connection.execute(select(AuditEntry.user_name, AuditEntry.action, AuditEntry.subject)).all()
    engine.dispose()
    assert (operating_system_user(), "export", "committee pack pack.pdf") in rows  # not $USER: anyone can set it


def test_cli_writes_a_docx(sample, tmp_path):
    url, _ = sample
    out = tmp_path / "pack.docx"
    done = run_module("reports", "pack", *PERIOD, "--out", str(out), "--filter", "missing_from=care", database_url=url)
    assert done.returncode == 0, done.stderr
    assert "missing from = care" in "\n".join(p.text for p in Document(out).paragraphs)


@pytest.mark.parametrize(
    "args",
    [
        [*PERIOD, "--out", "pack.txt"],  # neither .docx nor .pdf
        ["--from", "2015-04-30", "--to", "2014-10-01", "--out", "pack.docx"],  # backwards
        ["--from", "2015-13-01", "--to", "2015-12-31", "--out", "pack.docx"],  # not a date
        [*PERIOD, "--out", "pack.docx", "--filter", "colour=blue"],  # unknown filter key
        [*PERIOD],  # no --out
    ],
)
def test_cli_bad_usage_exits_2(args, sample, tmp_path):
    url, _ = sample
    done = run_module("reports", "pack", *args, database_url=url)
    assert done.returncode == 2, done.stderr


def test_cli_without_libreoffice_says_run_make_setup(sample, tmp_path):
    url, _ = sample
    done = run_module(
        "reports", "pack", *PERIOD, "--out", str(tmp_path / "pack.pdf"), database_url=url, env={"PATH": "/nonexistent"}
    )
    assert done.returncode == 1
    assert "run make setup" in done.stderr
    assert not (tmp_path / "pack.pdf").exists()


def episodes_per_child(counts: dict[str, int]) -> pd.DataFrame:
    rows = [(f"{child}-{n}", child) for child, episodes in counts.items() for n in range(episodes)]
    return pd.DataFrame(rows, columns=["episode_id", "child_id"])


@pytest.mark.parametrize(
    "four_or_five, three, six, expected",
    [
        (3, 5, 6, True),  # 9 persistent - 6 shown in 6-8 = 3 children with 4-5 episodes: hide it
        (5, 5, 6, False),  # 5 with 4-5 episodes is not small
        (0, 5, 6, False),  # none: a true zero
        (3, 0, 6, False),  # band 3-5 is small, so 6-8 is hidden beside it: nothing to subtract
    ],
)
def test_persistent_runaways_hidden_when_they_give_away_a_small_number(four_or_five, three, six, expected):
    counts = {f"A{i}": 4 for i in range(four_or_five)} | {f"B{i}": 3 for i in range(three)}
    counts |= {f"C{i}": 6 for i in range(six)} | {f"D{i}": 1 for i in range(10)}
    assert gives_away_four_to_five(episodes_per_child(counts), four_or_five + six, 5) is expected


def test_page_builds_the_pack_for_a_viewer_and_audits_it(tmp_path, monkeypatch):
    url = build_database(tmp_path / "app.db")
    monkeypatch.setenv("DATABASE_URL", url)
    engine = connect(url)
    try:
        at = run_page("ui/pages/committee_pack.py", "viewer", {"from": "2015-03-01", "to": "2015-03-31"})
        assert at.title[0].value == "Committee pack"
        assert not at.get("download_button")
        at.button[0].click().run(timeout=300)
        assert not at.exception, [e.value for e in at.exception]
        labels = [button.proto.label for button in at.get("download_button")]
        assert "Download Word (.docx)" in labels
        if shutil.which("soffice"):
            assert "Download PDF" in labels
        with engine.connect() as connection:
            rows = connection.execute(select(AuditEntry.action, AuditEntry.subject, AuditEntry.filters)).all()
    finally:
        engine.dispose()
    assert [(action, subject) for action, subject, _ in rows] == [("export", "committee pack")]
    assert '"from": "2015-03-01"' in rows[0][2]


def paragraphs(path: Path) -> list[str]:
    return [p.text for p in Document(path).paragraphs]


def test_return_interviews_section_says_how_many_episodes_have_a_date_only_time(pack, sample):
    _, episodes = sample
    with_date_only, eligible = date_only_eligible(select_episodes(episodes, START, END))
    assert with_date_only >= 5 and eligible - with_date_only >= 5  # the sample has some, and shows them exactly
    text = paragraphs(pack)
    note = f"{with_date_only:,} of these {eligible:,} episodes have a date-only time"
    found = [i for i, p in enumerate(text) if p.startswith(note)]
    assert len(found) == 1, note
    section = max(i for i, p in enumerate(text[: found[0]]) if p == "Return interviews")
    assert "time limit in doubt counts against the deadline" in text[found[0]] and found[0] > section
    assert any(p.startswith("Date-only times: A date given without a time") for p in text)  # in the definitions


def test_date_only_note_in_the_pack_reads_fewer_than_5(tmp_path):
    """Six returned episodes, two of them with a date-only return: the pack never prints the 2."""
    episodes = make_episodes(
        *[{"reported_at": f"2015-03-0{d} 10:00", "returned_at": f"2015-03-0{d} 18:00"} for d in range(1, 5)],
        *[{"reported_at": f"2015-03-0{d} 10:00", "returned_at": f"2015-03-0{d + 1}"} for d in (5, 6)],
    )
    path = build_pack(episodes, date(2015, 3, 1), date(2015, 3, 31), tmp_path / "small.docx")
    notes = [p for p in paragraphs(path) if "date-only time (" in p]
    assert notes == [
        (
            "Fewer than 5 of these 6 episodes have a date-only time (a date with no time of day): "
            "a time limit in doubt counts against the deadline and for the alert."
        )
    ]


def test_interview_content_section_has_a_table_for_each_kind(pack):
    """Who held the interviews, why late, push, pull, disclosures, follow-up: each a suppressed table."""
    document = Document(pack)
    headings = [table.rows[0].cells[0].text for table in document.tables]
    for heading in (
        "Who held the interview",
        "Why late interviews were late",
        "Push factors",
        "Pull factors",
        "Disclosures",
        "Follow-up",
    ):
        assert heading in headings
    disclosures = next(t for t in document.tables if t.rows[0].cells[0].text == "Disclosures")
    bands = [row.cells[0].text for row in disclosures.rows[1:]]
    assert bands[0] == "Sexual exploitation (CSE)" and bands[-1] == "Not recorded"
