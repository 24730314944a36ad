"""A police missing-person export, read through a header mapping into canonical episodes.

Each force's system names its columns and values its own way ("Occurrence
Ref", "Missing Person", "High Risk", 01-Mar-2015 14:30). A small TOML (or
YAML) file, written once per force, says which export column is which
canonical column (domain.md section 3), which export values mean which of
ours, and which date formats the export uses; `examples/police_mapping.toml`
is a commented example. Messages name the export's own file, row and column,
and a mapping that leaves a required column unmapped is refused naming the
mapping file. A force's whole export (`examples/police_mapping_force.toml`)
also needs its name columns dropped first, postcodes taken out of addresses
and only the rows in scope kept, the others counted by reason.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
import yaml

from config.canonical import CANONICAL_COLUMNS, DATETIME_COLUMNS, MULTI_VALUE_SEPARATOR, MULTI_VALUE_VOCABULARIES
from loaders import canonical
from loaders.frames import ERROR, WARNING, Message, Origins, Prepared, Unreadable
from loaders.postcodes import normalise_postcode

DATE_COLUMNS = (*DATETIME_COLUMNS, "date_of_birth")
# A UK postcode inside an address ("12 High Street, Erdington, Birmingham B23 6AA"), space optional.
POSTCODE_IN_TEXT = re.compile(r"\b(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][ABD-HJLNP-UW-Z]{2})\b")


@dataclass
class Mapping:
    """What a mapping file says: export column -> canonical column, values, date formats, fixed values."""

    name: str
    columns: dict[str, str]  # export header as written -> canonical column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical column -> export value (lower) -> ours
    date_formats: list[str] = field(default_factory=list)
    fixed: dict[str, str] = field(default_factory=dict)  # canonical column -> value for every row
    addresses: dict[str, str] = field(default_factory=dict)  # export address column -> canonical postcode column
    under_age: int | None = None  # [scope]: keep only people younger than this at report
    only: dict[str, list[str]] = field(default_factory=dict)  # [scope.only]: export column -> values kept
    drop: list[str] = field(default_factory=list)  # [names]: export columns dropped before anything is kept


class _NoAliasLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing anchors and aliases: a few nested aliases expand to gigabytes."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&name, *name) are not allowed in a mapping file", event.start_mark
            )
        return super().compose_node(parent, index)


def _refuse(name: str, column: str | None, text: str) -> Unreadable:
    return Unreadable([Message(name, None, column, ERROR, text)])


def load_mapping(path: Path, name: str) -> Mapping:
    """Read and check a mapping file (TOML, or YAML by its extension); refuse it naming the file when wrong."""
    try:
        raw_text = path.read_text(encoding="utf-8")
        if path.suffix.lower() in (".yaml", ".yml"):
            raw = yaml.load(raw_text, Loader=_NoAliasLoader) or {}  # a safe loader without aliases
        else:
            raw = tomllib.loads(raw_text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as error:
        raise _refuse(name, None, f"cannot read mapping file: {error}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), dict):
        raise _refuse(name, "columns", "the mapping file needs a [columns] table: export column = canonical column")
    columns = {str(k): str(v).strip().lower() for k, v in raw["columns"].items()}
    problems = [
        f"'{export}' maps to '{ours}', which is not a canonical column"
        for export, ours in columns.items()
        if ours not in CANONICAL_COLUMNS
    ]
    targets = pd.Series(list(columns.values()))
    problems += [f"two export columns map to '{ours}'" for ours in sorted(set(targets[targets.duplicated()]))]
    values = {
        str(column).lower(): {str(k).strip().lower(): str(v).strip() for k, v in table.items()}
        for column, table in (raw.get("values") or {}).items()
    }
    problems += [f"[values.{c}]: '{c}' is not a canonical column" for c in values if c not in CANONICAL_COLUMNS]
    fixed = {str(k).lower(): str(v) for k, v in (raw.get("fixed") or {}).items()}
    problems += [f"[fixed]: '{c}' is not a canonical column" for c in fixed if c not in CANONICAL_COLUMNS]
    addresses = {str(k): str(v).strip().lower() for k, v in (raw.get("addresses") or {}).items()}
    problems += [
        f"[addresses]: '{export}' maps to '{ours}', which is not a postcode column (from_postcode, found_postcode)"
        for export, ours in addresses.items()
        if ours not in ("from_postcode", "found_postcode")
    ]
    scope = raw.get("scope") or {}
    under_age = scope.get("under_age")
    if under_age is not None and (not isinstance(under_age, int) or isinstance(under_age, bool) or under_age < 1):
        problems.append(f"[scope] under_age must be a whole number of years, not {under_age!r}")
    only = {str(k): [str(v).strip() for v in _as_list(vs)] for k, vs in (scope.get("only") or {}).items()}
    drop = [str(c) for c in _as_list((raw.get("names") or {}).get("drop"))]
    if problems:
        raise Unreadable([Message(name, None, None, ERROR, p) for p in problems])
    formats = (raw.get("dates") or {}).get("formats") or []
    return Mapping(name, columns, values, [str(f) for f in formats], fixed, addresses, under_age, only, drop)


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def parse_dates(text: pd.Series, formats: list[str]) -> pd.Series:
    """Cells in any of the mapping's formats as ISO text (date-only when the format has no time); others kept."""
    distinct = text.dropna().unique()
    converted = {}
    for value in distinct:
        for fmt in formats:
            try:
                when = datetime.strptime(value, fmt)
            except ValueError:
                continue
            has_time = any(code in fmt for code in ("%H", "%I", "%M"))
            converted[value] = when.strftime("%Y-%m-%d %H:%M" if has_time else "%Y-%m-%d")
            break
    return text.map(lambda v: converted.get(v, v) if isinstance(v, str) else v)


