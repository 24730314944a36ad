"""Application logging: the one place it is configured, for the app's processes.

Imports (file, rows, outcome), sign-ins (success, failure, lockout: the user name, never the
password) and unexpected errors (with their tracebacks) are written through `logging` by the
modules that see them (`loaders.importer`, `ui.auth`, `app_server`, the pages). `configure`
sends those records to stderr, one line each in LOG_FORMAT, where systemd's journal or the
container runtime keeps them (docs/production.md, Logging). The level is `MISSING_LOG_LEVEL`
(DEBUG, INFO, WARNING, ERROR; default INFO).

Only the project's own loggers get the handler: Streamlit, Tornado and the libraries keep
their own settings, and pytest's caplog still sees every record (they propagate as usual).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LEVEL_VARIABLE = "MISSING_LOG_LEVEL"
DEFAULT_LEVEL = "INFO"
# The project's packages and top-level modules: their loggers are named after them (__name__).
PROJECT_LOGGERS = ("app", "app_server", "charts", "config", "loaders", "metrics", "reports", "sample_data", "ui")


class StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is when a record comes (as Python's last-resort handler
    does), so a stream replaced later (a test's capture, a server's redirection) is still right."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:
        return sys.stderr


_handler: logging.Handler | None = None


def log_level() -> int:
    """The level `MISSING_LOG_LEVEL` names; ValueError naming the variable for anything else."""
    name = (os.environ.get(LEVEL_VARIABLE) or DEFAULT_LEVEL).strip().upper()
    level = logging.getLevelNamesMapping().get(name)
    if level is None:
        raise ValueError(f"{LEVEL_VARIABLE}: not a logging level: {name!r} (use DEBUG, INFO, WARNING or ERROR)")
    return level


def configure() -> logging.Handler:
    """Send the project's log records to stderr at the configured level. Called once per process
    (app_server.py, app.py); a second call changes nothing and returns the same handler."""
    global _handler
    if _handler is None:
        _handler = StderrHandler()
        _handler.setFormatter(logging.Formatter(LOG_FORMAT))
        level = log_level()
        for name in PROJECT_LOGGERS:
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.addHandler(_handler)
    return _handler
