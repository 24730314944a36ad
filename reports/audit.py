"""The audit log: who exported or saw child-level data, when, with which filters (domain.md section 6)."""

from __future__ import annotations

import json
import os
from datetime import datetime

from sqlalchemy import Engine, insert

from loaders.schema import AuditEntry


def current_user() -> str:
    """The person running a command: MISSING_USER, else the login name, else `cli`."""
    return os.environ.get("MISSING_USER") or os.environ.get("USER") or "cli"


def record(engine: Engine, user: str, action: str, subject: str, filters: dict) -> None:
    """Write one audit_log row; `filters` is stored as JSON (period included by the caller)."""
    with engine.begin() as connection:
        connection.execute(
            insert(AuditEntry).values(
                at=datetime.now().replace(microsecond=0),
                user_name=user[:100],
                action=action,
                subject=subject[:200],
                filters=json.dumps(filters, sort_keys=True),
            )
        )
