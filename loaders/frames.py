"""What every stage of an import hands to the next: messages, the canonical text table and the result.

Below every reader (canonical, SSDA903, police), the rules and the importer,
so each of them imports these types from here and none imports another's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from loaders.canonical import UnreadableFile

ERROR, WARNING = "error", "warning"
# The canonical date formats as messages name them; a reader of another format names its own (Origins.date_hint).
CANONICAL_DATE_HINT = "(expected YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM)"

Progress = Callable[[float, str], None]


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


@dataclass
class Prepared:
    """Input of any format as the canonical text table, plus the way back to the original cells."""

    text: pd.DataFrame  # canonical columns as text; index = the main file's spreadsheet row
    origins: Origins
    source: str = "canonical"
    messages: list[Message] = field(default_factory=list)  # found while reading or translating
    join_same_day: bool = False  # SSDA903: an episode of the same child starting that day is the same one
    full_rows_only: bool = False  # a police export is never a partial update
    # The cells as the file wrote them, for columns recoded here ('Missing Person', 'M', dates):
    # messages quote these, while the rules check the recoded values.
    as_written: dict[str, pd.Series] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)  # rows out of the mapping's scope, by reason


class Unreadable(ValueError):
    """The input could not be read or translated at all; carries the messages saying why."""

    def __init__(self, messages: list[Message]):
        super().__init__("; ".join(str(m) for m in messages))
        self.messages = messages

    @classmethod
    def from_file(cls, name: str, error: UnreadableFile) -> Unreadable:
        """The reader's refusal as messages: one per malformed cell or row, else one for the file."""
        if error.problems:
            return cls([Message(name, row, column, ERROR, text) for row, column, text in error.problems])
        return cls([Message(name, None, None, ERROR, f"cannot read file: {error}")])


@dataclass
class ImportResult:
    """What happened to one file."""

    outcome: str  # "landed" | "refused" | "dry_run"
    messages: list[Message] = field(default_factory=list)
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    import_id: int | None = None
    # The changes a dry run would make (or a landing made): episode rows with a `change` column.
    preview: pd.DataFrame | None = field(default=None, repr=False)
    left_out: dict[str, int] = field(default_factory=dict)  # rows out of scope, by reason (police exports)

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.severity == ERROR]

    @property
    def warnings(self) -> list[Message]:
        return [m for m in self.messages if m.severity == WARNING]

    def summary(self) -> str:
        """One line, e.g. `landed: 120 rows, 100 new, 20 updated, 0 unchanged, 0 errors, 3 warnings`."""
        line = (
            f"{self.outcome}: {self.rows} rows, {self.inserted} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.errors)} errors, {len(self.warnings)} warnings"
        )
        if self.left_out:
            line += "; left out: " + ", ".join(f"{n} {why}" for why, n in self.left_out.items())
        return line
