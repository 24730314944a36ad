"""Running the project's commands as a user does, for tests of the command lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def run_module(
    module: str, *args: str, database_url: str | None = None, env: dict[str, str] | None = None, timeout: int = 300
) -> subprocess.CompletedProcess:
    """`python -m MODULE ARGS` from the project root, with DATABASE_URL set when given."""
    environment = {**os.environ, **(env or {})}
    if database_url is not None:
        environment["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=PROJECT_ROOT,
        timeout=timeout,
        check=False,
    )
