"""The checks a canonical file must pass (domain.md section 3), one small rule each.

Every rule looks at whole columns at once (text as given, values as parsed)
and returns the cells it objects to, so a million-row file is checked in
seconds. An `error` refuses the whole file; a `warning` is reported and the
file still lands. `RULES` lists every rule with its severity, the columns it
concerns and its message, so a data officer's question "why was this
refused?" has one place to look.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from loaders.canonical import (
    BOOLEAN_COLUMNS,
    CANONICAL_COLUMNS,
    CHILD_COLUMNS,
    DATE_COLUMNS,
    DATETIME_COLUMNS,
    MULTI_VALUE_VOCABULARIES,
    POSTCODE_COLUMNS,
    REQUIRED_COLUMNS,
    VOCABULARIES,
    ParsedFile,
    well_formed_postcodes,
)
from loaders.schema import Child, Episode, Establishment

ERROR, WARNING = "error", "warning"


def _text_lengths() -> dict[str, int]:
    """The longest text each free-text canonical column may hold: its column's length in the schema."""
    lengths = {}
    for model in (Establishment, Child, Episode):
        for column in model.__table__.columns:
            length = getattr(column.type, "length", None)
            if (
                column.name in CANONICAL_COLUMNS
                and length
                and column.name not in (*VOCABULARIES, *MULTI_VALUE_VOCABULARIES, *POSTCODE_COLUMNS)
            ):
                lengths.setdefault(column.name, length)
    return lengths


TEXT_LENGTHS = _text_lengths()  # episode_id, child_id, establishment_id: 64; names: 200
# Two or more capitalised words ("John Smith", "Mary-Jane O'Brien"): a person's name, not a pseudonymous id.
NAME_LIKE = r"[A-Z][A-Za-z'-]*[a-z](?:\s+[A-Z][A-Za-z'-]*[a-z])+"


@dataclass(frozen=True)
class Message:
    """One line of import output: which file, row and column, how bad, and what."""

    file: str
    row: int | None
    column: str | None
    severity: str  # "error" | "warning"
    text: str

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        return f"{self.file}:{row}:{self.column or ''}: {self.severity}: {self.text}"


@dataclass
class Finding:
    """Cells a rule objects to: spreadsheet rows (None for the whole column), one column, texts."""

    rows: list[int | None]
    column: str | None
    texts: list[str]


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str
    columns: tuple[str, ...]
    message: str  # the message, with <placeholders> for what varies
    check: Callable[[ParsedFile, pd.Timestamp], Iterable[Finding]] = field(repr=False)

    @property
    def description(self) -> str:
        return (self.check.__doc__ or "").strip()


RULES: list[Rule] = []


def rule(severity: str, columns: Iterable[str], message: str):
    """Register a check in RULES with its metadata."""

    def register(check):
        RULES.append(Rule(check.__name__, severity, tuple(columns), message, check))
        return check

    return register


def _finding(mask: pd.Series, column: str | None, *pieces: str | pd.Series) -> list[Finding]:
    """One Finding for the rows where mask is True (empty list when none).

    The text is the pieces joined; Series pieces are cut to the flagged rows
    first, so a clean million-row column costs no string building.
    """
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        return []
    rows = mask.index[mask.to_numpy()]
    texts = pd.Series("", index=rows, dtype=object)
    for piece in pieces:
        texts = texts + (piece.loc[rows].astype(str).astype(object) if isinstance(piece, pd.Series) else piece)
    return [Finding(rows.tolist(), column, texts.tolist())]


def _present(parsed: ParsedFile, columns: Iterable[str]) -> list[str]:
    return [c for c in columns if c in parsed.text.columns]


# ---- errors -------------------------------------------------------------------------------------


