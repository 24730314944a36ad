"""Importing files: read, check every rule, then land them whole or not at all.

Both the command line (`python -m loaders import`) and the app's import page
call `import_files`, so what a data officer sees refused, and why, is the
same everywhere. Every call is recorded in `imports` with its messages,
including refused files and dry runs, so the data-quality page can show the
history.

Three formats arrive as the same canonical table (domain.md section 3):
the canonical file itself, the SSDA903 return (`loaders.ssda903`) and a
police export through a header mapping (`loaders.police`). A file with
episode_id and only some columns is a partial update of existing episodes.
An SSDA903 period starting on the day an existing episode of the same child
started is that episode: it only fills what is blank.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from loaders import canonical, store
from loaders.schema import AuditEntry, Contribution, Episode, Import, ImportMessage
from loaders.validation import ERROR, WARNING, Message, Origins, validate

FORMATS = ("canonical", "ssda903", "police")
SUPPORTED_FORMATS = FORMATS
WRITE_CHUNK_ROWS = 20_000

Progress = Callable[[float, str], None]
log = logging.getLogger(__name__)

__all__ = ["FORMATS", "ImportResult", "Message", "Prepared", "import_file", "import_files", "import_uploads"]


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


def content_hash(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


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
    def from_file(cls, name: str, error: canonical.UnreadableFile) -> Unreadable:
        """The reader's refusal as messages: one per malformed cell or row, else one for the file."""
        if error.problems:
            return cls([Message(name, row, column, ERROR, text) for row, column, text in error.problems])
        return cls([Message(name, None, None, ERROR, f"cannot read file: {error}")])


def _fit(value: str | None, column) -> str | None:
    """A name cut to its column's length (a 1 MB header cell is still named, in part)."""
    return value if value is None else value[: column.type.length]


