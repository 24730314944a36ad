"""Files that must be refused whole, with the row named, rather than partly read or crashing the import.

Malformed CSV (an unclosed quote, ragged rows, NUL bytes, UTF-16), values
longer than the database holds, files that expand into gigabytes (XLSX zip
bombs, YAML aliases), formulas with no saved value, two SQLite imports at
once, and faults of our own: each is refused or survived with a plain
message and recorded in `imports`.
"""

from __future__ import annotations

import logging
import os
import pwd
import threading
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text

import loaders.episodes as episodes_module
from loaders import canonical
from loaders.database import connect
from loaders.importer import import_file
from loaders.schema import Episode, Import, ImportMessage
from tests.app_support import run_page
from tests.commands import run_module

FIXTURES = Path(__file__).parent / "fixtures"
CLEAN = FIXTURES / "clean.csv"
HEADER = "episode_id,child_id,category,reported_at,missing_from,establishment_name"


def write_csv(tmp_path: Path, *rows: str, name: str = "f.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode(encoding))
    return path


def row(number: int, name: str = "Elm House", child: str | None = None) -> str:
    return f"E{number},{child or f'C{number}'},missing,2015-03-01 14:30,care,{name}"


def messages(result) -> list[str]:
    return [str(m) for m in result.messages]


def count(engine, model) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def recorded(engine) -> list[tuple]:
    with engine.connect() as connection:
        return connection.execute(select(Import.outcome, Import.errors).order_by(Import.import_id)).all()


# ---- malformed CSV ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('a,b\n"x, y",NA\n', {"a": ["x, y"], "b": ["NA"]}),  # NA, NULL, N/A are text, not blanks
        ("a,b\nNULL,N/A\r\n", {"a": ["NULL"], "b": ["N/A"]}),
        ("a,b\n1,2\n\n3,4\n", {"a": ["1", "3"], "b": ["2", "4"]}),  # a blank line keeps the rows' numbers
        (' a , B \n 0042 ,""\n', {"a": ["0042"], "b": [None]}),  # text stays text, headers tidied
        ('a,b\n"x\ny",2\n', {"a": ["x\ny"], "b": ["2"]}),  # a line break inside quotes
        ("a,b,c\n1,2\n", {"a": ["1"], "b": ["2"], "c": [None]}),  # a short row is padded, as it always was
        ("a,b\r1,2\r", {"a": ["1"], "b": ["2"]}),  # old Mac line endings
    ],
)
def test_csv_cells_are_read_as_written(tmp_path, text, expected):
    """The fast reader (pyarrow) and the strict one it falls back to give the same text cells."""
    path = tmp_path / "cells.csv"
    path.write_text(text, encoding="utf-8", newline="")
    cells = canonical.read_csv(path)
    assert {c: [None if pd.isna(v) else v for v in cells[c]] for c in cells} == expected
    assert list(cells.index) == ([2, 4] if "\n\n" in text else [2])


def test_quote_left_open_on_the_last_line_is_refused(tmp_path):
    path = tmp_path / "open.csv"
    path.write_text('a,b\n1,"2', encoding="utf-8")
    with pytest.raises(canonical.UnreadableFile, match="row 2: a quote"):
        canonical.read_csv(path)


def test_unclosed_quote_is_refused_naming_its_row(engine, tmp_path):
    path = write_csv(tmp_path, row(1), row(2, '"Oak House'), row(3))
    result = import_file(engine, path)
    assert result.outcome == "refused"
    assert messages(result) == [
        'f.csv:3:: error: a quote (") opens a cell and is never closed, so the rest of the file would be one cell'
    ]
    assert count(engine, Episode) == 0 and recorded(engine) == [("refused", 1)]


def test_quote_closed_rows_later_is_refused(sqlite_engine, tmp_path):
    path = write_csv(tmp_path, row(1), row(2, '"Oak House'), row(3), row(4, 'Ash House"'), row(5))
    result = import_file(sqlite_engine, path)
    assert messages(result) == [
        (
            "f.csv:3:establishment_name: error: the cell holds line breaks and what look like further rows: "
            'a quote (") is probably not closed'
        )
    ]
    stray = write_csv(tmp_path, row(1), row(2, '"Oak House'), row(3), row(4, 'Ash" House'), name="stray.csv")
    assert messages(import_file(sqlite_engine, stray)) == [
        "stray.csv:3:: error: a quoted cell has more text after its closing quote: "
        'a stray quote ("), or one never closed'
    ]


