"""Reading the canonical import file (domain.md section 3) into DataFrames.

`read_table` gives every cell as stripped text (None for blank), indexed by
spreadsheet row (header = row 1) so messages can point at the row a data
officer sees. `parse` turns that text into typed columns without refusing
anything: an unparseable cell becomes missing, and `loaders.validation`
compares text and typed values to say what was wrong. The parsed frame then
splits into episodes, children and establishments for the store.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from config.canonical import (
    BOOLEAN_WORDS,
    CANONICAL_COLUMNS,
    DATETIME_COLUMNS,
    MULTI_VALUE_SEPARATOR,
    MULTI_VALUE_VOCABULARIES,
    VOCABULARIES,
)
from loaders.postcodes import POSTCODE_PATTERN, resolve

REQUIRED_COLUMNS = ("episode_id", "child_id", "category", "reported_at", "missing_from")
DATE_COLUMNS = ("date_of_birth",)
BOOLEAN_COLUMNS = ("out_of_area", "cse_concern", "cce_concern")
POSTCODE_COLUMNS = ("from_postcode", "found_postcode")
CHILD_COLUMNS = ("sex", "date_of_birth", "ethnicity")

# (format, date only), tried in order on the cells still unparsed.
_ISO_FORMATS = (("%Y-%m-%d %H:%M", False), ("%Y-%m-%d %H:%M:%S", False), ("%Y-%m-%d", True))
_UK_FORMATS = (("%d/%m/%Y %H:%M", False), ("%d/%m/%Y %H:%M:%S", False), ("%d/%m/%Y", True))
_EARLIEST = pd.Timestamp("1900-01-01")


@dataclass(frozen=True)
class ReadLimits:
    """How big a file may be once read, so a small file cannot expand into gigabytes of memory.

    Checked before (XLSX zip members) and while reading; a file beyond any
    limit is refused with a message, never partly read. Tests set smaller ones.
    """

    max_cell_chars: int = 32_767  # Excel's own limit for one cell
    max_rows: int = 2_000_000
    max_xlsx_bytes: int = 2 << 30  # all members of the XLSX zip, uncompressed
    max_xlsx_ratio: int = 100  # uncompressed / compressed, for a member over 1 MB (a bomb is ~1000)


LIMITS = ReadLimits()
MAX_PROBLEM_MESSAGES = 100  # a ragged million-row file gives the first hundred and a count

Problem = tuple[int | None, str | None, str]  # spreadsheet row, column, what is wrong


class UnreadableFile(ValueError):
    """The file could not be read as a table at all (wrong type, corrupt, empty, malformed cells).

    `problems` names the rows and columns when the fault is in particular cells.
    """

    def __init__(self, text: str, problems: list[Problem] | None = None):
        super().__init__(text)
        self.problems = problems or []


def _refuse_cells(problems: list[Problem]) -> UnreadableFile:
    """One error for the first MAX_PROBLEM_MESSAGES problems and a count of the rest."""
    shown = problems[:MAX_PROBLEM_MESSAGES]
    if len(problems) > len(shown):
        shown.append((None, None, f"{len(problems) - len(shown):,} more rows with problems like these"))
    first = shown[0]
    row = "" if first[0] is None else f"row {first[0]}: "
    return UnreadableFile(f"{row}{first[2]}", shown)


def normalise_header(name: object) -> str:
    """Headers are matched case-insensitively, surrounding spaces ignored."""
    return "" if name is None else str(name).strip().lower()


def _table_from_rows(
    header: Sequence[object], rows: Sequence[Sequence[object]], row_numbers: Sequence[int | None]
) -> pd.DataFrame:
    """Text cells under normalised headers, blank rows dropped, index = spreadsheet row."""
    width = max([len(header), *map(len, rows)])
    header = list(header) + [None] * (width - len(header))
    rows = [(list(r) + [None] * width)[:width] if len(r) != width else r for r in rows]
    frame = pd.DataFrame(rows, columns=range(width), dtype=object, index=pd.Index(row_numbers, name="row"))
    return _frame_under_header(header, frame)


def _frame_under_header(header: Sequence[object], frame: pd.DataFrame) -> pd.DataFrame:
    names = [normalise_header(h) for h in header]
    frame.columns = range(len(names))
    frame = _tidy_cells(frame)
    # A column with no header and no values (a trailing comma, an Excel stray) is not a column.
    keep = [i for i, n in enumerate(names) if n or frame[i].notna().any()]
    frame = frame[keep]
    frame.columns = [names[i] for i in keep]
    return frame[frame.notna().any(axis=1)]


def _tidy_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip every cell; blank becomes missing. Text stays pandas `str` so checks are vectorised."""
    tidy = {}
    for column in frame.columns:
        text = pc.utf8_trim_whitespace(pa.array(frame[column].astype("str").array))  # as pandas' str.strip()
        blank = pc.equal(text, "")
        tidy[column] = pd.array(pc.if_else(blank, pa.scalar(None, text.type), text), dtype="str")
    return pd.DataFrame(tidy, index=frame.index)


