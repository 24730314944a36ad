"""Importing files: read, check every rule, then land them whole or not at all.

Both the command line (`python -m loaders import`) and the app's import page
call `import_files`, so what a data officer sees refused, and why, is the
same everywhere. Every call is recorded in `imports` with its messages,
including refused files and dry runs, so the data-quality page can show the
history.

The stages, in order (`_run`): read (a reader per format gives the canonical
text table: the canonical file itself, the SSDA903 return `loaders.ssda903`,
a police export or a canonical file under other headers through a header
mapping `loaders.police`), check (`canonical.parse`, `validation.validate`),
match one event recorded by two sources (`loaders.matching`), classify
against the database and write (`loaders.store`). This module only
sequences them and records the attempt. A file with episode_id and only
some columns is a partial update of existing episodes.
An SSDA903 period starting on the day an existing episode of the same child
started is that episode: it only fills what is blank.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, insert, update

from loaders import audit, canonical, matching, police, ssda903, store
from loaders.frames import ERROR, ImportResult, Message, Origins, Prepared, Progress, Unreadable
from loaders.schema import Contribution, Episode, Import, ImportMessage
from loaders.validation import validate

FORMATS = ("canonical", "ssda903", "police")
CHANGES = ("new", "updated", "unchanged")
SUPPORTED_FORMATS = FORMATS

log = logging.getLogger(__name__)

__all__ = ["FORMATS", "ImportResult", "Message", "Prepared", "import_file", "import_files", "import_uploads"]


def content_hash(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _fit(value: str | None, column) -> str | None:
    """A name cut to its column's length (a 1 MB header cell is still named, in part)."""
    return value if value is None else value[: column.type.length]


def _record(connection: Connection, result: ImportResult, attempt: Attempt) -> int:
    """Write the imports row and its messages, and (for a real import, landed or refused)
    an audit_log row, so every import is in the one audit log; returns the import id."""
    import_id = connection.execute(
        insert(Import)
        .values(
            file_name=_fit(attempt.name, Import.file_name),
            content_hash=attempt.digest,
            file_format=attempt.kind,
            imported_by=_fit(attempt.user, Import.imported_by),
            started_at=attempt.started_at,
            finished_at=datetime.now(),
            rows=result.rows,
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
            errors=len(result.errors),
            warnings=len(result.warnings),
            outcome=result.outcome,
        )
        .returning(Import.import_id)
    ).scalar_one()
    log.info(
        "import %d of %r (%s) by %r: %s, %d rows, %d new, %d updated, %d errors, %d warnings",
        import_id,
        attempt.name,
        attempt.kind,
        attempt.user or "cli",
        result.outcome,
        result.rows,
        result.inserted,
        result.updated,
        len(result.errors),
        len(result.warnings),
    )
    if result.messages:
        connection.execute(
            insert(ImportMessage),
            [
                {
                    "import_id": import_id,
                    "file_name": _fit(m.file, ImportMessage.file_name),
                    "row": m.row,
                    "column": _fit(m.column, ImportMessage.column),
                    "severity": m.severity,
                    "text": m.text,
                }
                for m in result.messages
            ],
        )
    if result.outcome != "dry_run":
        details = {"format": attempt.kind, "outcome": result.outcome, "rows": result.rows, "import_id": import_id}
        audit.write(connection, attempt.user or "cli", "import", attempt.name, details)
    return import_id