def test_a_line_break_in_a_quoted_cell_still_lands(sqlite_engine, tmp_path):
    path = write_csv(tmp_path, row(1, '"Oak House\nAnnex"'), row(2))
    result = import_file(sqlite_engine, path)
    assert result.outcome == "landed" and result.rows == 2, messages(result)


def test_ragged_rows_are_refused_naming_each_row(sqlite_engine, tmp_path):
    path = write_csv(tmp_path, row(1), row(2) + ",extra", row(3), "E4,C4,missing,2015-03-01 14:30", row(5))
    result = import_file(sqlite_engine, path)
    why = "a missing or extra comma, or an unquoted comma in a value"
    assert messages(result) == [
        f"f.csv:3:: error: the row has 7 cells but the header has 6: {why}",
        f"f.csv:5:: error: the row has 4 cells but the header has 6: {why}",
    ]
    assert count(sqlite_engine, Episode) == 0


def test_trailing_blank_cells_and_a_bom_still_land(sqlite_engine, tmp_path):
    path = write_csv(tmp_path, row(1) + ",,", row(2), row(3) + ",", encoding="utf-8-sig")
    result = import_file(sqlite_engine, path)
    assert result.outcome == "landed" and result.rows == 3, messages(result)


def test_nul_byte_is_refused_naming_its_row_and_column(sqlite_engine, tmp_path):
    path = write_csv(tmp_path, row(1), row(2, "Oak\x00House"), row(3))
    result = import_file(sqlite_engine, path)
    assert messages(result) == [
        "f.csv:3:establishment_name: error: the cell holds a NUL byte (\\0): the file is damaged or not plain text"
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])  # with and without a byte-order mark
def test_utf16_is_refused_with_an_encoding_message(sqlite_engine, tmp_path, encoding):
    path = write_csv(tmp_path, row(1), row(2), encoding=encoding)
    result = import_file(sqlite_engine, path)
    assert messages(result) == [
        (
            "f.csv::: error: cannot read file: the file is UTF-16 encoded: "
            "save it as 'CSV UTF-8 (comma delimited)' and import that"
        )
    ]


def test_a_ragged_million_messages_are_cut_to_a_hundred(sqlite_engine, tmp_path):
    path = write_csv(tmp_path, *[row(n) + ",x" for n in range(1, 151)])
    result = import_file(sqlite_engine, path)
    assert len(result.errors) == 101
    assert str(result.messages[-1]) == "f.csv::: error: 50 more rows with problems like these"


# ---- lengths from the schema --------------------------------------------------------------------


def test_values_longer_than_their_columns_are_refused_naming_the_cell(engine, tmp_path):
    long_header = "n" * 150
    path = tmp_path / "long.csv"
    path.write_text(
        f"{HEADER},{long_header}\n"
        f"{row(1, child='C' * 65)},x\n{row(2, 'H' * 201)},x\nE{'9' * 64},C3,missing,2015-03-01 14:30,care,,x\n"
    )
    result = import_file(engine, path, user="tester")
    assert [str(m) for m in result.errors] == [
        "long.csv:2:child_id: error: the value has 65 characters, more than the 64 a child_id may hold",
        "long.csv:3:establishment_name: error: the value has 201 characters, more than the 200 a establishment_name "
        "may hold",
        "long.csv:4:episode_id: error: the value has 65 characters, more than the 64 a episode_id may hold",
    ]
    assert count(engine, Episode) == 0 and recorded(engine) == [("refused", 3)]
    with engine.connect() as connection:  # the 150-character unknown header is recorded, cut to its column
        columns = connection.execute(select(ImportMessage.column).where(ImportMessage.severity == "warning")).scalars()
        assert list(columns) == ["n" * 100]


def test_megabyte_cell_is_refused_naming_its_row(sqlite_engine, tmp_path):
    path = write_csv(tmp_path, row(1), row(2, "x" * 1_000_000))
    result = import_file(sqlite_engine, path)
    assert messages(result) == [
        "f.csv:3:establishment_name: error: the cell holds 1,000,000 characters, more than 32,767"
    ]


def test_too_many_rows_are_refused(sqlite_engine, tmp_path, monkeypatch):
    monkeypatch.setattr(canonical, "LIMITS", canonical.ReadLimits(max_rows=3))
    path = write_csv(tmp_path, *[row(n) for n in range(1, 5)])
    assert messages(import_file(sqlite_engine, path)) == [
        "f.csv::: error: cannot read file: the file has 4 rows, more than the 3 one import may hold"
    ]