def _looks_utf16(data: bytes) -> bool:
    """A UTF-16 byte-order mark, or every other byte NUL (UTF-16 without one)."""
    sample = data[:200]
    return sample[:2] in (b"\xff\xfe", b"\xfe\xff") or (
        len(sample) >= 4 and max(sample[0::2].count(0), sample[1::2].count(0)) * 2 >= len(sample) // 2
    )


def _first_line(data: bytes) -> bytes:
    """The bytes before the first line break (without copying the rest of a 200 MB file, as split did)."""
    end = data.find(b"\n")
    return data if end < 0 else data[:end]


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252; UTF-16 and binary files are refused."""
    if _looks_utf16(data):
        raise UnreadableFile("the file is UTF-16 encoded: save it as 'CSV UTF-8 (comma delimited)' and import that")
    first_line = _first_line(data)
    if b"\x00" in first_line or data[:4] == b"PK\x03\x04":
        raise UnreadableFile("not a CSV file (binary content)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _longest_line(data: bytes) -> tuple[int, int]:
    """(line breaks, bytes in the longest line): cheap limits on what any cell can hold."""
    breaks = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    edges = np.concatenate(([-1], breaks, [len(data)]))
    return len(breaks), int(np.diff(edges).max()) - 1


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV file as text cells. UTF-8 (with or without BOM), else Windows-1252.

    Refused, naming the row: an unclosed quote, a row wider than the header,
    a NUL byte, a cell over the size limit, a line break inside a cell that
    holds what look like further rows. A file without quotes (the commonest)
    is split by pyarrow's CSV reader, several times faster; one with quotes,
    or rows pyarrow will not take as they are, by pandas' reader as before
    (the two differ on a quote a cell does not close, and pandas pads a short
    row), and anything suspicious by the strict reader, which says what and where.
    """
    data = path.read_bytes()
    text = _decode(data)
    breaks, longest = _longest_line(data)
    cells = _arrow_cells(text) if '"' not in text else None
    if cells is None:
        try:
            cells = pd.read_csv(
                io.StringIO(text), header=None, dtype=str, keep_default_na=False, skip_blank_lines=False
            )
        except pd.errors.ParserError:  # an unclosed quote or a row wider than the header
            return _read_csv_strictly(text)
        except pd.errors.EmptyDataError:
            raise UnreadableFile("no header row") from None
    header = cells.iloc[0].tolist()
    width = _header_width(header)
    if width == 0:
        raise UnreadableFile("no header row")
    body = cells.iloc[1:]
    suspicious = (
        "\x00" in text
        or longest > LIMITS.max_cell_chars
        or len(cells) < breaks  # a cell holds a line break
        or body.isna().to_numpy().any()  # a row shorter than the header
        or body.iloc[:, width:].ne("").to_numpy().any()  # a value beyond the last header
    )
    if suspicious:
        return _read_csv_strictly(text)
    _check_row_count(len(body))
    body.index = pd.RangeIndex(2, len(cells) + 1, name="row")
    return _frame_under_header(header, body)


def _arrow_cells(text: str) -> pd.DataFrame | None:
    """Every record of a file without quotes (the header too) as text cells in Arrow-backed `str` columns
    0, 1, ..., as pandas' reader gives them; None when a row is not the header's width or is blank
    (pandas pads a short row, and gives a blank one as missing cells)."""
    end = text.find("\n")
    first = next(csv.reader(io.StringIO(text if end < 0 else text[:end], newline="")), [])  # \r ends it too
    names = [str(i) for i in range(max(len(first), 1))]
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(quote_char=False, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()), strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid:  # a row of another width, a blank line among several columns, no rows at all
        return None
    if len(names) == 1 and pc.any(pc.equal(table.column(0), "")).as_py():  # a blank line in one column
        return None
    return pd.DataFrame({i: pd.array(column, dtype="str") for i, column in enumerate(table.columns)})


