"""Who is using the app, and which pages their role opens (domain.md sections 5 and 6).

CONTRACT (other modules rely on it):
- `st.session_state["user"]` holds a `SignedIn` once someone has signed in;
  only this module writes it (AppTest may seed it in tests).
- `require_user()` returns the signed-in user or shows the sign-in form and stops.
- `can_see_child_level(user)` and `is_admin(user)` are the only role checks pages use;
  `require_child_level()` / `require_admin()` check and stop the page in one call.
- `audit(action, subject, filters)` records a view or export by the signed-in user.

Sign-in is by name and password from the `users` table (loaders/users.py), or,
when `[auth.oidc] enabled` and `.streamlit/secrets.toml` has an `[auth]`
section, through the council's identity provider with `st.login` (docs/sign-in.md).
A password sign-in is stored in `sessions` (loaders/sessions.py) and handed to
the browser as an HttpOnly cookie (app_server.py), so refreshes, new tabs and
links in that browser stay signed in. A session ends after `[auth]
idle_minutes` without use or `session_minutes` after signing in, whichever
comes first, or when it is signed out (here, or everywhere).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

import streamlit as st

import config
from config.sections import AuthSettings, OidcSettings

log = logging.getLogger(__name__)
ROLES = ("viewer", "analyst", "admin")
LAST_SEEN = "user_last_seen"
NOTICE = "sign_in_notice"
CLAIM = "sign_in_claim"  # the one-time ticket this tab still has to trade for the cookie
FORGET = "forget_cookie"  # the browser's cookie names an ended session: ask the server to delete it
COOKIE = "missing_session"
SESSION_ROUTE = "/_session"  # app_server.py serves claim and forget under it
TOUCH_SECONDS = 60  # a stored session's last use is written at most this often
# Streamlit's scripts for what the first page after signing in draws (sidebar widgets, tiles, charts and Vega,
# tables, downloads): the sign-in form has the browser load them while the password is typed (_preload_scripts).
FIRST_PAGE_SCRIPTS = (
    "PageLink",
    "Button",
    "Checkbox",
    "Selectbox",
    "DateInput",
    "Multiselect",
    "Html",
    "Metric",
    "ArrowVegaLiteChart",
    "loadVegaEmbed",
    "embed",
    "vega-interpreter",
    "DataFrame",
    "DownloadButton",
)
FAILURE_DELAY_SECONDS = 1.0


@dataclass(frozen=True)
class SignedIn:
    name: str
    role: str
    signed_in_at: float
    session_id: int | None = None  # the stored session behind the cookie; None for OIDC and AppTest seeds


def auth_settings() -> AuthSettings:
    """`[auth]` of settings.toml."""
    return config.settings().auth


def session_expiry(signed_in_at: float, last_seen: float | None, now: float, settings: AuthSettings) -> str | None:
    """Why a session has ended (idle too long, or open too long), or None while it is still good."""
    if now - signed_in_at > settings.session_minutes * 60:
        return f"You were signed out after {settings.session_minutes} minutes. Please sign in again."
    if now - (last_seen if last_seen is not None else signed_in_at) > settings.idle_minutes * 60:
        return f"You were signed out after {settings.idle_minutes} minutes without activity. Please sign in again."
    return None


def require_user() -> SignedIn:
    """The signed-in user; otherwise the sign-in form (or button) is shown and the script stops."""
    user = st.session_state.get("user")
    now = time.time()
    if user is not None:
        ended = _why_ended(user, now, auth_settings())
        if not isinstance(ended, tuple):  # not SignedIn: a module reloaded under a live session is another class
            st.session_state["user"] = user = ended
            st.session_state[LAST_SEEN] = now
            _hand_cookie_to_browser()
            return user
        reason, action = ended
        _end_session(user, action)
        st.session_state[NOTICE] = reason
        st.session_state[FORGET] = user.session_id is not None
        if oidc_enabled() and st.user.is_logged_in:
            st.logout()  # else the provider's cookie would sign them straight back in
    if oidc_enabled():
        user = _oidc_user()
    else:
        user = _resume_from_cookie(now, auth_settings())
        if user is None:
            _hold_requested_page()
            _sign_in_form()
            st.stop()
    return user


def _why_ended(user: SignedIn, now: float, settings: AuthSettings) -> SignedIn | tuple[str, str | None]:
    """The user (role as stored now) while the session is good; else the notice and the audit action.

    A stored session is checked in the database on every run, so signing out
    everywhere, disabling the user or expiry in another tab ends this tab too.
    """
    if user.session_id is None:
        reason = session_expiry(user.signed_in_at, st.session_state.get(LAST_SEEN), now, settings)
        return user if reason is None else (reason, "session_expired")
    from loaders import sessions

    engine = _engine()
    stored = sessions.get(engine, user.session_id)
    if stored is None or stored.ended_at is not None or stored.role is None:
        return "You were signed out (in another window, or by an admin). Please sign in again.", None
    reason = session_expiry(stored.signed_in_at.timestamp(), stored.last_seen_at.timestamp(), now, settings)
    if reason is not None:
        sessions.end(engine, user.session_id, datetime.fromtimestamp(now))
        return reason, "session_expired"
    if now - stored.last_seen_at.timestamp() >= TOUCH_SECONDS:
        sessions.touch(engine, user.session_id, datetime.fromtimestamp(now))
    if stored.claimed or now - stored.signed_in_at.timestamp() > sessions.CLAIM_SECONDS:
        st.session_state.pop(CLAIM, None)  # the cookie is set, or the ticket too old to trade
    return replace(user, role=stored.role)


def _resume_from_cookie(now: float, settings: AuthSettings) -> SignedIn | None:
    """The user whose stored session this browser's cookie names, when it is still good."""
    token = st.context.cookies.get(COOKIE)
    if not isinstance(token, str) or not token:  # AppTest's context holds no real cookies
        return None
    from loaders import sessions

    engine = _engine()
    stored = sessions.find(engine, token)
    if stored is None or stored.ended_at is not None or stored.role is None:
        st.session_state[FORGET] = True
        return None
    reason = session_expiry(stored.signed_in_at.timestamp(), stored.last_seen_at.timestamp(), now, settings)
    if reason is not None:
        sessions.end(engine, stored.session_id, datetime.fromtimestamp(now))
        _record(stored.user_name, "session_expired", "", {})
        st.session_state[NOTICE] = reason
        st.session_state[FORGET] = True
        return None
    sessions.touch(engine, stored.session_id, datetime.fromtimestamp(now))
    user = SignedIn(stored.user_name, stored.role, stored.signed_in_at.timestamp(), stored.session_id)
    st.session_state["user"] = user
    st.session_state[LAST_SEEN] = now
    return user


