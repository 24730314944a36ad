"""The people who may sign in: one row each in `users`, a role, an argon2 password hash.

Used by `python -m loaders users ...` and by the app's sign-in form. The
role lives here and nowhere a user can change it. Passwords are hashed and
checked by argon2-cffi (constant-time comparison inside the library); a
name that does not exist is checked against a dummy hash so a wrong name
and a wrong password take the same time.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, func, insert, select, text, update

from config.sections import OidcSettings
from loaders import audit
from loaders.schema import User

ROLES = ("viewer", "analyst", "admin")
DEMO_ADMIN = "admin"
NAME_MAX = 100

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Made on first use, not at import: one argon2 hash is a fifth of a second every command paid at start."""
    return _hasher.hash("not a password anyone has")


class UserError(ValueError):
    """A request the users table refuses (unknown name, taken name, bad role)."""


@dataclass(frozen=True)
class Account:
    """A user as the app and the command show it (never the hash)."""

    name: str
    role: str
    disabled: bool
    created_at: datetime
    password_set_at: datetime | None
    last_sign_in_at: datetime | None
    has_password: bool


def generate_password() -> str:
    """A random password of 16 URL-safe characters (about 96 bits), shown to the admin once."""
    return secrets.token_urlsafe(12)


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise UserError(f"a name has 1 to {NAME_MAX} characters")
    return name


def add_user(engine: Engine, name: str, role: str, password: str | None = None) -> str:
    """Create a user; returns the password (a generated one when none is given)."""
    name = _check_name(name)
    _check_role(role)
    password = password or generate_password()
    with engine.begin() as connection:
        if connection.execute(select(User.user_id).where(User.name == name)).first():
            raise UserError(f"user {name} already exists")
        connection.execute(
            insert(User).values(
                name=name,
                role=role,
                password_hash=_hasher.hash(password),
                disabled=False,
                created_at=_now(),
                password_set_at=_now(),
            )
        )
    return password


def add_oidc_user(engine: Engine, name: str, role: str) -> None:
    """Create a user who signs in only through the identity provider (no password)."""
    name = _check_name(name)
    _check_role(role)
    with engine.begin() as connection:
        if connection.execute(select(User.user_id).where(User.name == name)).first():
            raise UserError(f"user {name} already exists")
        connection.execute(
            insert(User).values(name=name, role=role, password_hash=None, disabled=False, created_at=_now())
        )


def list_users(engine: Engine) -> list[Account]:
    with engine.connect() as connection:
        rows = connection.execute(select(User.__table__).order_by(User.name)).all()
    return [_account(row) for row in rows]


def count_users(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(User)).scalar_one()


def _change(engine: Engine, name: str, **values) -> None:
    with engine.begin() as connection:
        changed = connection.execute(update(User).where(User.name == name).values(**values)).rowcount
    if not changed:
        raise UserError(f"no user {name}")


def set_disabled(engine: Engine, name: str, disabled: bool) -> None:
    """Disable (or enable again) a user; a disabled user cannot sign in."""
    _change(engine, name, disabled=disabled)


def set_role(engine: Engine, name: str, role: str) -> None:
    _check_role(role)
    _change(engine, name, role=role)


def reset_password(engine: Engine, name: str, password: str | None = None) -> str:
    """Give a user a new password; returns it (a generated one when none is given)."""
    password = password or generate_password()
    _change(engine, name, password_hash=_hasher.hash(password), password_set_at=_now())
    return password


def lookup(engine: Engine, name: str) -> Account | None:
    """The account called `name` (enabled or not), or None."""
    with engine.connect() as connection:
        row = connection.execute(select(User.__table__).where(User.name == name.strip())).first()
    return None if row is None else _account(row)


def _account(row) -> Account:
    return Account(
        row.name,
        row.role,
        bool(row.disabled),
        row.created_at,
        row.password_set_at,
        row.last_sign_in_at,
        row.password_hash is not None,
    )


