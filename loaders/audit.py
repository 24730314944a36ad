"""Writing audit_log rows and counting failed sign-ins, on a connection the caller holds.

The one home of the audit row's shape: `reports.audit.record` and the importer write through it,
and the sign-in (loaders/users.py) writes through it inside the transaction
that holds the lock on the name, so counting, checking and recording are one step.
"""

from __future__ import annotations

import json
import os
import pwd
from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from loaders.schema import AuditEntry


def operating_system_user() -> str:
    """Who ran a command, as the operating system knows them: $USER and $LOGNAME can be set to anything."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a uid with no passwd entry (some containers)
        return f"uid {os.getuid()}"


def write(connection: Connection, user: str, action: str, subject: str, filters: dict) -> None:
    """Write one audit_log row; `filters` is stored as JSON (period included by the caller)."""
    connection.execute(
        insert(AuditEntry).values(
            at=datetime.now().replace(microsecond=0),
            user_name=user[:100],
            action=action,
            subject=subject[:200],
            filters=json.dumps(filters, sort_keys=True),
        )
    )


def failed_sign_ins(connection: Connection, name: str, since: datetime) -> int:
    """How many failed sign-ins for `name` since `since` and after its last success (for the lockout)."""
    name = name[:100]
    last_success = connection.execute(
        select(func.max(AuditEntry.audit_id)).where(AuditEntry.user_name == name, AuditEntry.action == "sign_in")
    ).scalar()
    return connection.execute(
        select(func.count()).where(
            AuditEntry.user_name == name,
            AuditEntry.action == "sign_in_failed",
            AuditEntry.at >= since,
            AuditEntry.audit_id > (last_success or 0),
        )
    ).scalar_one()
