"""Importing one file: read, check every rule, then land it whole or not at all.

Both the command line (`python -m loaders import`) and the app's import page
call `import_file`, so what a data officer sees refused, and why, is the
same everywhere. Every call is recorded in `imports` with its messages,
including refused files and dry runs, so the data-quality page can show the
history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, insert, update

from loaders import canonical, store
from loaders.schema import Import, ImportMessage
from loaders.validation import ERROR, WARNING, Message, validate

FORMATS = ("canonical", "ssda903", "police")
SUPPORTED_FORMATS = ("canonical",)
WRITE_CHUNK_ROWS = 20_000

Progress = Callable[[float, str], None]

__all__ = ["FORMATS", "ImportResult", "Message", "import_file"]


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

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.severity == ERROR]

    @property
    def warnings(self) -> list[Message]:
        return [m for m in self.messages if m.severity == WARNING]

    def summary(self) -> str:
        """One line, e.g. `landed: 120 rows, 100 new, 20 updated, 0 unchanged, 0 errors, 3 warnings`."""
        return (
            f"{self.outcome}: {self.rows} rows, {self.inserted} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.errors)} errors, {len(self.warnings)} warnings"
        )


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _record(
    connection: Connection,
    result: ImportResult,
    name: str,
    digest: str,
    file_format: str,
    user: str | None,
    started_at: datetime,
) -> int:
    """Write the imports row and its messages; returns the import id."""
    import_id = connection.execute(
        insert(Import).values(
            file_name=name, content_hash=digest, file_format=file_format, imported_by=user,
            started_at=started_at, finished_at=datetime.now(), rows=result.rows, inserted=result.inserted,
            updated=result.updated, unchanged=result.unchanged, errors=len(result.errors),
            warnings=len(result.warnings), outcome=result.outcome,
        ).returning(Import.import_id)
    ).scalar_one()  # fmt: skip
    if result.messages:
        connection.execute(
            insert(ImportMessage),
            [
                {
                    "import_id": import_id,
                    "file_name": m.file,
                    "row": m.row,
                    "column": m.column,
                    "severity": m.severity,
                    "text": m.text,
                }
                for m in result.messages
            ],
        )
    return import_id


def import_file(
    engine: Engine,
    path: str | Path,
    file_format: str = "canonical",
    *,
    display_name: str | None = None,
    dry_run: bool = False,
    user: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Check a file against every rule and, when it has no errors, land it in one transaction.

    New episode_ids are inserted and known ones updated (never duplicated);
    rows identical to what is stored are left alone. A file with any error
    changes no episode. A dry run checks and counts but writes only its
    `imports` record and messages (outcome `dry_run`, whatever the errors).
    """
    if file_format not in SUPPORTED_FORMATS:
        raise ValueError(f"format {file_format!r} is not yet supported")
    path = Path(path)
    name = display_name or path.name
    report = progress or (lambda fraction, stage: None)
    started_at = datetime.now()
    digest = content_hash(path)
    file_kind = canonical.file_format_of(path)

    refused = "dry_run" if dry_run else "refused"
    report(0.0, "reading")
    try:
        text = canonical.read_table(path)
    except canonical.UnreadableFile as error:
        result = ImportResult(refused, [Message(name, None, None, ERROR, f"cannot read file: {error}")])
        with engine.begin() as connection:
            result.import_id = _record(connection, result, name, digest, file_kind, user, started_at)
        report(1.0, refused)
        return result

    report(0.2, "checking")
    parsed = canonical.parse(text)
    messages = validate(parsed, name)
    result = ImportResult(refused, messages, rows=len(text))
    if result.errors:
        with engine.begin() as connection:
            result.import_id = _record(connection, result, name, digest, file_kind, user, started_at)
        report(1.0, refused)
        return result

    report(0.4, "comparing with the database")
    episodes = parsed.episodes()
    with engine.begin() as connection:
        status = store.classify_changes(connection, episodes)
        result.inserted = int((status == "new").sum())
        result.updated = int((status == "updated").sum())
        result.unchanged = int((status == "unchanged").sum())
        result.outcome = "dry_run" if dry_run else "landed"
        result.import_id = _record(connection, result, name, digest, file_kind, user, started_at)
        if not dry_run:
            _write(connection, parsed, episodes[status.ne("unchanged").to_numpy()], result.import_id, report)
            connection.execute(
                update(Import).where(Import.import_id == result.import_id).values(finished_at=datetime.now())
            )
    report(1.0, result.outcome)
    return result


def _write(
    connection: Connection, parsed: canonical.ParsedFile, changed: pd.DataFrame, import_id: int, report: Progress
) -> None:
    """Children and establishments first (episodes refer to them), then the changed episodes."""
    report(0.5, "writing children")
    store.upsert_children(connection, parsed.children())
    store.upsert_establishments(connection, parsed.establishments())
    changed = changed.assign(import_id=import_id)
    total = max(len(changed), 1)
    for start in range(0, len(changed), WRITE_CHUNK_ROWS):
        store.upsert_episodes(connection, changed.iloc[start : start + WRITE_CHUNK_ROWS])
        done = min(start + WRITE_CHUNK_ROWS, len(changed))
        report(0.5 + 0.5 * done / total, f"writing episodes {done}/{len(changed)}")
