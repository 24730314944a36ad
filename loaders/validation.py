"""The checks a canonical file must pass (domain.md section 3), one small rule each.

Every rule looks at whole columns at once (text as given, values as parsed)
and returns the cells it objects to, so a million-row file is checked in
seconds. An `error` refuses the whole file; a `warning` is reported and the
file still lands. `RULES` lists every rule with its severity, the columns it
concerns and its message template (`loaders.rules`), so a data officer's
question "why was this refused?" has one place to look.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import numpy as np
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
from loaders.frames import CANONICAL_DATE_HINT, ERROR, WARNING, Message
from loaders.rules import Finding, Rules, where, whole
from loaders.schema import Child, Episode, Establishment


def _text_lengths() -> dict[str, int]:
    """The longest text each free-text canonical column may hold: its column's length in the schema."""
    lengths: dict[str, int] = {}
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


RULES = Rules("canonical")
rule = RULES.rule


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
            yield whole(column)


@rule(ERROR, CANONICAL_COLUMNS, "column appears more than once")
def duplicate_column(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """Two header cells name the same column (after case and spaces are ignored)."""
    columns = pd.Index(parsed.header)
    for column in sorted(set(columns[columns.duplicated()])):
        yield whole(column)


@rule(ERROR, REQUIRED_COLUMNS, "required field is blank")
def required_blank(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """episode_id, child_id, category, reported_at and missing_from must be given."""
    for column in _present(parsed, REQUIRED_COLUMNS):
        yield from where(parsed.text[column].isna(), column)


@rule(ERROR, tuple(VOCABULARIES), "unknown value '{value}' (expected one of: {expected})")
def unknown_vocabulary(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A vocabulary column holds a value outside its list (case is ignored)."""
    for column in _present(parsed, VOCABULARIES):
        text = parsed.text[column]
        bad = text.notna() & parsed.typed[column].isna()
        yield from where(bad, column, value=text, expected=", ".join(VOCABULARIES[column]))


@rule(
    ERROR,
    tuple(MULTI_VALUE_VOCABULARIES),
    "unknown value '{value}' in '{cell}' (several values separated by ';', each one of: {expected})",
)
def unknown_multi_value(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A return interview content column (push_factors, disclosures, ...) holds a value outside its list."""
    for column in _present(parsed, MULTI_VALUE_VOCABULARIES):
        text = parsed.text[column]
        unknown = parsed.typed[f"{column}_unknown"]
        expected = ", ".join(MULTI_VALUE_VOCABULARIES[column])
        yield from where(text.notna() & unknown.notna(), column, value=unknown, cell=text, expected=expected)


@rule(ERROR, DATETIME_COLUMNS + DATE_COLUMNS, f"unparseable date '{{value}}' {CANONICAL_DATE_HINT}")
def unparseable_date(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A date that is neither ISO (2015-03-01 14:30) nor UK (01/03/2015 14:30), time optional."""
    for column in _present(parsed, DATETIME_COLUMNS + DATE_COLUMNS):
        text = parsed.text[column]
        bad = text.notna() & parsed.typed[column].isna()
        yield from where(bad, column, value=text)


@rule(ERROR, BOOLEAN_COLUMNS, "unparseable boolean '{value}' (expected Y/N, yes/no, true/false or 1/0)")
def unparseable_boolean(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A yes/no column holds something other than Y/N, yes/no, true/false, 1/0."""
    for column in _present(parsed, BOOLEAN_COLUMNS):
        text = parsed.text[column]
        bad = text.notna() & parsed.typed[column].isna()
        yield from where(bad, column, value=text)


def _before(parsed: ParsedFile, later: str, earlier: str) -> pd.Series:
    """later < earlier, comparing dates only where either side was given without a time."""
    typed = parsed.typed
    a, b = typed[later], typed[earlier]
    date_only = typed[f"{later}_date_only"] | typed[f"{earlier}_date_only"]
    by_time = a < b
    by_date = a.dt.normalize() < b.dt.normalize()
    return (by_date.where(date_only, by_time)).fillna(False).astype(bool)


@rule(ERROR, ("returned_at", "reported_at"), "returned_at '{value}' is before reported_at '{reported_at}'")
def returned_before_reported(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A child cannot return before going missing."""
    if not {"returned_at", "reported_at"} <= set(parsed.text.columns):
        return
    text = parsed.text
    bad = _before(parsed, "returned_at", "reported_at")
    yield from where(bad, "returned_at", value=text["returned_at"], reported_at=text["reported_at"])


AFTER_RETURN = ("safe_and_well_at", "rhi_offered_at", "rhi_completed_at")


@rule(ERROR, (*AFTER_RETURN, "returned_at"), "{column} '{value}' is before returned_at '{returned_at}'")
def before_return(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """Safe and well checks and return interviews happen after the child returns."""
    if "returned_at" not in parsed.text.columns:
        return
    text = parsed.text
    for column in _present(parsed, AFTER_RETURN):
        bad = _before(parsed, column, "returned_at")
        yield from where(bad, column, column=column, value=text[column], returned_at=text["returned_at"])


@rule(ERROR, ("rhi_outcome", "rhi_completed_at"), "rhi_outcome is completed but rhi_completed_at is blank")
def completed_without_date(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A completed return interview needs the date it was held."""
    if "rhi_outcome" not in parsed.text.columns:
        return
    completed = parsed.typed["rhi_outcome"].eq("completed")
    held = parsed.text["rhi_completed_at"].notna() if "rhi_completed_at" in parsed.text.columns else False
    yield from where(completed & ~held, "rhi_completed_at")


@rule(ERROR, DATETIME_COLUMNS + DATE_COLUMNS, "date '{value}' is in the future")
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
        yield from where(bad, column, value=parsed.text[column])


def age_at(born: pd.Series, when: pd.Series) -> pd.Series:
    """Whole years of age at `when` (birthday counted on the day)."""
    not_yet = (when.dt.month * 100 + when.dt.day) < (born.dt.month * 100 + born.dt.day)
    return (when.dt.year - born.dt.year - not_yet.astype(int)).astype("Int64")


@rule(ERROR, ("date_of_birth", "reported_at"), "child is 18 or over at reported_at (aged {age})")
def aged_18_or_over(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """The service is for children: age at reported_at must be under 18."""
    if not {"date_of_birth", "reported_at"} <= set(parsed.text.columns):
        return
    age = age_at(parsed.typed["date_of_birth"], parsed.typed["reported_at"])
    yield from where(age >= 18, "date_of_birth", age=age)


@rule(ERROR, ("reported_at", "date_of_birth"), "reported_at '{value}' is before date_of_birth '{date_of_birth}'")
def reported_before_birth(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A child cannot go missing before being born (the SSDA903 validator's rule 586)."""
    if not {"date_of_birth", "reported_at"} <= set(parsed.text.columns):
        return
    typed, text = parsed.typed, parsed.text
    bad = typed["reported_at"].dt.normalize() < typed["date_of_birth"]
    yield from where(bad, "reported_at", value=text["reported_at"], date_of_birth=text["date_of_birth"])


@rule(ERROR, POSTCODE_COLUMNS, "malformed postcode '{value}'")
def malformed_postcode(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A postcode that does not have the shape of a UK postcode (e.g. B23 6AA)."""
    for column in _present(parsed, POSTCODE_COLUMNS):
        text = parsed.text[column]
        bad = text.notna() & ~well_formed_postcodes(parsed.typed[column])
        yield from where(bad, column, value=text)


@rule(ERROR, ("episode_id",), "episode_id '{value}' repeated (first at row {first_row})")
def duplicate_episode_id(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """Each row is one episode, so an episode_id appears once in a file."""
    if "episode_id" not in parsed.text.columns:
        return
    ids = parsed.text["episode_id"]
    repeated = ids.notna() & ids.duplicated(keep="first")
    if not repeated.any():
        return
    first_row = pd.Series(ids.index, index=ids.index).groupby(ids.to_numpy()).transform("first")
    yield from where(repeated, "episode_id", value=ids, first_row=first_row)


@rule(ERROR, tuple(TEXT_LENGTHS), "the value has {length} characters, more than the {limit} a {column} may hold")
def too_long(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A value longer than the database column that stores it (loaders/schema.py): refused, never cut short."""
    for column in _present(parsed, TEXT_LENGTHS):
        limit = TEXT_LENGTHS[column]
        lengths = parsed.text[column].str.len()
        yield from where(lengths > limit, column, length=lengths.astype("Int64"), limit=limit, column=column)


# ---- warnings -----------------------------------------------------------------------------------


@rule(WARNING, CANONICAL_COLUMNS, "unknown column (ignored)")
def unknown_column(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A column the canonical file does not define: its values are not imported."""
    for column in parsed.text.columns:
        if column not in CANONICAL_COLUMNS:
            yield whole(column or "(blank header)")


@rule(WARNING, ("child_id",), "child_id '{value}' looks like a person's name: ids must be pseudonymous")
def name_like_child_id(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A child_id of capitalised words (John Smith) is probably a name; the dashboard must hold none."""
    if "child_id" not in parsed.text.columns:
        return
    ids = parsed.text["child_id"]
    distinct = pd.Series(ids.dropna().unique(), dtype=object)  # a child has many rows: match each id once
    named = ids.isin(distinct[distinct.str.fullmatch(NAME_LIKE).fillna(False).astype(bool)])
    yield from where(named, "child_id", value=ids)


@rule(WARNING, POSTCODE_COLUMNS, "postcode '{value}' is not in the ONS postcode directory")
def unknown_postcode(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A well-formed postcode the ONS directory does not know (new, retired or mistyped): it lands without a place."""
    for column in _present(parsed, POSTCODE_COLUMNS):
        unknown = parsed.typed[f"{column.removesuffix('_postcode')}_unknown"]
        yield from where(unknown, column, value=parsed.typed[column])


@rule(WARNING, CHILD_COLUMNS, "child {child_id} {column} '{value}' differs from '{first}' at row {first_row}")
def child_details_differ(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """A child's sex, date of birth or ethnicity should be the same on every row; the last one given is kept."""
    if "child_id" not in parsed.text.columns:
        return
    child = parsed.text["child_id"]
    groups = pd.factorize(child)[0]  # each child once, not once a column
    for column in _present(parsed, CHILD_COLUMNS):
        value = parsed.typed[column]
        given = value.notna() & child.notna()
        if not given.any():
            continue
        at = np.flatnonzero(given.to_numpy())  # positions of the given values, in file order
        seen, earliest = np.unique(groups[at], return_index=True)  # each child's first given value
        first_of_group = np.full(groups.max() + 1, -1)
        first_of_group[seen] = at[earliest]
        first_at = first_of_group[groups[at]]
        kinds = pd.factorize(value.to_numpy()[at])[0]  # equal values, equal kinds
        position_of = np.full(len(child), -1)
        position_of[at] = np.arange(len(at))
        index = value.index
        ids = child.iloc[at]
        first_row = pd.Series(index[first_at], index=ids.index)
        differs = pd.Series(kinds != kinds[position_of[first_at]], index=ids.index)
        first_text = parsed.text[column].iloc[first_at].set_axis(ids.index)
        yield from where(
            differs,
            column,
            child_id=ids,
            column=column,
            value=parsed.text[column],
            first=first_text,
            first_row=first_row,
        )


@rule(WARNING, ("placement_type", "missing_from"), "placement_type given for a home episode")
def placement_type_for_home(parsed: ParsedFile, now: pd.Timestamp) -> Iterable[Finding]:
    """placement_type describes a care placement; for a home episode it is probably a mistake."""
    if not {"placement_type", "missing_from"} <= set(parsed.text.columns):
        return
    home = parsed.typed["missing_from"].eq("home")
    yield from where(home & parsed.text["placement_type"].notna(), "placement_type")


# ---- running them -------------------------------------------------------------------------------


def validate(parsed: ParsedFile, file_name: str, now: datetime | None = None) -> list[Message]:
    """Every message for one file, in spreadsheet order (whole-column messages first)."""
    now_ts = pd.Timestamp(now or datetime.now())
    order = {c: i for i, c in enumerate(parsed.text.columns)}
    keyed = []
    for number, check in enumerate(RULES):
        for finding in check.check(parsed, now_ts):
            position = order.get(finding.column, len(order))
            keyed += [((m.row or 0, position, number), m) for m in check.messages(finding, file_name)]
    keyed.sort(key=lambda pair: pair[0])
    return [message for _, message in keyed]