def test_name_like_child_id_is_a_warning(sqlite_engine, tmp_path):
    path = write_csv(tmp_path, row(1, child="John Smith"), row(2, child="Mary-Jane O'Brien"), row(3, child="C0003"))
    result = import_file(sqlite_engine, path)
    assert result.outcome == "landed"
    assert messages(result) == [
        "f.csv:2:child_id: warning: child_id 'John Smith' looks like a person's name: ids must be pseudonymous",
        "f.csv:3:child_id: warning: child_id 'Mary-Jane O'Brien' looks like a person's name: ids must be pseudonymous",
    ]


# ---- XLSX ---------------------------------------------------------------------------------------


def workbook(tmp_path: Path, *rows: list[object], name: str = "f.xlsx") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    for values in rows:
        sheet.append(values)
    path = tmp_path / name
    book.save(path)
    return path


def xlsx_row(number: int, name: object = "Elm House") -> list[object]:
    return [f"E{number}", f"C{number}", "missing", "2015-03-01 14:30", "care", name]


def test_xlsx_bomb_is_refused_before_parsing(sqlite_engine, tmp_path):
    """One cell of 3 million characters, a few KB compressed (the bombs seen were the same at 200 MB and 1 GB)."""
    made = workbook(tmp_path, xlsx_row(1, "PLACEHOLDER"), name="made.xlsx")
    path = tmp_path / "f.xlsx"
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            content = source.read(item)
            content = content.replace(b"PLACEHOLDER", b"A" * 3_000_000)
            bomb.writestr(item, content, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 100_000
    result = import_file(sqlite_engine, path)
    assert len(result.messages) == 1
    assert str(result.messages[0]).startswith(
        "f.xlsx::: error: cannot read file: the workbook part xl/worksheets/sheet1.xml expands"
    )
    assert "refused as unsafe" in str(result.messages[0])


def test_xlsx_over_the_uncompressed_size_is_refused(sqlite_engine, tmp_path, monkeypatch):
    path = workbook(tmp_path, xlsx_row(1))
    monkeypatch.setattr(canonical, "LIMITS", canonical.ReadLimits(max_xlsx_bytes=2_000))
    [message] = messages(import_file(sqlite_engine, path))
    assert message.startswith("f.xlsx::: error: cannot read file: the workbook expands to ")
    assert message.endswith("bytes, more than the 2,000 allowed")


def test_xlsx_cell_over_the_limit_is_refused_naming_it(sqlite_engine, tmp_path, monkeypatch):
    monkeypatch.setattr(canonical, "LIMITS", canonical.ReadLimits(max_cell_chars=20))
    path = workbook(tmp_path, xlsx_row(1), xlsx_row(2, "Oak House for twenty-one"))
    assert messages(import_file(sqlite_engine, path)) == [
        "f.xlsx:3:establishment_name: error: the cell holds 24 characters, more than 20"
    ]


def test_xlsx_formula_without_saved_value_is_an_error(sqlite_engine, tmp_path):
    path = workbook(tmp_path, xlsx_row(1), xlsx_row(2, '=CONCAT("Oak", " House")'))  # openpyxl saves no value
    result = import_file(sqlite_engine, path)
    assert messages(result) == [
        (
            "f.xlsx:3:establishment_name: error: a formula with no saved value: "
            "open the file in Excel, save it, and import it again"
        )
    ]


# ---- YAML mappings ------------------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_yaml_mapping_with_aliases_is_refused_at_once(sqlite_engine, tmp_path):
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]" for i in range(8)]
    mapping = tmp_path / "bomb.yaml"
    mapping.write_text("\n".join(levels) + "\ncolumns: *i\n")
    started = time.monotonic()
    result = import_file(
        sqlite_engine, EXAMPLES / "police_export.csv", "police", mapping=mapping, mapping_name="bomb.yaml"
    )
    assert time.monotonic() - started < 5
    [message] = messages(result)
    assert message.startswith("bomb.yaml::: error: cannot read mapping file: ")
    assert "anchors and aliases (&name, *name) are not allowed in a mapping file" in message


# ---- two imports at once, and faults of our own ----------------------------------------------------