@rule(ERROR, REQUIRED_COLUMNS, "required column is missing")
def required_column_missing(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A required column is not in the header at all (a partial update, with episode_id, needs only that)."""
    if parsed.partial:
        return
    for column in REQUIRED_COLUMNS:
        if column not in parsed.text.columns:
            yield Finding([None], column, ["required column is missing"])


@rule(ERROR, CANONICAL_COLUMNS, "column appears more than once")
def duplicate_column(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """Two header cells name the same column (after case and spaces are ignored)."""
    columns = pd.Index(parsed.header)
    for column in sorted(set(columns[columns.duplicated()])):
        yield Finding([None], column, ["column appears more than once"])


@rule(ERROR, REQUIRED_COLUMNS, "required field is blank")
def required_blank(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """episode_id, child_id, category, reported_at and missing_from must be given."""
    for column in _present(parsed, REQUIRED_COLUMNS):
        yield from _finding(parsed.text[column].isna(), column, "required field is blank")


@rule(ERROR, tuple(VOCABULARIES), "unknown value '<value>' (expected one of: <values>)")
def unknown_vocabulary(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A vocabulary column holds a value outside its list (case is ignored)."""
    for column in _present(parsed, VOCABULARIES):
        text = parsed.text[column]
        bad = text.notna() & parsed.typed[column].isna()
        expected = ", ".join(VOCABULARIES[column])
        yield from _finding(bad, column, "unknown value '", text, f"' (expected one of: {expected})")


@rule(
    ERROR,
    tuple(MULTI_VALUE_VOCABULARIES),
    "unknown value '<value>' in '<cell>' (several values separated by ';', each one of: <values>)",
)
def unknown_multi_value(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A return interview content column (push_factors, disclosures, ...) holds a value outside its list."""
    for column in _present(parsed, MULTI_VALUE_VOCABULARIES):
        text = parsed.text[column]
        unknown = parsed.typed[f"{column}_unknown"]
        expected = ", ".join(MULTI_VALUE_VOCABULARIES[column])
        yield from _finding(
            text.notna() & unknown.notna(),
            column,
            "unknown value '",
            unknown,
            "' in '",
            text,
            f"' (several values separated by ';', each one of: {expected})",
        )


@rule(
    ERROR, DATETIME_COLUMNS + DATE_COLUMNS, "unparseable date '<value>' (expected YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM)"
)
def unparseable_date(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A date that is neither ISO (2015-03-01 14:30) nor UK (01/03/2015 14:30), time optional."""
    for column in _present(parsed, DATETIME_COLUMNS + DATE_COLUMNS):
        text = parsed.text[column]
        bad = text.notna() & parsed.typed[column].isna()
        yield from _finding(
            bad, column, "unparseable date '", text, "' (expected YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM)"
        )


@rule(ERROR, BOOLEAN_COLUMNS, "unparseable boolean '<value>' (expected Y/N, yes/no, true/false or 1/0)")
def unparseable_boolean(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A yes/no column holds something other than Y/N, yes/no, true/false, 1/0."""
    for column in _present(parsed, BOOLEAN_COLUMNS):
        text = parsed.text[column]
        bad = text.notna() & parsed.typed[column].isna()
        yield from _finding(bad, column, "unparseable boolean '", text, "' (expected Y/N, yes/no, true/false or 1/0)")


def _before(parsed: ParsedFile, later: str, earlier: str) -> pd.Series:
    """later < earlier, comparing dates only where either side was given without a time."""
    typed = parsed.typed
    a, b = typed[later], typed[earlier]
    date_only = typed[f"{later}_date_only"] | typed[f"{earlier}_date_only"]
    by_time = a < b
    by_date = a.dt.normalize() < b.dt.normalize()
    return (by_date.where(date_only, by_time)).fillna(False).astype(bool)


@rule(ERROR, ("returned_at", "reported_at"), "returned_at '<value>' is before reported_at '<value>'")
def returned_before_reported(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A child cannot return before going missing."""
    if not {"returned_at", "reported_at"} <= set(parsed.text.columns):
        return
    text = parsed.text
    bad = _before(parsed, "returned_at", "reported_at")
    yield from _finding(
        bad, "returned_at", "returned_at '", text["returned_at"], "' is before reported_at '", text["reported_at"], "'"
    )


AFTER_RETURN = ("safe_and_well_at", "rhi_offered_at", "rhi_completed_at")


@rule(ERROR, (*AFTER_RETURN, "returned_at"), "<column> '<value>' is before returned_at '<value>'")
def before_return(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """Safe and well checks and return interviews happen after the child returns."""
    if "returned_at" not in parsed.text.columns:
        return
    text = parsed.text
    for column in _present(parsed, AFTER_RETURN):
        bad = _before(parsed, column, "returned_at")
        yield from _finding(
            bad, column, f"{column} '", text[column], "' is before returned_at '", text["returned_at"], "'"
        )


@rule(ERROR, ("rhi_outcome", "rhi_completed_at"), "rhi_outcome is completed but rhi_completed_at is blank")
def completed_without_date(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A completed return interview needs the date it was held."""
    if "rhi_outcome" not in parsed.text.columns:
        return
    completed = parsed.typed["rhi_outcome"].eq("completed")
    held = parsed.text["rhi_completed_at"].notna() if "rhi_completed_at" in parsed.text.columns else False
    yield from _finding(completed & ~held, "rhi_completed_at", "rhi_outcome is completed but rhi_completed_at is blank")


@rule(ERROR, DATETIME_COLUMNS + DATE_COLUMNS, "date '<value>' is in the future")
def future_date(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """Nothing recorded can have happened after the file was imported."""
    today = now.normalize()
    for column in _present(parsed, DATETIME_COLUMNS + DATE_COLUMNS):
        values = parsed.typed[column]
        if column in DATE_COLUMNS:
            bad = values > today
        else:
            date_only = parsed.typed[f"{column}_date_only"]
            bad = (values.dt.normalize() > today).where(date_only, values > now)
        yield from _finding(bad, column, "date '", parsed.text[column], "' is in the future")


def age_at(born: pd.Series, when: pd.Series) -> pd.Series:
    """Whole years of age at `when` (birthday counted on the day)."""
    not_yet = (when.dt.month * 100 + when.dt.day) < (born.dt.month * 100 + born.dt.day)
    return (when.dt.year - born.dt.year - not_yet.astype(int)).astype("Int64")


@rule(ERROR, ("date_of_birth", "reported_at"), "child is 18 or over at reported_at (aged <age>)")
def aged_18_or_over(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """The service is for children: age at reported_at must be under 18."""
    if not {"date_of_birth", "reported_at"} <= set(parsed.text.columns):
        return
    age = age_at(parsed.typed["date_of_birth"], parsed.typed["reported_at"])
    yield from _finding(age >= 18, "date_of_birth", "child is 18 or over at reported_at (aged ", age, ")")


@rule(ERROR, ("reported_at", "date_of_birth"), "reported_at '<value>' is before date_of_birth '<value>'")
def reported_before_birth(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A child cannot go missing before being born (the SSDA903 validator's rule 586)."""
    if not {"date_of_birth", "reported_at"} <= set(parsed.text.columns):
        return
    typed, text = parsed.typed, parsed.text
    bad = typed["reported_at"].dt.normalize() < typed["date_of_birth"]
    yield from _finding(
        bad,
        "reported_at",
        "reported_at '",
        text["reported_at"],
        "' is before date_of_birth '",
        text["date_of_birth"],
        "'",
    )


@rule(ERROR, POSTCODE_COLUMNS, "malformed postcode '<value>'")
def malformed_postcode(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A postcode that does not have the shape of a UK postcode (e.g. B23 6AA)."""
    for column in _present(parsed, POSTCODE_COLUMNS):
        text = parsed.text[column]
        bad = text.notna() & ~well_formed_postcodes(parsed.typed[column])
        yield from _finding(bad, column, "malformed postcode '", text, "'")


@rule(ERROR, ("episode_id",), "episode_id '<value>' repeated (first at row <row>)")
def duplicate_episode_id(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """Each row is one episode, so an episode_id appears once in a file."""
    if "episode_id" not in parsed.text.columns:
        return
    ids = parsed.text["episode_id"]
    repeated = ids.notna() & ids.duplicated(keep="first")
    if not repeated.any():
        return
    first_row = pd.Series(ids.index, index=ids.index).groupby(ids.to_numpy()).transform("first")
    yield from _finding(repeated, "episode_id", "episode_id '", ids, "' repeated (first at row ", first_row, ")")


@rule(ERROR, tuple(TEXT_LENGTHS), "the value has <n> characters, more than the <limit> a <column> may hold")
def too_long(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A value longer than the database column that stores it (loaders/schema.py): refused, never cut short."""
    for column in _present(parsed, TEXT_LENGTHS):
        limit = TEXT_LENGTHS[column]
        lengths = parsed.text[column].str.len()
        yield from _finding(
            lengths > limit,
            column,
            "the value has ",
            lengths.astype("Int64"),
            f" characters, more than the {limit} a {column} may hold",
        )


# ---- warnings -----------------------------------------------------------------------------------


@rule(WARNING, (), "unknown column (ignored)")
def unknown_column(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A column the canonical file does not define: its values are not imported."""
    for column in parsed.text.columns:
        if column not in CANONICAL_COLUMNS:
            yield Finding([None], column or "(blank header)", ["unknown column (ignored)"])


@rule(WARNING, ("child_id",), "child_id '<value>' looks like a person's name: ids must be pseudonymous")
def name_like_child_id(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A child_id of capitalised words (John Smith) is probably a name; the dashboard must hold none."""
    if "child_id" not in parsed.text.columns:
        return
    ids = parsed.text["child_id"]
    named = ids.str.fullmatch(NAME_LIKE)
    yield from _finding(named, "child_id", "child_id '", ids, "' looks like a person's name: ids must be pseudonymous")


@rule(WARNING, POSTCODE_COLUMNS, "postcode '<value>' is not in the ONS postcode directory")
def unknown_postcode(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A well-formed postcode the ONS directory does not know (new, retired or mistyped): it lands without a place."""
    for column in _present(parsed, POSTCODE_COLUMNS):
        unknown = parsed.typed[f"{column.removesuffix('_postcode')}_unknown"]
        yield from _finding(
            unknown, column, "postcode '", parsed.typed[column], "' is not in the ONS postcode directory"
        )


@rule(WARNING, CHILD_COLUMNS, "child <child_id> <column> '<value>' differs from '<value>' at row <row>")
def child_details_differ(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A child's sex, date of birth or ethnicity should be the same on every row; the last one given is kept."""
    if "child_id" not in parsed.text.columns:
        return
    child = parsed.text["child_id"]
    for column in _present(parsed, CHILD_COLUMNS):
        value = parsed.typed[column]
        given = value.notna() & child.notna()
        if not given.any():
            continue
        key = value[given].astype(str)
        ids = child[given]
        first_value = key.groupby(ids.to_numpy()).transform("first")
        first_row = pd.Series(key.index, index=key.index).groupby(ids.to_numpy()).transform("first")
        differs = key.ne(first_value)
        first_text = parsed.text.loc[first_row.to_numpy(), column].set_axis(key.index)
        pieces = (
            "child ",
            ids,
            f" {column} '",
            parsed.text[column],
            "' differs from '",
            first_text,
            "' at row ",
            first_row,
        )
        yield from _finding(differs, column, *pieces)


@rule(WARNING, ("placement_type", "missing_from"), "placement_type given for a home episode")
def placement_type_for_home(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """placement_type describes a care placement; for a home episode it is probably a mistake."""
    if not {"placement_type", "missing_from"} <= set(parsed.text.columns):
        return
    home = parsed.typed["missing_from"].eq("home")
    yield from _finding(
        home & parsed.text["placement_type"].notna(), "placement_type", "placement_type given for a home episode"
    )


# ---- running them -------------------------------------------------------------------------------


def validate(parsed: ParsedFile, file_name: str, now: datetime | None = None) -> list[Message]:
    """Every message for one file, in spreadsheet order (whole-column messages first)."""
    now_ts = pd.Timestamp(now or datetime.now())
    order = {c: i for i, c in enumerate(parsed.text.columns)}
    keyed = []
    for number, check in enumerate(RULES):
        for finding in check.check(parsed, now_ts):
            position = order.get(finding.column, len(order))
            for row, text in zip(finding.rows, finding.texts, strict=True):
                keyed.append(
                    ((row or 0, position, number), Message(file_name, row, finding.column, check.severity, text))
                )
    keyed.sort(key=lambda pair: pair[0])
    return [message for _, message in keyed]


# ---- naming the cell a data officer has -------------------------------------------------------

CANONICAL_DATE_HINT = "(expected YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM)"


@dataclass
class Origins:
    """Where each cell of a translated table came from (SSDA903 tables, a police export).

    The rules run on the canonical columns; `relocate` turns each message
    back into the file, spreadsheet row and column name the data officer
    sees. `cells` holds, for a canonical column filled from another file
    (the 903 header or episodes table), that file, row and column per row.
    """

    file: str
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> original column name
    cells: dict[str, pd.DataFrame] = field(default_factory=dict)  # canonical -> file, row, column by row
    value_hints: dict[str, str] = field(default_factory=dict)  # canonical -> added to "unknown value" texts
    date_hint: str | None = None  # replaces the canonical date formats in "unparseable date" texts
    derived: tuple[str, ...] = ()  # canonical columns made up here (903 episode_id): named as such in texts

    def relocate(self, message: Message) -> Message:
        column, row, file = message.column, message.row, self.file
        text = message.text
        located = self.cells.get(column) if column else None
        original = self.columns.get(column, column) if column else column
        if located is not None and row is not None and row in located.index and pd.notna(located.at[row, "file"]):
            file, original = located.at[row, "file"], located.at[row, "column"]
            row = int(located.at[row, "row"])
        for canonical_name, name in self.columns.items():
            if name != canonical_name and canonical_name in text and canonical_name not in self.derived:
                text = re.sub(rf"\b{canonical_name}\b", name.replace("\\", "\\\\"), text)
        if self.date_hint and CANONICAL_DATE_HINT in text:
            text = text.replace(CANONICAL_DATE_HINT, self.date_hint)
        if column in self.value_hints and text.startswith("unknown value"):
            text = f"{text}; {self.value_hints[column]}"
        return Message(file, row, original, message.severity, text)