def _record(
    connection: Connection,
    result: ImportResult,
    name: str,
    digest: str,
    file_format: str,
    user: str | None,
    started_at: datetime,
) -> int:
    """Write the imports row and its messages, and (for a real import, landed or refused)
    an audit_log row, so every import is in the one audit log; returns the import id."""
    import_id = connection.execute(
        insert(Import)
        .values(
            file_name=_fit(name, Import.file_name),
            content_hash=digest,
            file_format=file_format,
            imported_by=_fit(user, Import.imported_by),
            started_at=started_at,
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
        name,
        file_format,
        user or "cli",
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
        details = {"format": file_format, "outcome": result.outcome, "rows": result.rows, "import_id": import_id}
        connection.execute(
            insert(AuditEntry).values(
                at=datetime.now().replace(microsecond=0),
                user_name=(user or "cli")[:100],
                action="import",
                subject=name[:200],
                filters=json.dumps(details, sort_keys=True),
            )
        )
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
    paths: list[str | Path],
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
    paths = [Path(p) for p in paths]
    names = list(display_names or [p.name for p in paths])
    if file_format != "ssda903" and len(paths) != 1:
        raise ValueError(f"the {file_format} format takes one file at a time")
    report = progress or (lambda fraction, stage: None)
    started_at = datetime.now()
    digest = content_hash(*paths)
    name = ", ".join(names)
    kind = canonical.file_format_of(paths[0]) if file_format == "canonical" else file_format
    refused = "dry_run" if dry_run else "refused"
    attempt = Attempt(name, digest, kind, user, started_at, refused)
    try:
        return _check_and_land(engine, paths, names, file_format, mapping, mapping_name, dry_run, attempt, report)
    except Exception:
        # A fault of ours or of the database: the user gets a plain message, the log the traceback.
        log.exception("import of %s failed unexpectedly", name)
        text = "the import failed unexpectedly and nothing was written; the details are in the application log"
        result = ImportResult(refused, [Message(names[0], None, None, ERROR, text)])
        try:
            with engine.begin() as connection:
                result.import_id = _record(connection, result, name, digest, kind, user, started_at)
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


def _check_and_land(
    engine: Engine,
    paths: list[Path],
    names: list[str],
    file_format: str,
    mapping: str | Path | None,
    mapping_name: str | None,
    dry_run: bool,
    attempt: Attempt,
    report: Progress,
) -> ImportResult:
    """The body of `import_files`: read, check, then land whole or record the refusal."""
    name, digest, kind, user, started_at = attempt.name, attempt.digest, attempt.kind, attempt.user, attempt.started_at
    refused = attempt.refused
    report(0.0, "reading")
    try:
        prepared = _prepare(paths, names, file_format, mapping, mapping_name)
    except Unreadable as unreadable:
        result = ImportResult(refused, unreadable.messages)
        with engine.begin() as connection:
            result.import_id = _record(connection, result, name, digest, kind, user, started_at)
        report(1.0, refused)
        return result

    report(0.2, "checking")
    parsed = canonical.parse(prepared.text, source=prepared.source)
    if prepared.full_rows_only:
        parsed.partial = False
    for column, cells in prepared.as_written.items():
        if column in parsed.text:
            parsed.text[column] = cells.where(parsed.text[column].notna())
    borrowed = parsed.partial and _add_stored_return_times(engine, parsed)
    found = validate(parsed, names[0])
    if parsed.partial:
        found += _unknown_episode_ids(engine, parsed, names[0])
    if borrowed:
        parsed.typed = parsed.typed.drop(columns=["returned_at", "returned_at_date_only"])
        parsed.text = parsed.text.drop(columns=["returned_at"])
    messages = prepared.messages + [prepared.origins.relocate(m) for m in found]
    result = ImportResult(refused, _in_file_order(messages, names), rows=len(prepared.text))
    result.left_out = prepared.left_out
    if result.errors:
        with engine.begin() as connection:
            result.import_id = _record(connection, result, name, digest, kind, user, started_at)
        report(1.0, refused)
        return result

    report(0.4, "comparing with the database")
    episodes = parsed.episodes()
    contributions = _contributions(episodes, "tracker" if parsed.partial else prepared.source)
    with engine.begin() as connection:
        renames: dict[str, str] = {}
        if prepared.join_same_day:
            episodes = join_same_day(connection, episodes)
        elif not parsed.partial:
            episodes, renames = absorb_ssda903(connection, episodes)
        status = store.classify_changes(connection, episodes)
        status[episodes["episode_id"].isin(renames).to_numpy()] = "updated"  # stored under its 903 id
        result.inserted = int((status == "new").sum())
        result.updated = int((status == "updated").sum())
        result.unchanged = int((status == "unchanged").sum())
        result.preview = episodes.assign(change=status.to_numpy())
        result.outcome = "dry_run" if dry_run else "landed"
        result.import_id = _record(connection, result, name, digest, kind, user, started_at)
        if not dry_run:
            if renames:
                rename_episodes(connection, renames)
            _write(connection, parsed, episodes[status.ne("unchanged").to_numpy()], result.import_id, report)
            store.upsert_contributions(connection, contributions.assign(import_id=result.import_id))
            connection.execute(
                update(Import).where(Import.import_id == result.import_id).values(finished_at=datetime.now())
            )
    report(1.0, result.outcome)
    return result


def _prepare(
    paths: list[Path], names: list[str], file_format: str, mapping: str | Path | None, mapping_name: str | None
) -> Prepared:
    """Read the input of one format into the canonical table."""
    if file_format == "ssda903":
        from loaders import ssda903

        return ssda903.prepare(paths, names)
    if file_format == "police":
        from loaders import police

        if mapping is None:
            raise Unreadable([Message(names[0], None, None, ERROR, "a police export needs a mapping file (--mapping)")])
        return police.prepare(paths[0], names[0], Path(mapping), mapping_name or Path(mapping).name)
    try:
        text = canonical.read_table(paths[0])
    except canonical.UnreadableFile as error:
        raise Unreadable.from_file(names[0], error) from None
    return Prepared(text, Origins(names[0]))


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


def same_day_matches(connection: Connection, episodes: pd.DataFrame, source: str | None = None) -> np.ndarray:
    """Per incoming row, the id of a stored episode of the same child starting the same day (else None).

    Stored episodes whose id is in the file are left out (they are the same
    rows imported again); with `source`, only episodes from that source count.
    Where a child has several that day, on either side, they pair in order
    (reported_at, then returned_at, open last; then id or row), so two
    periods that day never take one stored episode's id.
    """
    table = Episode.__table__
    children = episodes["child_id"].dropna().unique().tolist()
    columns = ["episode_id", "child_id", "reported_at", "returned_at"]
    parts = []
    for start in range(0, len(children), 900):
        query = select(*[table.c[c] for c in columns]).where(table.c.child_id.in_(children[start : start + 900]))
        if source is not None:
            query = query.where(table.c.source == source)
        parts.append(pd.DataFrame(connection.execute(query).all(), columns=columns))
    stored = pd.concat(parts) if parts else pd.DataFrame(columns=columns)
    stored = stored[~stored["episode_id"].isin(episodes["episode_id"])]
    if stored.empty:
        return np.full(len(episodes), None, dtype=object)
    stored = stored.assign(
        reported_at=pd.to_datetime(stored["reported_at"]), returned_at=pd.to_datetime(stored["returned_at"])
    )
    stored["day"] = stored["reported_at"].dt.normalize()
    stored = stored.sort_values(["reported_at", "returned_at", "episode_id"], na_position="last")
    stored["nth"] = stored.groupby(["child_id", "day"]).cumcount()
    returned = episodes["returned_at"] if "returned_at" in episodes else pd.Series(pd.NaT, index=episodes.index)
    incoming = pd.DataFrame(
        {
            "child_id": episodes["child_id"].to_numpy(),
            "reported_at": pd.to_datetime(episodes["reported_at"]).to_numpy(),
            "returned_at": pd.to_datetime(returned).to_numpy(),
            "position": np.arange(len(episodes)),
        }
    )
    incoming["day"] = incoming["reported_at"].dt.normalize()
    ordered = incoming.sort_values(["reported_at", "returned_at", "position"], na_position="last")
    incoming["nth"] = ordered.groupby(["child_id", "day"]).cumcount().reindex(incoming.index)
    found = incoming.merge(
        stored[["child_id", "day", "nth", "episode_id"]].rename(columns={"episode_id": "stored_id"}),
        on=["child_id", "day", "nth"],
        how="left",
    )["stored_id"]
    return found.astype(object).where(found.notna(), None).to_numpy()


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


def join_same_day(connection: Connection, episodes: pd.DataFrame) -> pd.DataFrame:
    """SSDA903 rows take the id of an existing episode of the same child starting the same day.

    Another source (a police export) may already hold the event an SSDA903
    period records. The stored episode keeps every value it has, including
    its richer times and its source; the 903 row only fills blanks (a
    datetime with its date-only flag, a postcode with its facts).
    Re-importing the same 903 period finds its own id and updates as usual.
    """
    matched = same_day_matches(connection, episodes)
    joined = pd.notna(matched)
    if not joined.any():
        return episodes
    episodes = episodes.copy()
    episodes.loc[episodes.index[joined], "episode_id"] = matched[joined]
    return _combine(connection, episodes, joined, matched[joined], stored_first=True)


def absorb_ssda903(connection: Connection, episodes: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rows of another source that record an event an SSDA903 import already holds (same child, same day).

    The reverse order of `join_same_day`: the incoming row (a police export,
    with times) wins, filling its blanks from the 903 episode, and the 903
    episode is renamed to the incoming id (`rename_episodes`) so the event is
    still one episode. Returns the filled rows and {incoming id: 903 id}.
    """
    table = Episode.__table__
    if connection.execute(select(table.c.episode_id).where(table.c.source == "ssda903").limit(1)).first() is None:
        return episodes, {}  # the usual case, checked once: no 903 episode to take over
    matched = same_day_matches(connection, episodes, source="ssda903")
    absorbed = pd.notna(matched)
    if not absorbed.any():
        return episodes, {}
    renames = dict(zip(episodes["episode_id"].to_numpy()[absorbed], matched[absorbed], strict=True))
    return _combine(connection, episodes, absorbed, matched[absorbed], stored_first=False), renames


def rename_episodes(connection: Connection, renames: dict[str, str]) -> None:
    """Give stored episodes new ids ({new id: old id}); nothing refers to an episode by id."""
    table = Episode.__table__
    statement = update(table).where(table.c.episode_id == bindparam("old_id")).values(episode_id=bindparam("new_id"))
    connection.execute(statement, [{"old_id": old, "new_id": new} for new, old in renames.items()])


def _combine(
    connection: Connection, episodes: pd.DataFrame, rows: np.ndarray, stored_ids: np.ndarray, *, stored_first: bool
) -> pd.DataFrame:
    """Merge the chosen incoming rows with stored episodes: the first side's given values win, the other fills blanks.

    A datetime moves with its date-only flag, a postcode with its facts; the
    source is the first side's.
    """
    index = episodes.index[rows]
    columns = [c for c in episodes.columns if c != "episode_id"]
    before = store.existing_episodes(connection, list(stored_ids), columns).reindex(stored_ids)
    before.index = index
    incoming = episodes.loc[index]
    dtypes = episodes.dtypes
    merged = {}
    for column in columns:
        first, second = (before, incoming) if stored_first else (incoming, before)
        values = episodes[column].astype(object)
        keep = _given(first, column)
        values.loc[index] = first[column].astype(object).where(keep, second[column].astype(object))
        merged[column] = values.astype(dtypes[column])
    return episodes.assign(**merged)


def _given(frame: pd.DataFrame, column: str) -> pd.Series:
    """Where a side's value stands: given, or (for a flag or postcode fact) its datetime or postcode is."""
    if column.endswith("_date_only"):
        return frame[column.removesuffix("_date_only")].notna()
    for prefix in ("from", "found"):
        if column.startswith(f"{prefix}_") and f"{prefix}_postcode" in frame:
            return frame[f"{prefix}_postcode"].notna()
    if column == "source":
        return pd.Series(True, index=frame.index)
    return frame[column].notna()


def _contributions(episodes: pd.DataFrame, source: str) -> pd.DataFrame:
    """Every row as its source gave it, under its own id: taken before an SSDA903 period is joined
    with another source's episode of the same day, so reconciliation sees both sides (domain.md section 11)."""
    own = [c.name for c in Contribution.__table__.columns if c.name not in ("source", "import_id")]
    kept = [c for c in own if c in episodes.columns]
    return episodes[kept].assign(source=source)


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
