"""Running the real app in AppTest as a signed-in user of a given role.

AppTest may seed `st.session_state["user"]` (ui.auth's contract); a browser
cannot, so the browser tests sign in through the form instead.
"""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.auth import SignedIn

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60


def app_as(role: str = "analyst", params: dict[str, str] | None = None, name: str | None = None) -> AppTest:
    """An AppTest of app.py, not yet run, signed in as `role`, with the URL's query parameters."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["user"] = SignedIn(name or f"test-{role}", role, time.time())
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at


def run_page(page: str, role: str = "analyst", params: dict[str, str] | None = None) -> AppTest:
    """Run app.py, switch to `page` (e.g. "ui/pages/hotspots.py") and run it; fails on any exception."""
    at = app_as(role, params)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    """The page's tiles, label -> value as shown."""
    return {m.label: m.value for m in at.metric}