def _header_width(header: Sequence[object]) -> int:
    """Cells up to the last one naming a column (trailing blank headers are Excel strays)."""
    named = [i for i, h in enumerate(header) if isinstance(h, str) and h.strip()]
    return named[-1] + 1 if named else 0


def _check_row_count(rows: int) -> None:
    if rows > LIMITS.max_rows:
        raise UnreadableFile(f"the file has {rows:,} rows, more than the {LIMITS.max_rows:,} one import may hold")


def _read_csv_strictly(text: str) -> pd.DataFrame:
    """The slow reader, record by record, saying which row is malformed and how."""
    csv.field_size_limit(sys.maxsize)  # the limit is LIMITS.max_cell_chars, checked below with the cell's size
    reader = csv.reader(io.StringIO(text), strict=True)
    records: list[list[str]] = []
    problems: list[Problem] = []
    try:
        for record in reader:
            records.append(record)  # noqa: PERF402 (len(records) names the row a csv.Error stops at)
    except csv.Error as error:
        row = len(records) + 1
        if "end of data" in str(error) or "EOF" in str(error):
            why = 'a quote (") opens a cell and is never closed, so the rest of the file would be one cell'
        elif "expected after" in str(error):
            why = 'a quoted cell has more text after its closing quote: a stray quote ("), or one never closed'
        else:
            why = f"malformed CSV ({error})"
        raise _refuse_cells([(row, None, why)]) from None
    if not records or _header_width(records[0]) == 0:
        raise UnreadableFile("no header row")
    header, body = records[0], records[1:]
    width = _header_width(header)
    names = [normalise_header(h) for h in header]
    for row, record in enumerate(body, start=2):
        if any(cell.strip() for cell in record):
            problems += _record_problems(row, record, width, names)
    if problems:
        raise _refuse_cells(problems)
    _check_row_count(len(body))
    return _table_from_rows(header, body, list(range(2, len(body) + 2)))


def _record_problems(row: int, record: list[str], width: int, names: list[str]) -> list[Problem]:
    """What is wrong with one CSV record: its width, a NUL byte, a cell too big, rows swallowed by a quote."""
    problems: list[Problem] = []
    if len(record) < width or any(cell.strip() for cell in record[width:]):
        problems.append(
            (
                row,
                None,
                f"the row has {len(record)} cells but the header has {width}: "
                "a missing or extra comma, or an unquoted comma in a value",
            )
        )
    for position, cell in enumerate(record):
        column = names[position] if position < len(names) and names[position] else None
        if "\x00" in cell:
            problems.append((row, column, "the cell holds a NUL byte (\\0): the file is damaged or not plain text"))
        if len(cell) > LIMITS.max_cell_chars:
            problems.append(
                (row, column, f"the cell holds {len(cell):,} characters, more than {LIMITS.max_cell_chars:,}")
            )
        elif ("\n" in cell or "\r" in cell) and _holds_rows(cell, width):
            problems.append(
                (
                    row,
                    column,
                    'the cell holds line breaks and what look like further rows: a quote (") is probably not closed',
                )
            )
    return problems


def _holds_rows(cell: str, width: int) -> bool:
    """A line inside the cell with nearly a row's worth of commas: rows swallowed by an open quote."""
    return any(line.count(",") >= max(width - 2, 1) for line in cell.splitlines()[1:])


def _cell_text(value: object, number_format: str | None) -> object:
    """An Excel cell as the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        has_time = value.time() != time(0) or "h" in (number_format or "").lower()
        if not has_time:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_xlsx_size(path: Path) -> None:
    """Refuse a workbook whose zip members would expand beyond the limits, before openpyxl parses it."""
    try:
        members = zipfile.ZipFile(path).infolist()
    except (zipfile.BadZipFile, OSError):
        return  # openpyxl says the file is not a workbook
    total = sum(m.file_size for m in members)
    if total > LIMITS.max_xlsx_bytes:
        raise UnreadableFile(
            f"the workbook expands to {total:,} bytes, more than the {LIMITS.max_xlsx_bytes:,} allowed"
        )
    for member in members:
        if member.file_size > (1 << 20) and member.file_size > LIMITS.max_xlsx_ratio * max(member.compress_size, 1):
            raise UnreadableFile(
                f"the workbook part {member.filename} expands {member.file_size // max(member.compress_size, 1):,} "
                f"times (to {member.file_size:,} bytes), more than a real spreadsheet does: refused as unsafe"
            )


def _member_holds(archive: zipfile.ZipFile, name: str, needles: tuple[bytes, ...]) -> bool:
    """Whether a zip member's bytes hold any of the needles, read a megabyte at a time."""
    tail = b""
    with archive.open(name) as member:
        while block := member.read(1 << 20):
            window = tail + block
            if any(n in window for n in needles):
                return True
            tail = window[-8:]
    return False


