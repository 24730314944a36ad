"""The audit log: who exported or saw child-level data, when, with which filters (domain.md section 6).

Actions written today: `view` and `export` (child-level pages, exports), `import`,
`sign_in`, `sign_in_failed`, `sign_out`, `audit_export` (the audit log itself downloaded).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import Engine, func, or_, select

from loaders import audit as audit_log
from loaders.schema import AuditEntry
from reports.tables import spreadsheet_safe


def current_user() -> str:
    """The person running a command, as the operating system knows them (never a variable anyone can set)."""
    return audit_log.operating_system_user()


def record(engine: Engine, user: str, action: str, subject: str, filters: dict) -> None:
    """Write one audit_log row; `filters` is stored as JSON (period included by the caller)."""
    with engine.begin() as connection:
        audit_log.write(connection, user, action, subject, filters)


def failed_sign_ins(engine: Engine, name: str, since: datetime) -> int:
    """How many failed sign-ins for `name` since `since` and after its last success (for the lockout)."""
    with engine.connect() as connection:
        return audit_log.failed_sign_ins(connection, name, since)


def entries(
    engine: Engine,
    *,
    users: list[str] | None = None,
    actions: list[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    text: str = "",
    limit: int | None = None,
) -> pd.DataFrame:
    """Audit rows, newest first, narrowed by user names, actions, a date range (inclusive) and text.

    `text` matches anywhere in the subject or filters, case-insensitively.
    """
    query = select(
        AuditEntry.at, AuditEntry.user_name, AuditEntry.action, AuditEntry.subject, AuditEntry.filters
    ).order_by(AuditEntry.at.desc(), AuditEntry.audit_id.desc())
    if users:
        query = query.where(AuditEntry.user_name.in_(users))
    if actions:
        query = query.where(AuditEntry.action.in_(actions))
    if start is not None:
        query = query.where(AuditEntry.at >= datetime.combine(start, time.min))
    if end is not None:
        query = query.where(AuditEntry.at < datetime.combine(end + timedelta(days=1), time.min))
    if text.strip():
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(AuditEntry.subject).like(pattern),
                func.lower(func.coalesce(AuditEntry.filters, "")).like(pattern),
            )
        )
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=["at", "user", "action", "subject", "filters"])
    frame["at"] = pd.to_datetime(frame["at"])
    return frame


def distinct_values(engine: Engine) -> tuple[list[str], list[str]]:
    """Every user name and every action in the log, for the page's pick lists."""
    with engine.connect() as connection:
        names = (
            connection.execute(select(AuditEntry.user_name).distinct().order_by(AuditEntry.user_name)).scalars().all()
        )
        actions = connection.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).scalars().all()
    return list(names), list(actions)


def entries_csv(rows: pd.DataFrame) -> str:
    """The Audit log page's export of `entries`: no cell a spreadsheet would run as a formula
    (a name typed into the sign-in form is stored as it was typed)."""
    return spreadsheet_safe(rows).to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S")
