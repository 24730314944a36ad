"""A page that fails unexpectedly: a short message with a reference for the user, the traceback in the log.

A traceback tells a user nothing they can act on and can show SQL, paths or data, so
the user gets a reference to quote and whoever reads the log (logger `ui`) gets the
details. Tests set `MISSING_RAISE_PAGE_ERRORS=1` (tests/conftest.py) so the failure
reaches AppTest's `at.exception` instead, and "no exception" still means no failure.
"""

from __future__ import annotations

import logging
import os
import uuid
from typing import Protocol

import streamlit as st

RAISE_ENV = "MISSING_RAISE_PAGE_ERRORS"
log = logging.getLogger("ui")


class Page(Protocol):
    """What `st.navigation` returns: the chosen page."""

    title: str

    def run(self) -> None: ...


def failure_message(reference: str) -> str:
    return f"Something went wrong on this page; it has been logged (reference {reference})."


def run_page(page: Page) -> None:
    """Run the chosen page. st.stop and reruns are not Exceptions (BaseException), so they pass through."""
    try:
        page.run()
    except Exception:
        if os.environ.get(RAISE_ENV) == "1":
            raise
        reference = uuid.uuid4().hex[:8].upper()
        log.exception("The page %r failed (reference %s)", page.title, reference)
        st.error(failure_message(reference), icon=":material/error:")
