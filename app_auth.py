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
A session ends after `[auth] idle_minutes` without use or `session_minutes`
after signing in, whichever comes first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlparse

import streamlit as st

import config

ROLES = ("viewer", "analyst", "admin")
LAST_SEEN = "user_last_seen"
NOTICE = "sign_in_notice"
FAILURE_DELAY_SECONDS = 1.0
DEFAULTS = {"idle_minutes": 30, "session_minutes": 600, "max_failures": 5, "lockout_minutes": 15}


@dataclass(frozen=True)
class SignedIn:
    name: str
    role: str
    signed_in_at: float


def auth_settings() -> dict:
    """`[auth]` of settings.toml over the defaults above."""
    return {**DEFAULTS, **config.settings().get("auth", {})}


def session_expiry(signed_in_at: float, last_seen: float | None, now: float, settings: dict) -> str | None:
    """Why a session has ended (idle too long, or open too long), or None while it is still good."""
    if now - signed_in_at > settings["session_minutes"] * 60:
        return f"You were signed out after {settings['session_minutes']} minutes. Please sign in again."
    if now - (last_seen if last_seen is not None else signed_in_at) > settings["idle_minutes"] * 60:
        return f"You were signed out after {settings['idle_minutes']} minutes without activity. Please sign in again."
    return None


def require_user() -> SignedIn:
    """The signed-in user; otherwise the sign-in form (or button) is shown and the script stops."""
    user = st.session_state.get("user")
    now = time.time()
    if user is not None:
        reason = session_expiry(user.signed_in_at, st.session_state.get(LAST_SEEN), now, auth_settings())
        if reason is None:
            st.session_state[LAST_SEEN] = now
            return user
        _end_session(user, "session_expired")
        st.session_state[NOTICE] = reason
        if oidc_enabled() and st.user.is_logged_in:
            st.logout()  # else the provider's cookie would sign them straight back in
    if oidc_enabled():
        user = _oidc_user()
    else:
        _hold_requested_page()
        _sign_in_form()
        st.stop()
    return user


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


def require_child_level() -> SignedIn:
    """The signed-in analyst or admin; anyone else sees a refusal and the page stops."""
    user = require_user()
    if not can_see_child_level(user):
        st.error("This page shows individual children: only analysts and admins may open it.")
        st.stop()
    return user


def require_admin() -> SignedIn:
    user = require_user()
    if not is_admin(user):
        st.error("Only admins may open this page.")
        st.stop()
    return user


def audit(action: str, subject: str, filters: dict) -> None:
    """Record that the signed-in user did `action` (view, export, ...) on `subject` with `filters`.

    Child-level pages call this on every view and every export (domain.md section 6).
    """
    _record(require_user().name, action, subject, filters)


def _record(name: str, action: str, subject: str, filters: dict) -> None:
    import app_state  # app_state imports the loaders; keep this module light to import
    from reports.audit import record

    record(app_state.current_engine(), name, action, subject, filters)


def _engine():
    import app_state

    return app_state.current_engine()


# ---- name and password ------------------------------------------------------------------


def attempt_sign_in(engine, name: str, password: str, settings: dict) -> tuple[SignedIn | None, str]:
    """Check a name and password; audit the attempt; returns the user or a message to show.

    After `max_failures` failed attempts for one name within `lockout_minutes`,
    that name is refused (even with the right password) until the window has
    passed; every failure also waits a second, to slow guessing.
    """
    from loaders.users import sign_in

    name = name.strip()[:100]
    if not name or not password:
        return None, "Enter your name and password."
    since = datetime.now() - timedelta(minutes=settings["lockout_minutes"])
    account, how = sign_in(engine, name, password, max_failures=settings["max_failures"], since=since)
    if account is None:
        time.sleep(FAILURE_DELAY_SECONDS)
        if how == "locked":
            return None, f"Too many failed sign-ins for {name}. Try again in {settings['lockout_minutes']} minutes."
        return None, "That name and password do not match an enabled user."
    return SignedIn(account.name, account.role, time.time()), ""


def _start_session(user: SignedIn) -> None:
    st.session_state["user"] = user
    st.session_state[LAST_SEEN] = user.signed_in_at
    st.session_state.pop(NOTICE, None)


def _sign_in_form() -> None:
    st.title("Sign in")
    st.caption("Children missing from home and care. Ask an admin for an account.")
    if st.session_state.get(NOTICE):
        st.info(st.session_state[NOTICE])
    with st.form("sign_in", width=420):
        name = st.text_input("Name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        user, message = attempt_sign_in(_engine(), name, password, auth_settings())
        if user is None:
            st.error(message)
        else:
            _start_session(user)
            st.rerun()


def _end_session(user: SignedIn, action: str) -> None:
    """Forget everything this browser session held (the next person at the screen starts clean)."""
    try:
        _record(user.name, action, "", {})
    finally:
        st.session_state.clear()


def sign_out() -> None:
    user = st.session_state.get("user")
    if user is not None:
        _end_session(user, "sign_out")
    st.session_state[NOTICE] = "You have signed out."
    if oidc_enabled() and getattr(st.user, "is_logged_in", False):
        st.logout()


def account_sidebar(user: SignedIn) -> None:
    """Who is signed in, in which role, and the sign-out button (app.py calls this once a run)."""
    st.sidebar.caption(f"Signed in as **{user.name}** ({user.role})")
    st.sidebar.button("Sign out", on_click=sign_out, key="sign_out")


# ---- the council's identity provider (st.login) ---------------------------------------


def oidc_settings() -> dict:
    return config.settings().get("auth", {}).get("oidc", {})


def oidc_enabled() -> bool:
    """On when settings say so and `.streamlit/secrets.toml` has an `[auth]` section."""
    if not oidc_settings().get("enabled", False):
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
    provider = settings.get("provider") or None
    if not st.user.is_logged_in:
        st.title("Sign in")
        if st.session_state.get(NOTICE):
            st.info(st.session_state[NOTICE])
        label = settings.get("button_label") or "Sign in with your council account"
        st.button(label, type="primary", on_click=st.login, args=(provider,) if provider else ())
        st.stop()
    email = str(st.user.get("email") or "").strip().lower()
    claim = st.user.get(settings.get("groups_claim") or "groups") or []
    groups = [claim] if isinstance(claim, str) else [str(g) for g in claim]
    engine = _engine()
    role, how = oidc_role_for(engine, email, groups) if email else (None, "Your account has no email address.")
    if role is None:
        from reports.audit import record

        record(engine, email or "unknown", "sign_in_failed", "oidc", {})
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