def _recode_each(cell: object, lookup: dict[str, str]) -> object:
    """Each `;`-separated value of a content cell (push_factors, ...) through [values.<column>]."""
    if not isinstance(cell, str):
        return cell
    parts = [part.strip() for part in cell.split(MULTI_VALUE_SEPARATOR)]
    return MULTI_VALUE_SEPARATOR.join(lookup.get(part.lower(), part) for part in parts)


def prepare(path: Path, name: str, mapping_path: Path, mapping_name: str, *, partial: bool = False) -> Prepared:
    """The export renamed and recoded into the canonical table, with the export's own column names kept for messages.

    With `partial`, a mapping that names episode_id but not every required
    column reads a partial update (a return-interview provider's tracker):
    it changes only the episodes it names, only in its columns.
    """
    mapping = load_mapping(mapping_path, mapping_name)
    try:
        cells = canonical.read_table(path)
    except canonical.UnreadableFile as error:
        raise Unreadable.from_file(name, error) from None
    cells, dropped = _drop_names(cells, mapping)
    messages = [
        Message(
            name,
            None,
            column,
            WARNING,
            f"column '{column}' holds names: dropped before anything was stored ([names] in {mapping.name})",
        )
        for column in dropped
    ]
    cells, left_out = _in_scope_area(cells, mapping)
    text, names, found = _renamed(cells, mapping, name, partial)
    messages += found
    if any(m.severity == ERROR for m in messages):
        raise Unreadable(messages)
    text, as_written = _recoded(text, mapping)
    text, too_old = _under_age(text, mapping)
    if too_old:
        left_out[f"aged {mapping.under_age} or over at report"] = too_old
        as_written = {c: written.loc[text.index] for c, written in as_written.items()}
    text, found = _postcodes_from_addresses(text, cells, mapping, name)
    messages += found
    hints = {
        c: f"map it under [values.{c}] in {mapping.name}" for c in [*canonical.VOCABULARIES, *MULTI_VALUE_VOCABULARIES]
    }
    formats = ", ".join(mapping.date_formats) or "none given"
    origins = Origins(
        name,
        columns=names,
        value_hints=hints,
        date_hint=f"(expected a format listed under [dates] in {mapping.name}: {formats})",
    )
    return Prepared(
        text,
        origins,
        source="canonical" if partial else "police",
        messages=messages,
        full_rows_only=not partial,
        as_written=as_written,
        left_out=left_out,
    )


def _renamed(
    cells: pd.DataFrame, mapping: Mapping, name: str, partial: bool
) -> tuple[pd.DataFrame, dict[str, str], list[Message]]:
    """The export under canonical names, the fixed columns added; {canonical: export name}; what is missing.

    A column the mapping names but the file lacks is an error when required
    (a warning otherwise); so is a required column the mapping leaves out,
    unless this is a partial update by episode_id.
    """
    messages = []
    by_header = {canonical.normalise_header(k): v for k, v in mapping.columns.items()}
    written = {canonical.normalise_header(k): k for k in mapping.columns}
    for header, ours in by_header.items():
        if header not in cells.columns:
            messages.append(
                Message(
                    name,
                    None,
                    written[header],
                    ERROR if ours in canonical.REQUIRED_COLUMNS else WARNING,
                    f"column '{written[header]}' named in {mapping.name} (for {ours}) is not in the file",
                )
            )
    text = cells.rename(columns=by_header)
    names = {ours: written[h] for h, ours in by_header.items()}
    for column, value in mapping.fixed.items():
        text[column] = value
        names.setdefault(column, f"{column} (fixed in {mapping.name})")
    if partial and "episode_id" in text.columns:
        return text, names, messages
    for column in canonical.REQUIRED_COLUMNS:
        if column not in text.columns and not any(m.column == names.get(column) for m in messages):
            messages.append(
                Message(
                    mapping.name,
                    None,
                    column,
                    ERROR,
                    f'required column {column} is not mapped: add \'"<export column>" = "{column}"\' under '
                    f"[columns] in {mapping.name}",
                )
            )
    return text, names, messages