def _formula_cells(path: Path) -> set[tuple[int, int]]:
    """(row, column) of every formula in the first sheet; read only when the workbook has any."""
    from openpyxl import load_workbook

    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        if not any(_member_holds(archive, n, (b"<f>", b"<f ")) for n in sheets):
            return set()
    workbook = load_workbook(path, read_only=True, data_only=False)
    try:
        return {
            (c.row, c.column)
            for cells in workbook.worksheets[0].iter_rows()
            for c in cells
            if getattr(c, "data_type", None) == "f"
        }
    finally:
        workbook.close()


def read_xlsx(path: Path) -> pd.DataFrame:
    """The first sheet of a workbook as text cells; dates written as ISO text.

    A formula is read as the value Excel saved with it; one saved without a
    value (written by a program, never opened in Excel) is refused, not read as blank.
    """
    from openpyxl import load_workbook

    _check_xlsx_size(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        formulas = _formula_cells(path)
    except Exception as error:  # openpyxl raises many kinds for a bad file
        raise UnreadableFile(f"not a readable XLSX workbook ({type(error).__name__})") from error
    problems: list[Problem] = []
    try:
        sheet = workbook.worksheets[0]
        header: list[object] | None = None
        rows, numbers = [], []
        for cells in sheet.iter_rows():
            values = [_cell_text(c.value, getattr(c, "number_format", None)) for c in cells]
            number = next((c.row for c in cells if getattr(c, "row", None)), None)
            problems += _xlsx_cell_problems(cells, values, header, formulas)
            if not any(v is not None and str(v).strip() for v in values):
                continue
            if header is None:
                header = values
                continue
            rows.append(values)
            numbers.append(number)
            _check_row_count(len(rows))
    finally:
        workbook.close()
    if problems:
        raise _refuse_cells(problems)
    if header is None:
        raise UnreadableFile("no header row")
    return _table_from_rows(header, rows, numbers)


def _xlsx_cell_problems(cells, values: list[object], header: list[object] | None, formulas) -> list[Problem]:
    """Cells too big to hold, or formulas without a saved value, in one row of the sheet."""
    found: list[Problem] = []
    for position, (cell, value) in enumerate(zip(cells, values, strict=True)):
        row, column = getattr(cell, "row", None), getattr(cell, "column", None)
        name = normalise_header(header[position]) if header and position < len(header) else None
        if value is None and (row, column) in formulas:
            found.append(
                (
                    row,
                    name or None,
                    "a formula with no saved value: open the file in Excel, save it, and import it again",
                )
            )
        elif value is not None and len(str(value)) > LIMITS.max_cell_chars:
            found.append(
                (
                    row,
                    name or None,
                    f"the cell holds {len(str(value)):,} characters, more than {LIMITS.max_cell_chars:,}",
                )
            )
    return found


def read_table(path: str | Path) -> pd.DataFrame:
    """A canonical file (CSV or XLSX, by extension) as stripped text cells, None for blank."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    return read_csv(path)


def file_format_of(path: str | Path) -> str:
    return "xlsx" if Path(path).suffix.lower() in (".xlsx", ".xlsm") else "csv"


# ---- parsing text into typed columns ---------------------------------------------------------


def parse_datetimes(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ISO or UK date-times (seconds optional, time optional) -> (values, date_only); bad -> NaT."""
    codes, distinct_cells = pd.factorize(text)  # dates repeat: parse each once, spread back by position
    distinct = pd.Series(distinct_cells, dtype="str")
    values = pd.Series(pd.NaT, index=distinct.index, dtype="datetime64[us]")
    date_only = pd.Series(False, index=distinct.index)
    cleaned = distinct.str.replace(r"^(\d{4}-\d{1,2}-\d{1,2})T", r"\1 ", regex=True)
    iso = cleaned.str.contains("-", regex=False)
    for part, formats in ((cleaned[iso], _ISO_FORMATS), (cleaned[~iso], _UK_FORMATS)):
        for fmt, is_date in formats:
            if part.empty:
                break
            parsed = pd.to_datetime(part, format=fmt, errors="coerce").astype("datetime64[us]")
            ok = parsed.notna() & (parsed >= _EARLIEST)
            values.loc[part.index[ok]] = parsed[ok]
            date_only.loc[part.index[ok]] = is_date
            part = part[~ok]
    all_values = np.append(values.to_numpy(), np.datetime64("NaT", "us"))[codes]
    all_date_only = np.append(date_only.to_numpy(dtype=bool), False)[codes]
    return pd.Series(all_values, index=text.index), pd.Series(all_date_only, index=text.index)


def multi_values(text: pd.Series, vocabulary: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    """`;`-separated values (any case, spaces and empty parts ignored) -> (the values `;`-joined in
    vocabulary order, None where any is unknown; the first unknown value, None where all are known).

    Each distinct cell is split once: a column repeats a few combinations across a million rows.
    """
    lookup = {v.lower(): v for v in vocabulary}
    codes, cells = pd.factorize(text)
    joined, unknown = [], []
    for cell in cells:
        parts = [p.strip().lower() for p in str(cell).split(MULTI_VALUE_SEPARATOR) if p.strip()]
        bad = next((p for p in parts if p not in lookup), None) if parts else ""
        given = {lookup[p] for p in parts if p in lookup}
        joined.append(None if bad is not None else MULTI_VALUE_SEPARATOR.join(v for v in vocabulary if v in given))
        unknown.append(bad)
    return (
        pd.Series(_spread(np.array(joined, dtype=object), codes), index=text.index, dtype=object),
        pd.Series(_spread(np.array(unknown, dtype=object), codes), index=text.index, dtype=object),
    )


def parse_booleans(text: pd.Series) -> pd.Series:
    """Y/N, yes/no, true/false, 1/0 (any case) -> nullable boolean; anything else -> NA."""
    return _each_distinct(text, lambda cells: cells.str.lower().map(BOOLEAN_WORDS)).astype("boolean")


def parse_vocabulary(text: pd.Series, vocabulary: tuple[str, ...]) -> pd.Series:
    """A vocabulary's values in any case -> as the vocabulary spells them; anything else -> NaN."""
    lookup = {v.lower(): v for v in vocabulary}
    return _each_distinct(text, lambda cells: cells.str.lower().map(lookup))


def _each_distinct(text: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`convert` of each distinct cell once, spread back by position (NaN where blank), as object values:
    a column repeats a handful of words across a million rows, and mapping every row was slow."""
    codes, distinct = pd.factorize(text)
    converted = convert(pd.Series(distinct, dtype=text.dtype)).to_numpy(dtype=object)
    return pd.Series(np.append(converted, [np.nan])[codes], index=text.index, dtype=object)


def normalise_postcodes(text: pd.Series) -> pd.Series:
    """Vectorised `loaders.postcodes.normalise_postcode`: upper case, one space before the inward code."""
    codes, distinct = pd.factorize(text)  # postcodes repeat: tidy each once, spread back by position
    compact = pd.Series(distinct, dtype="str").str.replace(r"\s+", "", regex=True).str.upper()
    spaced = compact.str[:-3] + " " + compact.str[-3:]
    tidy = spaced.where(compact.str.len() >= 5, compact).to_numpy(dtype=object)
    return pd.Series(_spread(tidy, codes), index=text.index, dtype=object)


def _spread(distinct: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each row's value from `pd.factorize`'s distinct values and codes; None where the row had none (-1)."""
    return np.append(distinct.astype(object), [None])[codes]


def resolve_postcodes(postcodes: pd.Series, prefix: str) -> pd.DataFrame:
    """`loaders.postcodes.resolve` on each distinct well-formed postcode once, spread back to every row."""
    codes, distinct = pd.factorize(postcodes)
    distinct = pd.Series(distinct, dtype=object)
    usable = distinct.where(well_formed_postcodes(distinct), None)
    facts = resolve(usable.dropna(), prefix).reindex(range(len(distinct) + 1))  # last row: no postcode
    spread = facts.iloc[np.where(codes < 0, len(distinct), codes)].drop(columns=f"{prefix}_postcode")
    spread.index = postcodes.index
    spread[f"{prefix}_unknown"] = spread[f"{prefix}_unknown"].fillna(False).astype(bool)
    spread.insert(0, f"{prefix}_postcode", _spread(usable.to_numpy(), codes))
    return spread


def well_formed_postcodes(postcodes: pd.Series) -> pd.Series:
    return postcodes.astype("str").str.match(POSTCODE_PATTERN.pattern) & postcodes.notna()


@dataclass
class ParsedFile:
    """Typed columns of one file, same index as the text; plus the episodes/children/establishments."""

    text: pd.DataFrame
    typed: pd.DataFrame
    header: list[str]  # as given (normalised), duplicates kept; `text` keeps the first of each
    # A partial update (episode_id and only some columns) changes existing episodes only.
    partial: bool = False
    source: str = "canonical"

    def episodes(self) -> pd.DataFrame:
        """Episode columns present in the file (a file without a column leaves it as stored).

        A partial update keeps the stored `source`: it adds to an episode, it does not own it.
        """
        typed = self.typed
        columns = [c for c in ("episode_id", "child_id") if c in typed]
        for column in CANONICAL_COLUMNS[2:]:
            if column not in typed or column in CHILD_COLUMNS or column == "establishment_name":
                continue
            if column in POSTCODE_COLUMNS:
                prefix = column.removesuffix("_postcode")
                columns += [
                    f"{prefix}_{fact}"
                    for fact in ("postcode", "district", "sector", "easting", "northing", "lad", "unknown")
                ]
            else:
                columns.append(column)
            if column in DATETIME_COLUMNS:
                columns.append(f"{column}_date_only")
        frame = typed[columns].copy()
        for column in DATETIME_COLUMNS:
            if column in frame:
                frame[column] = frame[column].astype("datetime64[ns]")
        if not self.partial:
            frame["source"] = self.source
        return frame.reset_index(drop=True)

    def children(self) -> pd.DataFrame:
        """One row per child: the last value given for each detail (blank keeps what is stored)."""
        if "child_id" not in self.typed:
            return pd.DataFrame(columns=["child_id"])
        columns = ["child_id", *[c for c in CHILD_COLUMNS if c in self.typed]]
        frame = self.typed[columns]
        children = (
            frame.groupby("child_id", sort=False).last()
            if len(columns) > 1
            else frame.drop_duplicates("child_id").set_index("child_id")
        )
        children = children.reset_index()
        if "date_of_birth" in children:
            dob = children["date_of_birth"]
            children["date_of_birth"] = pd.Series([d.date() if pd.notna(d) else None for d in dob], dtype=object)
        return children

    def establishments(self) -> pd.DataFrame:
        if "establishment_id" not in self.typed:
            return pd.DataFrame(columns=["establishment_id"])
        columns = ["establishment_id", *(["establishment_name"] if "establishment_name" in self.typed else [])]
        frame = self.typed.loc[self.typed["establishment_id"].notna(), columns]
        if len(columns) == 1:
            return frame.drop_duplicates().reset_index(drop=True)
        return frame.groupby("establishment_id", sort=False).last().reset_index()


def is_partial(columns) -> bool:
    """A file with episode_id but without some other required column only updates existing episodes."""
    present = set(columns)
    return "episode_id" in present and not set(REQUIRED_COLUMNS) <= present


def parse(text: pd.DataFrame, source: str = "canonical") -> ParsedFile:
    """Typed values of every known column; a cell that does not parse becomes missing."""
    header = list(text.columns)
    text = text.loc[:, ~text.columns.duplicated()]
    typed: dict[str, pd.Series] = {}
    for column in text.columns:
        if column not in CANONICAL_COLUMNS:
            continue
        cells = text[column]
        if column in DATETIME_COLUMNS:
            typed[column], typed[f"{column}_date_only"] = parse_datetimes(cells)
        elif column in DATE_COLUMNS:
            typed[column] = parse_datetimes(cells)[0].dt.normalize()
        elif column in BOOLEAN_COLUMNS:
            typed[column] = parse_booleans(cells)
        elif column in VOCABULARIES:
            typed[column] = parse_vocabulary(cells, VOCABULARIES[column])
        elif column in MULTI_VALUE_VOCABULARIES:
            # the first unknown value kept beside it for the message (a mapped export's text is shown as written)
            typed[column], typed[f"{column}_unknown"] = multi_values(cells, MULTI_VALUE_VOCABULARIES[column])
        elif column in POSTCODE_COLUMNS:
            postcodes = normalise_postcodes(cells)
            typed[column] = postcodes
            facts = resolve_postcodes(postcodes, column.removesuffix("_postcode"))
            typed.update({name: facts[name] for name in facts.columns if name != column})
        else:
            typed[column] = cells
    frame = pd.DataFrame(typed, index=text.index)
    return ParsedFile(text=text, typed=frame, header=header, partial=is_partial(text.columns), source=source)