def verify(engine: Engine, name: str, password: str) -> Account | None:
    """The account when `name` exists, is enabled, and `password` is right; else None.

    Always runs one argon2 verification, so timing does not tell a missing
    name from a wrong password. Records the sign-in time, and rehashes when
    the library's parameters have grown since the hash was made.
    """
    with engine.begin() as connection:
        return _verify(connection, name, password)


def _verify(connection: Connection, name: str, password: str) -> Account | None:
    dummy = _dummy_hash()  # before the lookup: a first sign-in's extra hash cannot depend on the name
    name = name.strip()
    user = connection.execute(select(User.__table__).where(User.name == name)).first()
    stored = user.password_hash if user is not None and user.password_hash else dummy
    try:
        _hasher.verify(stored, password)
        matched = stored is not dummy
    except (VerificationError, InvalidHashError):
        matched = False
    if not matched or user is None or user.disabled:
        return None
    values: dict = {"last_sign_in_at": _now()}
    if _hasher.check_needs_rehash(stored):
        values["password_hash"] = _hasher.hash(password)
    connection.execute(update(User).where(User.name == user.name).values(**values))
    return Account(user.name, user.role, False, user.created_at, user.password_set_at, values["last_sign_in_at"], True)


# Any fixed number: with the name's hash, the PostgreSQL advisory lock a sign-in holds.
SIGN_IN_LOCK = 7_311_948


def sign_in(
    engine: Engine, name: str, password: str, *, max_failures: int, since: datetime
) -> tuple[Account | None, str]:
    """Check a password under the lockout, and audit the attempt; returns (account, how).

    `how` is "password" (signed in, or a wrong name or password) or "locked"
    (`max_failures` failures for the name since `since`). Counting the
    failures, checking the password and writing the audit row happen in one
    transaction that holds a lock on the name (PostgreSQL: an advisory lock
    on the name; SQLite: BEGIN IMMEDIATE, the database's write lock), so
    attempts made at the same moment from many browsers are counted one
    after the other and no guess is checked once the limit is reached.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA busy_timeout = 60000")  # wait for the other attempts
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key, hashtext(:name))"), {"key": SIGN_IN_LOCK, "name": name}
            )
        if audit.failed_sign_ins(connection, name, since) >= max_failures:
            audit.write(connection, name, "sign_in_failed", "locked", {})
            connection.commit()
            return None, "locked"
        account = _verify(connection, name, password)
        if account is None:
            audit.write(connection, name, "sign_in_failed", "password", {})
        else:
            audit.write(connection, account.name, "sign_in", "password", {"role": account.role})
        connection.commit()
    return account, "password"


def ensure_demo_admin(engine: Engine) -> str | None:
    """When the users table is empty, create `admin` with a random password and return it.

    `make run` calls this so the sample is one command; it does nothing (None)
    once any user exists, so the password is only ever shown once.
    """
    if count_users(engine):
        return None
    return add_user(engine, DEMO_ADMIN, "admin")


def mark_signed_in(engine: Engine, name: str) -> None:
    """Record a sign-in through the identity provider (no password to verify here)."""
    _change(engine, name, last_sign_in_at=_now())


def oidc_role(email: str, groups: list[str] | tuple[str, ...], mapping: OidcSettings) -> str | None:
    """The role settings give someone signed in through the identity provider, or None.

    `mapping` is `[auth.oidc]` of settings.toml: `groups` (group name -> role,
    matched against the token's groups claim), `domains` (email domain -> role)
    and `default_role`. When several match, the highest role wins. The users
    table, when it names the email, overrides this (the caller looks there first).
    """
    found: list[str] = []
    wanted = {g.casefold() for g in groups}
    for group, role in mapping.groups.items():
        if group.casefold() in wanted:
            found.append(role)
    domain = email.rpartition("@")[2].casefold() if "@" in email else ""
    for listed, role in mapping.domains.items():
        if domain and domain == listed.casefold().lstrip("@"):
            found.append(role)
    found = [role for role in found if role in ROLES]
    if found:
        return max(found, key=ROLES.index)
    default = mapping.default_role or None
    return default if default in ROLES else None
