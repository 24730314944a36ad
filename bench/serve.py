"""`streamlit run` for the bench: the app's own server, plus one JSON line per script run.

Run as `python -m bench.serve run app_server.py --server.port ...` with BENCH_RUN_LOG naming the
file. Each line holds the page (file stem), the session, when the run started (wall clock) and
how long the script ran on the server, so the bench reads server time per page run without the
clients' CPU in it. The app itself is not changed: Streamlit's function that executes a script
run is wrapped here, in the bench's process only. Each full garbage collection (generation 2: Streamlit
runs one after every script run, outside the run's time) is logged too, as {"gc": 2, "start", "s"}.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
from pathlib import Path

from streamlit.runtime.scriptrunner import script_runner
from streamlit.web import cli

LOG = Path(os.environ["BENCH_RUN_LOG"])
_written = threading.Lock()
_execute = script_runner.exec_func_with_error_handling


def _page(ctx) -> str:
    """The page this run showed: its script's file stem ("" before the router picked one)."""
    info = ctx.pages_manager.get_pages().get(ctx.page_script_hash) or {}
    return Path(info.get("script_path") or "").stem


def timed_execution(function, ctx):
    started, wall = time.perf_counter(), time.time()
    try:
        return _execute(function, ctx)
    finally:
        line = {"page": _page(ctx), "session": ctx.session_id, "start": wall, "s": time.perf_counter() - started}
        with _written, LOG.open("a") as log:
            log.write(json.dumps(line) + "\n")


script_runner.exec_func_with_error_handling = timed_execution
_collecting: dict[str, float] = {}


def timed_collection(phase: str, info: dict) -> None:
    """Log each full collection's length: it holds every thread, the event loop's too."""
    if info["generation"] != 2:
        return
    if phase == "start":
        _collecting["started"], _collecting["wall"] = time.perf_counter(), time.time()
    elif "started" in _collecting:
        line = {"gc": 2, "start": _collecting["wall"], "s": time.perf_counter() - _collecting.pop("started")}
        with _written, LOG.open("a") as log:
            log.write(json.dumps(line) + "\n")


gc.callbacks.append(timed_collection)

if __name__ == "__main__":
    sys.argv = ["streamlit", *sys.argv[1:]]
    sys.exit(cli.main())