def import_file(
    engine: Engine,
    path: str | Path,
    file_format: str = "canonical",
    *,
    display_name: str | None = None,
    mapping: str | Path | None = None,
    mapping_name: str | None = None,
    dry_run: bool = False,
    user: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """One file (canonical or police); see `import_files`."""
    return import_files(
        engine,
        [path],
        file_format,
        display_names=[display_name] if display_name else None,
        mapping=mapping,
        mapping_name=mapping_name,
        dry_run=dry_run,
        user=user,
        progress=progress,
    )


def import_files(
    engine: Engine,
    paths: Sequence[str | Path],
    file_format: str = "canonical",
    *,
    display_names: list[str] | None = None,
    mapping: str | Path | None = None,
    mapping_name: str | None = None,
    dry_run: bool = False,
    user: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Check input against every rule and, when it has no errors, land it in one transaction.

    Canonical and police take one file; SSDA903 takes its tables together
    (CSV files, or one XML return). New episode_ids are inserted and known
    ones updated (never duplicated); rows identical to what is stored are
    left alone. Input with any error changes no episode. A dry run checks
    and counts but writes only its `imports` record and messages (outcome
    `dry_run`, whatever the errors). `result.preview` lists what changes.
    """
    if file_format not in FORMATS:
        raise ValueError(f"unknown format {file_format!r} (expected one of {', '.join(FORMATS)})")
    files = [Path(p) for p in paths]
    names = list(display_names or [p.name for p in files])
    if file_format != "ssda903" and len(files) != 1:
        raise ValueError(f"the {file_format} format takes one file at a time")
    report = progress or (lambda fraction, stage: None)
    name = ", ".join(names)
    kind = canonical.file_format_of(files[0]) if file_format == "canonical" else file_format
    refused = "dry_run" if dry_run else "refused"
    attempt = Attempt(name, content_hash(*files), kind, user, datetime.now(), refused)
    mapping_file = None if mapping is None else (Path(mapping), mapping_name or Path(mapping).name)
    try:
        return _run(engine, files, names, file_format, mapping_file, dry_run, attempt, report)
    except Exception:
        # A fault of ours or of the database: the user gets a plain message, the log the traceback.
        log.exception("import of %s failed unexpectedly", name)
        text = "the import failed unexpectedly and nothing was written; the details are in the application log"
        result = ImportResult(refused, [Message(names[0], None, None, ERROR, text)])
        try:
            with engine.begin() as connection:
                result.import_id = _record(connection, result, attempt)
        except Exception:
            log.exception("could not record the failed import of %s", name)
        report(1.0, refused)
        return result


@dataclass(frozen=True)
class Attempt:
    """What `imports` records of one call, whatever happens to it."""

    name: str
    digest: str
    kind: str
    user: str | None
    started_at: datetime
    refused: str  # the outcome when nothing lands: "refused", or "dry_run"


def _run(
    engine: Engine,
    paths: list[Path],
    names: list[str],
    file_format: str,
    mapping: tuple[Path, str] | None,
    dry_run: bool,
    attempt: Attempt,
    report: Progress,
) -> ImportResult:
    """The stages in order: read, check, match and classify against the database, write.

    A refusal at any stage is recorded and returned; nothing is written before every check has passed.
    """
    report(0.0, "reading")
    try:
        prepared = read(paths, names, file_format, mapping)
    except Unreadable as unreadable:
        return _refuse(engine, ImportResult(attempt.refused, unreadable.messages), attempt, report)

    report(0.2, "checking")
    parsed, found = check(engine, prepared, names[0])
    messages = _in_file_order(prepared.messages + found, names)
    result = ImportResult(attempt.refused, messages, rows=len(prepared.text), left_out=prepared.left_out)
    if result.errors:
        return _refuse(engine, result, attempt, report)

    report(0.4, "comparing with the database")
    episodes = parsed.episodes()
    contributions = _contributions(episodes, "tracker" if parsed.partial else prepared.source)
    with engine.begin() as connection:
        store.one_import_at_a_time(connection)
        renames: dict[str, str] = {}
        if prepared.join_same_day:
            episodes = matching.join_same_day(connection, episodes)
        elif not parsed.partial:
            episodes, renames = matching.absorb_ssda903(connection, episodes)
        first = store.is_empty(connection, Episode) and not parsed.partial
        status = store.classify_changes(connection, episodes)
        status[episodes["episode_id"].isin(renames).to_numpy()] = "updated"  # stored under its 903 id
        result.inserted, result.updated, result.unchanged = (int(status.eq(s).sum()) for s in CHANGES)
        result.preview = episodes.assign(change=status.to_numpy())
        result.outcome = "dry_run" if dry_run else "landed"
        result.import_id = _record(connection, result, attempt)
        if not dry_run:
            if renames:
                matching.rename_episodes(connection, renames)
            with store.indexes_built_after(connection, [Episode, Contribution]):
                changed = episodes[status.ne("unchanged").to_numpy()]
                _write(connection, parsed, changed, result.import_id, report, all_new=first and not renames)
                # a first import's contributions are the episodes it inserted, as given
                as_inserted = first and not renames and not prepared.join_same_day
                as_inserted = as_inserted and episodes["episode_id"].is_unique
                store.upsert_contributions(connection, contributions.assign(import_id=result.import_id), as_inserted)
            connection.execute(
                update(Import).where(Import.import_id == result.import_id).values(finished_at=datetime.now())
            )
    report(1.0, result.outcome)
    return result


def _refuse(engine: Engine, result: ImportResult, attempt: Attempt, report: Progress) -> ImportResult:
    """Record a refusal (or a dry run with errors): its imports row and messages, nothing else."""
    with engine.begin() as connection:
        result.import_id = _record(connection, result, attempt)
    report(1.0, result.outcome)
    return result


def read(paths: list[Path], names: list[str], file_format: str, mapping: tuple[Path, str] | None) -> Prepared:
    """Stage 1: the reader of the format turns its files into the canonical text table."""
    if file_format == "ssda903":
        return ssda903.prepare(paths, names)
    if file_format == "police":
        if mapping is None:
            raise Unreadable([Message(names[0], None, None, ERROR, "a police export needs a mapping file (--mapping)")])
        return police.prepare(paths[0], names[0], *mapping)
    if mapping is not None:  # a canonical file under other headers, e.g. an interview provider's tracker
        return police.prepare(paths[0], names[0], *mapping, partial=True)
    try:
        text = canonical.read_table(paths[0])
    except canonical.UnreadableFile as error:
        raise Unreadable.from_file(names[0], error) from None
    return Prepared(text, Origins(names[0]))


def check(engine: Engine, prepared: Prepared, name: str) -> tuple[canonical.ParsedFile, list[Message]]:
    """Stage 2: parse the text (postcodes resolved on the way) and run every rule.

    The messages name the cells as the file wrote them. A partial update is
    also checked against the episodes it changes (they must exist; an
    interview cannot come before the stored return).
    """
    parsed = canonical.parse(prepared.text, source=prepared.source)
    if prepared.full_rows_only:
        parsed.partial = False
    for column, cells in prepared.as_written.items():
        if column in parsed.text:
            parsed.text[column] = cells.where(parsed.text[column].notna())
    borrowed = parsed.partial and _add_stored_return_times(engine, parsed)
    found = validate(parsed, name)
    if parsed.partial:
        found += _unknown_episode_ids(engine, parsed, name)
    if borrowed:
        parsed.typed = parsed.typed.drop(columns=["returned_at", "returned_at_date_only"])
        parsed.text = parsed.text.drop(columns=["returned_at"])
    return parsed, [prepared.origins.relocate(m) for m in found]


def _in_file_order(messages: list[Message], names: list[str]) -> list[Message]:
    """Messages file by file (in the order given), whole-file and whole-column ones first, then by row."""
    order = {n: i for i, n in enumerate(names)}
    unique = list(dict.fromkeys(messages))  # two periods from one placement share its postcode's message
    return sorted(unique, key=lambda m: (order.get(m.file, len(order)), m.row or 0))


def _unknown_episode_ids(engine: Engine, parsed: canonical.ParsedFile, name: str) -> list[Message]:
    """A partial update may only change episodes that exist: refuse the rows whose id is unknown."""
    ids = parsed.text["episode_id"].dropna()
    with engine.connect() as connection:
        known = store.existing_episodes(connection, ids.unique().tolist(), []).index
    missing = sorted(c for c in canonical.REQUIRED_COLUMNS if c not in parsed.text.columns)
    why = f"a file without {', '.join(missing)} only updates episodes already imported"
    return [
        Message(name, int(row), "episode_id", ERROR, f"episode_id '{value}' is not in the database ({why})")
        for row, value in ids[~ids.isin(known)].items()
    ]


def _add_stored_return_times(engine: Engine, parsed: canonical.ParsedFile) -> bool:
    """A partial update without returned_at is still checked against each episode's stored return time.

    (A return interview or safe and well check cannot come before the child
    returned.) The stored values join the parsed file for the checks only: True when they did.
    """
    after_return = {"safe_and_well_at", "rhi_offered_at", "rhi_completed_at"}
    if "returned_at" in parsed.text.columns or not after_return & set(parsed.text.columns):
        return False
    ids = parsed.text["episode_id"]
    with engine.connect() as connection:
        stored = store.existing_episodes(
            connection, ids.dropna().unique().tolist(), ["returned_at", "returned_at_date_only"]
        )
    returned = pd.to_datetime(ids.map(stored["returned_at"])).astype("datetime64[us]")
    date_only = ids.map(stored["returned_at_date_only"]).fillna(False).astype(bool)
    parsed.typed["returned_at"], parsed.typed["returned_at_date_only"] = returned, date_only
    text = returned.dt.strftime("%Y-%m-%d %H:%M").where(~date_only, returned.dt.strftime("%Y-%m-%d"))
    parsed.text["returned_at"] = text.where(returned.notna()).astype(object)
    return True


def _contributions(episodes: pd.DataFrame, source: str) -> pd.DataFrame:
    """Every row as its source gave it, under its own id: taken before an SSDA903 period is joined
    with another source's episode of the same day, so reconciliation sees both sides (domain.md section 11)."""
    own = [c.name for c in Contribution.__table__.columns if c.name not in ("source", "import_id")]
    kept = [c for c in own if c in episodes.columns]
    return episodes[kept].assign(source=source)


def _write(
    connection: Connection,
    parsed: canonical.ParsedFile,
    changed: pd.DataFrame,
    import_id: int,
    report: Progress,
    all_new: bool = False,
) -> None:
    """Children and establishments first (episodes refer to them), then the changed episodes
    (`all_new`: none of their ids is stored, a first import)."""
    report(0.5, "writing children")
    store.upsert_children(connection, parsed.children())
    store.upsert_establishments(connection, parsed.establishments())
    changed = changed.assign(import_id=import_id)
    total = max(len(changed), 1)

    def written(done: int) -> None:
        report(0.5 + 0.5 * done / total, f"writing episodes {done}/{len(changed)}")

    store.upsert_episodes(connection, changed, progress=written, all_new=all_new)


def import_uploads(
    engine: Engine,
    files: list[tuple[str, bytes]],
    file_format: str = "canonical",
    *,
    mapping: tuple[str, bytes] | Path | None = None,
    dry_run: bool = False,
    user: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """`import_files` for uploaded contents (name, bytes): written to a temporary folder, extensions kept.

    `mapping` is an uploaded mapping file (name, bytes) or the path of one on disk (the shipped example).
    """
    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        paths = []
        for number, (name, content) in enumerate(files):
            path = Path(folder) / f"upload{number}{Path(name).suffix.lower()}"
            path.write_bytes(content)
            paths.append(path)
        mapping_path, mapping_name = None, None
        if isinstance(mapping, tuple):
            mapping_name = mapping[0]
            mapping_path = Path(folder) / f"mapping{Path(mapping_name).suffix.lower()}"
            mapping_path.write_bytes(mapping[1])
        elif mapping is not None:
            mapping_path, mapping_name = Path(mapping), Path(mapping).name
        return import_files(
            engine,
            paths,
            file_format,
            display_names=[name for name, _ in files],
            mapping=mapping_path,
            mapping_name=mapping_name,
            dry_run=dry_run,
            user=user,
            progress=progress,
        )
