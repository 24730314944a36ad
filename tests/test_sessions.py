"""Stored sign-in sessions (loaders/sessions.py) on SQLite and PostgreSQL: claim once, find by token, end."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from loaders import sessions
from loaders.schema import SignInSession
from loaders.users import add_user, set_disabled, set_role

NOW = datetime(2026, 11, 30, 9, 0, 0)


def test_a_ticket_is_traded_once_for_a_token_whose_hash_alone_is_stored(engine):
    add_user(engine, "ann", "analyst", "a long passphrase")
    session_id, ticket = sessions.start(engine, "ann", NOW)
    token = sessions.claim(engine, ticket, NOW + timedelta(seconds=5))
    assert token and len(token) >= 40
    assert sessions.claim(engine, ticket, NOW + timedelta(seconds=6)) is None, "a ticket works once"
    with engine.connect() as connection:
        row = connection.execute(select(SignInSession.__table__)).one()
    assert token not in (row.token_hash, row.claim_hash) and ticket not in (row.token_hash, row.claim_hash)
    found = sessions.find(engine, token)
    assert (found.session_id, found.user_name, found.role, found.ended_at) == (session_id, "ann", "analyst", None)
    assert sessions.find(engine, "not a token") is None and sessions.find(engine, "") is None


def test_a_late_ticket_or_one_of_an_ended_session_is_refused(engine):
    _, late = sessions.start(engine, "ann", NOW)
    assert sessions.claim(engine, late, NOW + timedelta(seconds=sessions.CLAIM_SECONDS + 1)) is None
    session_id, ended = sessions.start(engine, "ann", NOW)
    sessions.end(engine, session_id, NOW)
    assert sessions.claim(engine, ended, NOW) is None


def test_the_role_is_read_now_and_a_disabled_user_has_none(engine):
    add_user(engine, "ann", "analyst", "a long passphrase")
    _, ticket = sessions.start(engine, "ann", NOW)
    token = sessions.claim(engine, ticket, NOW)
    set_role(engine, "ann", "viewer")
    assert sessions.find(engine, token).role == "viewer"
    set_disabled(engine, "ann", True)
    assert sessions.find(engine, token).role is None


def test_touch_end_and_end_all(engine):
    add_user(engine, "ann", "analyst", "a long passphrase")
    add_user(engine, "bob", "viewer", "another passphrase")
    first, _ = sessions.start(engine, "ann", NOW)
    second, _ = sessions.start(engine, "ann", NOW)
    bobs, _ = sessions.start(engine, "bob", NOW)
    sessions.touch(engine, first, NOW + timedelta(minutes=5))
    assert sessions.get(engine, first).last_seen_at == NOW + timedelta(minutes=5)
    sessions.end(engine, first, NOW + timedelta(minutes=6))
    sessions.touch(engine, first, NOW + timedelta(minutes=7))
    assert sessions.get(engine, first).last_seen_at == NOW + timedelta(minutes=5), "an ended session is not used"
    assert sessions.end_all(engine, "ann", NOW + timedelta(minutes=8)) == 1
    assert sessions.get(engine, second).ended_at == NOW + timedelta(minutes=8)
    assert sessions.get(engine, bobs).ended_at is None, "other users keep their sessions"