def _hand_cookie_to_browser() -> None:
    """Just signed in: the page trades the one-time ticket for the HttpOnly cookie (app_server.py).

    Sent on every run until the session shows it claimed (`_why_ended` then drops it): a run cut short by a
    rerun may never have reached the browser, and a tab whose ticket was lost would ask for the password
    again in every new tab."""
    ticket = st.session_state.get(CLAIM)
    if ticket:
        _post_from_browser("claim", ticket, once=True)


def _post_from_browser(route: str, body: str, once: bool = False) -> None:
    """A same-origin POST made by the page itself, so the answer's Set-Cookie reaches the browser.

    `once`: this tab sends it at most once (again only if the request failed to reach the server), however often
    Streamlit draws the element again, which runs its script each time: a ticket sent twice is refused and
    logged as a possible attack."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    url = f"/{base}{SESSION_ROUTE}/{route}" if base else f"{SESSION_ROUTE}/{route}"
    options = f"{{method: 'POST', body: {json.dumps(body)}, credentials: 'same-origin', cache: 'no-store'}}"
    post = f"fetch({json.dumps(url)}, {options})"
    if once:  # a block: the script may run many times in one page, and `const` at the top would clash
        key = json.dumps(f"{route}:{body}")
        post = (
            f"{{ const sent = (window.__sessionPostsSent ??= new Set()); "
            f"if (!sent.has({key})) {{ sent.add({key}); {post}.catch(() => sent.delete({key})); }} }}"
        )
    st.html(f"<script>{post};</script>", unsafe_allow_javascript=True)


@cache
def _first_page_scripts() -> tuple[str, ...]:
    """The file names of FIRST_PAGE_SCRIPTS in this Streamlit's bundle (each name carries its content's hash);
    a name that is missing or not unique is left out, so another Streamlit version only preloads less."""
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    found = [sorted(folder.glob(f"{name}.*.js")) for name in FIRST_PAGE_SCRIPTS]
    return tuple(files[0].name for files in found if len(files) == 1)


def _preload_scripts() -> None:
    """Have the browser fetch and compile the first page's scripts while the sign-in form is shown, instead of
    one after another once that page's elements arrive (about a second of a new browser's sign-in). Each is
    imported as Streamlit itself imports it later, which then finds it loaded."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}/static/js/" if base else "/static/js/"
    urls = json.dumps([prefix + name for name in _first_page_scripts()])
    st.html(
        f"<script>for (const url of {urls}) import(url).catch(() => {{}});</script>",
        unsafe_allow_javascript=True,
    )


