"""The one shape of an import rule, for the canonical checks and the SSDA903 return's own.

A rule is a small function looking at whole columns that returns `Finding`s:
the rows it objects to and the values its message names. The message is a
template (`unknown value '{value}' (expected one of: {expected})`): the
registry shows it to a data officer asking why a file was refused, and the
same template writes every message the rule emits, so the two cannot drift.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from loaders.frames import Message


@dataclass
class Finding:
    """Cells a rule objects to: spreadsheet rows (None for a whole column or file), one column,
    and each value its message names (one for every row, or a Series holding each row's)."""

    rows: list[int | None]
    column: str | None
    values: dict[str, object] = field(default_factory=dict)
    file: str | None = None  # another file than the one checked (an SSDA903 header or episodes table)


@dataclass(frozen=True)
class Rule:
    code: str  # the check's name: `unknown_vocabulary`, `overlapping_periods`
    severity: str  # "error" refuses the file, "warning" is reported and the file lands
    fields: tuple[str, ...]  # the columns it concerns
    message: str  # the template of every text it emits, {placeholders} for what varies
    check: Callable[..., Iterable[Finding]] = field(repr=False)

    @property
    def description(self) -> str:
        return (self.check.__doc__ or "").strip()

    @property
    def placeholders(self) -> list[str]:
        return [name for _, name, _, _ in string.Formatter().parse(self.message) if name is not None]

    def texts(self, finding: Finding) -> list[str]:
        """The message for each row of a finding, built column-wise: a value Series is cut to its rows first."""
        texts = pd.Series("", index=range(len(finding.rows)), dtype=object)
        for literal, name, _, _ in string.Formatter().parse(self.message):
            texts = texts + literal
            if name is None:
                continue
            value = finding.values[name]
            if isinstance(value, pd.Series):
                texts = texts + value.loc[finding.rows].astype(str).to_numpy(dtype=object)
            else:
                texts = texts + str(value)
        return texts.tolist()

    def messages(self, finding: Finding, file: str) -> list[Message]:
        texts = self.texts(finding)
        file = finding.file or file
        return [
            Message(file, row, finding.column, self.severity, text)
            for row, text in zip(finding.rows, texts, strict=True)
        ]


class Rules(list[Rule]):
    """One family of rules (the canonical checks, the SSDA903 return's), in the order they run."""

    def __init__(self, family: str):
        super().__init__()
        self.family = family
        FAMILIES[family] = self

    def rule(self, severity: str, fields: Iterable[str], message: str):
        """Register a check with its metadata."""

        def register(check):
            self.append(Rule(check.__name__, severity, tuple(fields), message, check))
            return check

        return register


FAMILIES: dict[str, Rules] = {}


def where(mask: pd.Series, column: str | None, file: str | None = None, /, **values: object) -> list[Finding]:
    """One Finding for the rows where mask is True (none when it is nowhere), naming those values."""
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        return []
    rows = mask.index[mask.to_numpy()].tolist()
    return [Finding([int(r) for r in rows], column, values, file)]


def whole(column: str | None, file: str | None = None, /, **values: object) -> Finding:
    """A finding about a whole column (or, without one, the whole file)."""
    return Finding([None], column, values, file)