def test_two_sqlite_imports_at_once_both_land(tmp_path):
    """The second starts while the first holds the write lock, which it keeps 6 s after the second is
    about to write (sqlite3 gives up after 5 s by default): the second waits, then lands."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first_engine, second_engine = connect(url), connect(url)
    first_writing, second_writing = threading.Event(), threading.Event()
    results = {}

    def hold_lock(fraction: float, stage: str) -> None:
        if stage.startswith("writing episodes"):  # inside the first's write transaction
            first_writing.set()
            second_writing.wait(30)
            time.sleep(6)

    def about_to_write(fraction: float, stage: str) -> None:
        if stage == "comparing with the database":
            second_writing.set()

    def first() -> None:
        results["first"] = import_file(first_engine, CLEAN, progress=hold_lock)

    def second() -> None:
        first_writing.wait(30)
        other = write_csv(tmp_path, row(7), row(8), name="b.csv")
        results["second"] = import_file(second_engine, other, progress=about_to_write)

    both_land(results, first, second)
    assert count(first_engine, Episode) == 7 and recorded(first_engine) == [("landed", 0), ("landed", 0)]
    first_engine.dispose()
    second_engine.dispose()


def test_two_first_imports_at_once_both_land(engine, tmp_path):
    """Two imports into empty tables, both past reading and checking before either writes: a first import
    drops the tables' indexes (on PostgreSQL also foreign keys), which must not deadlock with the other's
    read of the same table. Imports take turns at their write transaction; both land."""
    both_checked = threading.Barrier(2, timeout=30)
    results = {}

    def meet(fraction: float, stage: str) -> None:
        if stage == "comparing with the database":
            both_checked.wait()

    def run(name: str, path: Path) -> None:
        results[name] = import_file(engine, path, progress=meet)

    other = write_csv(tmp_path, row(7), row(8), name="b.csv")
    both_land(results, lambda: run("first", CLEAN), lambda: run("second", other))
    assert count(engine, Episode) == 7


def both_land(results: dict, first, second) -> None:
    """Run the two imports in threads at once; both must land (`results` holds them as "first" and "second")."""
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results["first"].outcome == "landed", messages(results["first"])
    assert results["second"].outcome == "landed", messages(results["second"])


def break_children_table(engine) -> None:
    """A real fault below the importer: the table children are written to is gone."""
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE children RENAME TO children_gone"))


def test_unexpected_failure_is_logged_recorded_and_plain(engine, caplog):
    break_children_table(engine)
    with caplog.at_level(logging.ERROR, logger="loaders.importer"):
        result = import_file(engine, CLEAN, user="tester")
    assert result.outcome == "refused" and result.import_id is not None
    assert messages(result) == [
        (
            "clean.csv::: error: the import failed unexpectedly and nothing was written; "
            "the details are in the application log"
        )
    ]
    assert recorded(engine) == [("refused", 1)]
    assert "import of clean.csv failed unexpectedly" in caplog.text and caplog.records[0].exc_info


def test_cli_failure_is_plain_and_logged_to_the_file(sqlite_engine, tmp_path):
    break_children_table(sqlite_engine)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    log_file = tmp_path / "missing.log"
    done = run_module("loaders", "import", str(CLEAN), database_url=url, env={"MISSING_LOG_FILE": str(log_file)})
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == (
        f"{CLEAN}::: error: the import failed unexpectedly and nothing was written; "
        "the details are in the application log"
    )
    assert "Traceback" not in done.stdout + done.stderr and "children" not in done.stdout + done.stderr
    assert "Traceback" in log_file.read_text()


def test_cli_records_the_operating_system_user_not_the_environment(sqlite_engine):
    url = sqlite_engine.url.render_as_string(hide_password=False)
    done = run_module("loaders", "import", str(CLEAN), database_url=url, env={"USER": "mallory", "LOGNAME": "mallory"})
    assert done.returncode == 0, done.stdout + done.stderr
    with sqlite_engine.connect() as connection:
        assert connection.execute(select(Import.imported_by)).scalar_one() == pwd.getpwuid(os.getuid()).pw_name


def test_import_page_failure_at_confirm_is_plain_and_recorded(tmp_path, monkeypatch):
    """The check passes (it writes nothing); landing fails in the database: a plain message, never an exception box."""
    url = f"sqlite:///{tmp_path / 'page.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(episodes_module, "_arrow_episodes", lambda engine: None)
    engine = connect(url)
    with engine.begin() as connection:  # a real fault at write time only: the app can still read
        connection.execute(
            text("CREATE TRIGGER refuse BEFORE INSERT ON episodes BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
        )
    at = run_page("ui/pages/import_data.py", "admin")
    at.file_uploader(key="import_file_canonical").upload("clean.csv", CLEAN.read_bytes(), "text/csv").run()
    assert not at.exception and {m.label: m.value for m in at.metric}["Errors"] == "0"
    at.button(key="import_confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error[0].value.startswith("Import refused: refused: 0 rows")
    shown = next(d.value for d in at.dataframe if "severity" in d.value.columns)  # the preview stays above
    assert shown["text"].tolist() == [
        "the import failed unexpectedly and nothing was written; the details are in the application log"
    ]
    assert recorded(engine) == [("dry_run", 0), ("refused", 1)]
    engine.dispose()