def requested_page(url: str | None, base_path: str = "") -> str:
    """The page name in the URL being opened (`/alerts?from=...` -> "alerts"), "" for the root."""
    if not url:
        return ""
    path = urlparse(url).path.strip("/")
    base = base_path.strip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base) :].strip("/")
    return path.rsplit("/", 1)[-1]


def _hold_requested_page() -> None:
    """Keep the address a person opened while they sign in, so they land on that page after.

    A hidden navigation whose page has the same URL path as the page asked for (Streamlit
    identifies pages by their path), so the rerun after sign-in resolves to the real page,
    or to "page not found" when the role may not open it.
    """
    path = requested_page(st.context.url, st.get_option("server.baseUrlPath") or "")
    pages = [st.Page(_nothing, title="Sign in", url_path="sign-in", default=True)]
    if path and path != "sign-in":
        pages.append(st.Page(_nothing, title="Sign in", url_path=path))
    st.navigation(pages, position="hidden")


def _nothing() -> None:
    """The placeholder page run by nobody: the sign-in form is drawn outside it."""


def can_see_child_level(user: SignedIn) -> bool:
    return user.role in ("analyst", "admin")


def is_admin(user: SignedIn) -> bool:
    return user.role == "admin"


# What a signed-in user sees on a page their role may not open (the page stops there).
CHILD_LEVEL_ONLY = "This page is for analysts and admins: it shows individual children."
ADMIN_ONLY = "Only admins may open this page."


def require_child_level() -> SignedIn:
    """The signed-in analyst or admin; anyone else sees a refusal and the page stops."""
    user = require_user()
    if not can_see_child_level(user):
        st.error(CHILD_LEVEL_ONLY)
        st.stop()
    return user


def require_admin() -> SignedIn:
    """The signed-in admin; anyone else sees a refusal and the page stops."""
    user = require_user()
    if not is_admin(user):
        st.error(ADMIN_ONLY)
        st.stop()
    return user


def audit(action: str, subject: str, filters: dict) -> None:
    """Record that the signed-in user did `action` (view, export, ...) on `subject` with `filters`.

    Child-level pages call this on every view and every export (domain.md section 6).
    """
    _record(require_user().name, action, subject, filters)


def _record(name: str, action: str, subject: str, filters: dict) -> None:
    from reports.audit import record
    from ui import data  # ui.data imports the loaders; keep this module light to import

    record(data.current_engine(), name, action, subject, filters)


def _engine():
    from ui import data

    return data.current_engine()


# ---- name and password ------------------------------------------------------------------


def attempt_sign_in(engine, name: str, password: str, settings: AuthSettings) -> tuple[SignedIn | None, str]:
    """Check a name and password; audit the attempt; returns the user or a message to show.

    After `max_failures` failed attempts for one name within `lockout_minutes`,
    that name is refused (even with the right password) until the window has
    passed; every failure also waits a second, to slow guessing.
    """
    from loaders.users import sign_in

    name = name.strip()[:100]
    if not name or not password:
        return None, "Enter your name and password."
    since = datetime.now() - timedelta(minutes=settings.lockout_minutes)
    account, how = sign_in(engine, name, password, max_failures=settings.max_failures, since=since)
    if account is None:
        why = "locked out after repeated failures" if how == "locked" else "wrong name or password"
        log.warning("sign-in refused for %r: %s", name, why)
        time.sleep(FAILURE_DELAY_SECONDS)
        if how == "locked":
            return None, f"Too many failed sign-ins for {name}. Try again in {settings.lockout_minutes} minutes."
        return None, "That name and password do not match an enabled user."
    log.info("sign-in: %r as %s", account.name, account.role)
    return SignedIn(account.name, account.role, time.time()), ""


def _start_session(user: SignedIn) -> None:
    st.session_state["user"] = user
    st.session_state[LAST_SEEN] = user.signed_in_at
    st.session_state.pop(NOTICE, None)