def _recoded(text: pd.DataFrame, mapping: Mapping) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Values through [values.<column>] and dates through [dates]; the cells as written kept for messages."""
    as_written = {c: text[c].copy() for c in [*mapping.values, *DATE_COLUMNS] if c in text.columns}
    for column, lookup in mapping.values.items():
        if column in MULTI_VALUE_VOCABULARIES and column in text.columns:
            text[column] = text[column].map(lambda cell, lookup=lookup: _recode_each(cell, lookup))
        elif column in text.columns:
            recoded = text[column].str.strip().str.lower().map(lookup)
            text[column] = recoded.where(recoded.notna(), text[column])
    if mapping.date_formats:
        for column in DATE_COLUMNS:
            if column in text.columns:
                text[column] = parse_dates(text[column], mapping.date_formats)
    return text, as_written


def _drop_names(cells: pd.DataFrame, mapping: Mapping) -> tuple[pd.DataFrame, list[str]]:
    """The columns holding names ([names] drop) taken out first: a name is never kept, not even in a message."""
    wanted = {canonical.normalise_header(c): c for c in mapping.drop}
    present = [c for c in cells.columns if c in wanted]
    return cells.drop(columns=present), [wanted[c] for c in present]


def _in_scope_area(cells: pd.DataFrame, mapping: Mapping) -> tuple[pd.DataFrame, dict[str, int]]:
    """Rows whose [scope.only] columns hold a listed value (any case); the rest counted by reason."""
    left_out: dict[str, int] = {}
    for column, allowed in mapping.only.items():
        header = canonical.normalise_header(column)
        if header not in cells.columns:
            raise Unreadable(
                [
                    Message(
                        mapping.name,
                        None,
                        column,
                        ERROR,
                        f"column '{column}' named under [scope.only] is not in the file",
                    )
                ]
            )
        keep = cells[header].fillna("").astype(str).str.strip().str.lower().isin([a.lower() for a in allowed])
        if (~keep).any():
            left_out[f"{column} not {' or '.join(allowed)}"] = int((~keep).sum())
        cells = cells[keep.to_numpy()].drop(columns=header)  # used, so not reported as an unknown column
    return cells, left_out


def _under_age(text: pd.DataFrame, mapping: Mapping) -> tuple[pd.DataFrame, int]:
    """Only people under [scope] under_age at report. An unknown or unreadable date of birth keeps the row:
    they may be a child (and an unreadable date is an error naming its cell)."""
    if mapping.under_age is None or not {"date_of_birth", "reported_at"} <= set(text.columns):
        return text, 0
    born, _ = canonical.parse_datetimes(text["date_of_birth"])
    reported, _ = canonical.parse_datetimes(text["reported_at"])
    before_birthday = (reported.dt.month < born.dt.month) | (
        (reported.dt.month == born.dt.month) & (reported.dt.day < born.dt.day)
    )
    age = reported.dt.year - born.dt.year - before_birthday.astype(int)
    too_old = (age >= mapping.under_age).fillna(False).to_numpy(dtype=bool)
    return text[~too_old], int(too_old.sum())


def _postcodes_from_addresses(
    text: pd.DataFrame, cells: pd.DataFrame, mapping: Mapping, name: str
) -> tuple[pd.DataFrame, list[Message]]:
    """The one UK postcode in each [addresses] cell into its postcode column; the address itself is not kept."""
    messages = []
    text = text.copy()
    for column, ours in mapping.addresses.items():
        header = canonical.normalise_header(column)
        if header not in text.columns:
            messages.append(
                Message(
                    name,
                    None,
                    column,
                    WARNING,
                    f"column '{column}' named under [addresses] in {mapping.name} is not in the file",
                )
            )
            continue
        postcodes = pd.Series(None, index=text.index, dtype=object)
        for row, address in text[header].dropna().items():
            matches = POSTCODE_IN_TEXT.findall(str(address).upper())
            found = list(dict.fromkeys(p for p in map(normalise_postcode, matches) if p))
            if len(found) == 1:
                postcodes[row] = found[0]
            elif str(address).strip():
                what = "no UK postcode" if not found else f"{len(found)} postcodes ({', '.join(found)})"
                messages.append(
                    Message(name, int(row), column, ERROR, f"{what} in the address '{address}': give one postcode")
                )
        text[ours] = postcodes
        text = text.drop(columns=header)
    return text, messages
