"""Signed-in browser sessions kept across refreshes, new tabs and links (docs/sign-in.md).

The browser holds a random token in an HttpOnly cookie; the `sessions` table
holds only its SHA-256 hash, so a copy of the table signs nobody in. A session
starts with a one-time claim ticket (hash stored, valid for `CLAIM_SECONDS`)
that the page sends to the server's `/_session/claim` route, which answers with
the cookie. Ending a session (sign-out, expiry, "sign out everywhere") is a
server-side write: the cookie is refused from then on, wherever it is.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, Select, insert, select, update

from loaders.schema import SignInSession, User

CLAIM_SECONDS = 60


@dataclass(frozen=True)
class StoredSession:
    """A session as the app needs it: whose, since when, last used, and the user's role now."""

    session_id: int
    user_name: str
    role: str | None  # None when the user no longer exists or is disabled
    signed_in_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None
    claimed: bool = False  # the browser traded its ticket for the cookie


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(engine: Engine, user_name: str, now: datetime) -> tuple[int, str]:
    """Open a session for `user_name`; returns its id and the one-time claim ticket for the browser."""
    claim = secrets.token_urlsafe(32)
    with engine.begin() as connection:
        session_id = connection.execute(
            insert(SignInSession)
            .values(user_name=user_name, claim_hash=_hash(claim), signed_in_at=now, last_seen_at=now)
            .returning(SignInSession.session_id)
        ).scalar_one()
    return session_id, claim


def claim(engine: Engine, ticket: str, now: datetime) -> str | None:
    """Trade a claim ticket (once, within CLAIM_SECONDS) for the cookie's token; None when refused."""
    token = secrets.token_urlsafe(32)
    with engine.begin() as connection:
        changed = connection.execute(
            update(SignInSession)
            .where(
                SignInSession.claim_hash == _hash(ticket),
                SignInSession.token_hash.is_(None),
                SignInSession.ended_at.is_(None),
                SignInSession.signed_in_at >= now - timedelta(seconds=CLAIM_SECONDS),
            )
            .values(token_hash=_hash(token), claim_hash=None)
        ).rowcount
    return token if changed == 1 else None


def _stored(where) -> Select:
    return (
        select(SignInSession.__table__, User.role, User.disabled)
        .outerjoin(User, User.name == SignInSession.user_name)
        .where(where)
    )


def _as_stored(row) -> StoredSession | None:
    if row is None:
        return None
    return StoredSession(
        row.session_id,
        row.user_name,
        None if row.disabled or row.role is None else row.role,
        row.signed_in_at,
        row.last_seen_at,
        row.ended_at,
        row.token_hash is not None,
    )


def find(engine: Engine, token: str) -> StoredSession | None:
    """The session whose cookie carries `token` (ended or not), or None."""
    if not token:
        return None
    with engine.connect() as connection:
        return _as_stored(connection.execute(_stored(SignInSession.token_hash == _hash(token))).first())


def get(engine: Engine, session_id: int) -> StoredSession | None:
    with engine.connect() as connection:
        return _as_stored(connection.execute(_stored(SignInSession.session_id == session_id)).first())


def touch(engine: Engine, session_id: int, now: datetime) -> None:
    """Record use of an open session (the idle limit counts from here)."""
    with engine.begin() as connection:
        connection.execute(
            update(SignInSession)
            .where(SignInSession.session_id == session_id, SignInSession.ended_at.is_(None))
            .values(last_seen_at=now)
        )


def end(engine: Engine, session_id: int, now: datetime) -> None:
    """End one session: its cookie signs nobody in from now on."""
    with engine.begin() as connection:
        connection.execute(
            update(SignInSession)
            .where(SignInSession.session_id == session_id, SignInSession.ended_at.is_(None))
            .values(ended_at=now, claim_hash=None)
        )


def end_all(engine: Engine, user_name: str, now: datetime) -> int:
    """End every open session of `user_name` (sign out everywhere, or an admin's revocation); returns how many."""
    with engine.begin() as connection:
        return connection.execute(
            update(SignInSession)
            .where(SignInSession.user_name == user_name, SignInSession.ended_at.is_(None))
            .values(ended_at=now, claim_hash=None)
        ).rowcount