def _sign_in_form() -> None:
    if st.session_state.pop(FORGET, False):
        _post_from_browser("forget", "")
    st.title("Sign in")
    st.caption("Children missing from home and care. Ask an admin for an account.")
    if st.session_state.get(NOTICE):
        st.info(st.session_state[NOTICE])
    with st.form("sign_in", width=420):
        name = st.text_input("Name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    _preload_scripts()
    if submitted:
        user, message = attempt_sign_in(_engine(), name, password, auth_settings())
        if user is None:
            st.error(message)
        else:
            from loaders import sessions

            session_id, ticket = sessions.start(_engine(), user.name, datetime.fromtimestamp(user.signed_in_at))
            _start_session(replace(user, session_id=session_id))
            st.session_state[CLAIM] = ticket
            st.rerun()


def _end_session(user: SignedIn, action: str | None, subject: str = "") -> None:
    """Forget everything this browser session held (the next person at the screen starts clean)."""
    try:
        if action:
            _record(user.name, action, subject, {})
    finally:
        st.session_state.clear()


def sign_out(everywhere: bool = False) -> None:
    """End this browser's session (or every session of this user), here and in the database."""
    user = st.session_state.get("user")
    if user is not None:
        from loaders import sessions

        now = datetime.now()
        if everywhere:
            sessions.end_all(_engine(), user.name, now)
        elif user.session_id is not None:
            sessions.end(_engine(), user.session_id, now)
        _end_session(user, "sign_out", "everywhere" if everywhere else "")
    st.session_state[NOTICE] = "You have signed out everywhere." if everywhere else "You have signed out."
    st.session_state[FORGET] = True
    if oidc_enabled() and getattr(st.user, "is_logged_in", False):
        st.logout()


def account_sidebar(user: SignedIn) -> None:
    """Who is signed in, in which role, and the sign-out buttons (app.py calls this once a run)."""
    st.sidebar.caption(f"Signed in as **{user.name}** ({user.role})")
    st.sidebar.button("Sign out", on_click=sign_out, key="sign_out")
    st.sidebar.button(
        "Sign out everywhere",
        on_click=sign_out,
        kwargs={"everywhere": True},
        key="sign_out_everywhere",
        help="Ends your sessions in every browser and on every computer.",
        type="tertiary",
    )


# ---- the council's identity provider (st.login) ---------------------------------------


def oidc_settings() -> OidcSettings:
    return config.settings().auth.oidc


def oidc_enabled() -> bool:
    """On when settings say so and `.streamlit/secrets.toml` has an `[auth]` section."""
    if not oidc_settings().enabled:
        return False
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all (StreamlitSecretNotFoundError)
        return False


def oidc_role_for(engine, email: str, groups: list[str]) -> tuple[str | None, str]:
    """The role of someone the identity provider signed in, or None with the reason.

    The users table decides first (name = email; a disabled row refuses);
    otherwise the `[auth.oidc]` mapping by group and email domain.
    """
    from loaders.users import lookup, oidc_role

    account = lookup(engine, email)
    if account is not None:
        if account.disabled:
            return None, f"{email} is disabled. Ask an admin."
        return account.role, "users"
    role = oidc_role(email, groups, oidc_settings())
    if role is None:
        return None, f"{email} has no role in this dashboard. Ask an admin to add you."
    return role, "mapping"


def _oidc_user() -> SignedIn:
    settings = oidc_settings()
    provider = settings.provider or None
    if not st.user.is_logged_in:
        st.title("Sign in")
        if st.session_state.get(NOTICE):
            st.info(st.session_state[NOTICE])
        label = settings.button_label or OidcSettings.button_label
        st.button(label, type="primary", on_click=st.login, args=(provider,) if provider else ())
        st.stop()
    email = str(st.user.get("email") or "").strip().lower()
    claim = st.user.get(settings.groups_claim or OidcSettings.groups_claim) or []
    groups = [claim] if isinstance(claim, str) else [str(g) for g in claim]
    engine = _engine()
    role, how = oidc_role_for(engine, email, groups) if email else (None, "Your account has no email address.")
    if role is None:
        from reports.audit import record

        record(engine, email or "unknown", "sign_in_failed", "oidc", {})
        log.warning("sign-in refused for %r through the identity provider: %s", email or "unknown", how)
        st.title("No access")
        st.error(how)
        st.button("Sign out", on_click=st.logout)
        st.stop()
    from loaders.users import mark_signed_in

    if how == "users":
        mark_signed_in(engine, email)
    user = SignedIn(email, role, time.time())
    _start_session(user)
    _record(email, "sign_in", "oidc", {"role": role, "by": how})
    return user
