"""The web server: Streamlit's own, running app.py, plus the two routes of the sign-in cookie.

Started with `streamlit run app_server.py` (make run, the browser tests): Streamlit
finds `app` below, an `st.App`, and serves app.py with these routes beside it.
A Streamlit script talks to the browser over a WebSocket and cannot set a
cookie; these routes can (docs/sign-in.md):

- `POST /_session/claim`: the page, just signed in, sends its one-time ticket;
  the answer sets the session cookie (random token, HttpOnly, SameSite=Strict,
  Secure over https or when `[auth] secure_cookie` says so).
- `POST /_session/forget`: after sign-out, the answer deletes the cookie (the
  session itself is already ended in the database, so the cookie was worthless).

Started as `streamlit run app.py` the dashboard still works, but every new tab
asks for the password again (the claim finds no route).

At startup a background thread loads and derives the episodes into the same
cache the pages read (`ui.cached.warm`), so the first visitor after a restart
finds them ready, or waits for that one load, never starts a second. Then what
the server keeps for good (its modules, the episodes) is frozen out of the
garbage collector (`gc.freeze`): Streamlit collects after every script run, and
walking those objects cost 0.2-0.6 s of every run, with every session waiting.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from functools import cache

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import config
import config.logging
from loaders import sessions
from loaders.database import connect
from ui.auth import COOKIE, SESSION_ROUTE, auth_settings

log = logging.getLogger(__name__)
config.logging.configure()  # imports, sign-ins, loads and errors to stderr (docs/production.md, Logging)


@cache
def _engine():
    return connect(config.database_url())


def _secure(request: Request) -> bool:
    setting = auth_settings().secure_cookie
    return request.url.scheme == "https" if setting == "auto" else setting is True


def _cookie_path() -> str:
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else "/"


async def claim(request: Request) -> Response:
    ticket = (await request.body()).decode("ascii", "replace").strip()[:200]
    token = await run_in_threadpool(sessions.claim, _engine(), ticket, datetime.now())
    if token is None:
        log.warning("sign-in cookie refused: unknown, used or late ticket")
        return Response(status_code=403)
    response = Response(status_code=204)
    response.set_cookie(
        COOKIE,
        token,
        max_age=auth_settings().session_minutes * 60,
        path=_cookie_path(),
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )
    return response


async def forget(request: Request) -> Response:
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path=_cookie_path(), secure=_secure(request), httponly=True, samesite="strict")
    return response


def _routes() -> list[Route]:
    base = _cookie_path().rstrip("/")
    prefixes = {"", base}
    return [
        Route(f"{prefix}{SESSION_ROUTE}/{name}", handler, methods=["POST"])
        for prefix in prefixes
        for name, handler in (("claim", claim), ("forget", forget))
    ]


@asynccontextmanager
async def _warm_on_start(_app: st.App) -> AsyncIterator[None]:
    """Start loading the episodes as the server starts, without delaying it."""
    from ui import cached  # imported once the runtime runs, so its caches are the server's own

    gc.freeze()  # the modules just imported: the bulk of what every collection walked
    threading.Thread(target=_warm, args=(cached,), name="warm-caches", daemon=True).start()
    yield


def _warm(cached) -> None:
    """`ui.cached.warm`, then its episodes and tables frozen out of the collector's walk as the modules were.
    A frozen object is still freed once nothing refers to it (the episodes of an earlier import are); only
    a reference cycle among frozen objects would be kept."""
    cached.warm()
    gc.freeze()


app = st.App("app.py", routes=_routes(), lifespan=_warm_on_start)
