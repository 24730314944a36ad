"""Who is using the app, and which pages their role opens (domain.md sections 5 and 6).

CONTRACT (other modules rely on it):
- `st.session_state["user"]` holds a `SignedIn` once someone has signed in;
  only this module writes it (AppTest may seed it in tests).
- `require_user()` returns the signed-in user or shows the sign-in form and stops.
- `can_see_child_level(user)` and `is_admin(user)` are the only role checks pages use.

INTERIM: sign-in lands with issue 5; until then everyone is a local admin.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

ROLES = ("viewer", "analyst", "admin")


@dataclass(frozen=True)
class SignedIn:
    name: str
    role: str
    signed_in_at: float


def require_user() -> SignedIn:
    user = st.session_state.get("user")
    if user is None:
        user = SignedIn("local", "admin", time.time())
    return user


def can_see_child_level(user: SignedIn) -> bool:
    return user.role in ("analyst", "admin")


def is_admin(user: SignedIn) -> bool:
    return user.role == "admin"


def audit(action: str, subject: str, filters: dict) -> None:
    """Record that the signed-in user did `action` (view, export, ...) on `subject` with `filters`.

    Child-level pages call this on every view and every export (domain.md section 6).
    """
    import app_state  # app_state imports the loaders; keep this module light to import
    from reports.audit import record

    record(app_state.current_engine(), require_user().name, action, subject, filters)
