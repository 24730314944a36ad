"""A police missing-person export, read through a header mapping into canonical episodes.

Each force's system names its columns and values its own way ("Occurrence
Ref", "Missing Person", "High Risk", 01-Mar-2015 14:30). A small TOML (or
YAML) file, written once per force, says which export column is which
canonical column (domain.md section 3), which export values mean which of
ours, and which date formats the export uses; `examples/police_mapping.toml`
is a commented example. Messages name the export's own file, row and column,
and a mapping that leaves a required column unmapped is refused naming the
mapping file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
import yaml

from config.canonical import CANONICAL_COLUMNS, DATETIME_COLUMNS, MULTI_VALUE_SEPARATOR, MULTI_VALUE_VOCABULARIES
from loaders import canonical
from loaders.importer import Prepared, Unreadable
from loaders.validation import ERROR, WARNING, Message, Origins

DATE_COLUMNS = (*DATETIME_COLUMNS, "date_of_birth")


@dataclass
class Mapping:
    """What a mapping file says: export column -> canonical column, values, date formats, fixed values."""

    name: str
    columns: dict[str, str]  # export header as written -> canonical column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical column -> export value (lower) -> ours
    date_formats: list[str] = field(default_factory=list)
    fixed: dict[str, str] = field(default_factory=dict)  # canonical column -> value for every row


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
    if problems:
        raise Unreadable([Message(name, None, None, ERROR, p) for p in problems])
    formats = (raw.get("dates") or {}).get("formats") or []
    return Mapping(name, columns, values, [str(f) for f in formats], fixed)


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


def prepare(path: Path, name: str, mapping_path: Path, mapping_name: str) -> Prepared:
    """The export renamed and recoded into the canonical table, with the export's own column names kept for messages."""
    mapping = load_mapping(mapping_path, mapping_name)
    try:
        cells = canonical.read_table(path)
    except canonical.UnreadableFile as error:
        raise Unreadable.from_file(name, error) from None

    messages: list[Message] = []
    by_header = {canonical.normalise_header(k): v for k, v in mapping.columns.items()}
    written = {canonical.normalise_header(k): k for k in mapping.columns}
    for header, ours in by_header.items():
        if header not in cells.columns:
            required = ours in canonical.REQUIRED_COLUMNS
            messages.append(
                Message(
                    name, None, written[header], ERROR if required else WARNING,
                    f"column '{written[header]}' named in {mapping.name} (for {ours}) is not in the file",
                )
            )  # fmt: skip
    text = cells.rename(columns=by_header)
    names = {ours: written[h] for h, ours in by_header.items()}
    for column, value in mapping.fixed.items():
        text[column] = value
        names.setdefault(column, f"{column} (fixed in {mapping.name})")
    for column in canonical.REQUIRED_COLUMNS:
        if column not in text.columns and not any(m.column == names.get(column) for m in messages):
            messages.append(
                Message(
                    mapping.name, None, column, ERROR,
                    f"required column {column} is not mapped: add '\"<export column>\" = \"{column}\"' under "
                    f"[columns] in {mapping.name}",
                )
            )  # fmt: skip
    if any(m.severity == ERROR for m in messages):
        raise Unreadable(messages)

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
    hints = {c: f"map it under [values.{c}] in {mapping.name}" for c in [*canonical.VOCABULARIES, *MULTI_VALUE_VOCABULARIES]}
    formats = ", ".join(mapping.date_formats) or "none given"
    origins = Origins(
        name,
        columns=names,
        value_hints=hints,
        date_hint=f"(expected a format listed under [dates] in {mapping.name}: {formats})",
    )
    return Prepared(text, origins, source="police", messages=messages, full_rows_only=True, as_written=as_written)
