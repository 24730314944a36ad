"""Every page's whole AppTest run and its metrics time, optionally profiled: where a page's time goes.

    python -m scripts.perf_pages sqlite:////tmp/perf1m.db [--repeats 3] [--pages overview,alerts]
        [--profile DIR] [--json OUT]

The runs are `make bench`'s warm pages (`bench.run`: a signed-in admin, the default
period and the bench's filter in the URL, a new session for each run, episodes
already cached by a first run), so the figures compare with docs/benchmarks.md.
Each page is run `--repeats` times: the first run of a page fills its own
caches (chart specs, alerts, pairs), so the report gives the first and the
median of the others. With --profile, the last run of each page is run under
cProfile and written to DIR/<page>.prof, with its top functions printed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import threading
import time
from pathlib import Path

from bench import run as bench


def _page_runner(url: str):
    os.environ["DATABASE_URL"] = url
    spent = bench.instrument_metrics()
    from streamlit.testing.v1 import AppTest

    from ui.auth import SignedIn

    start, end = bench.default_view(bench.load(url))
    params = {"from": start.isoformat(), "to": end.isoformat(), **{k: ",".join(v) for k, v in bench.FILTER.items()}}

    def run_page(page: str, profiler: cProfile.Profile | None = None) -> tuple[float, float, dict]:
        at = AppTest.from_file(str(bench.ROOT / "app.py"), default_timeout=600)
        at.session_state["user"] = SignedIn("bench-admin", "admin", time.time())
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        at.switch_page(f"ui/pages/{page}.py")
        spent["seconds"], spent["by"] = 0.0, {}
        if profiler:
            _profile_next_thread(profiler)
        started = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - started
        threading.setprofile(None)
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
        return seconds, spent["seconds"], dict(spent["by"])

    return run_page


def _profile_next_thread(profiler: cProfile.Profile) -> None:
    """Profile the script thread AppTest starts next (cProfile sees only the thread that enables it)."""

    def start(*_: object) -> None:
        threading.setprofile(None)
        profiler.enable()

    threading.setprofile(start)


def _top(profiler: cProfile.Profile, lines: int = 25) -> str:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pages", default="")
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    bench.add_bench_user(args.url)
    run_page = _page_runner(args.url)
    started = time.perf_counter()
    run_page("overview")  # the first session loads and derives the episodes
    first_load = time.perf_counter() - started
    chosen = [p for p in args.pages.split(",") if p] or bench.app_pages()
    results = {"first_session_s": first_load, "pages": {}}
    for page in chosen:
        profiler = cProfile.Profile() if args.profile else None
        try:
            runs = [run_page(page) for _ in range(max(1, args.repeats - 1))]
            runs.append(run_page(page, profiler))
        except Exception as error:  # noqa: BLE001 - one broken page does not stop the others
            results["pages"][page] = {"error": f"{type(error).__name__}: {error}"}
            print(f"{page:18} failed: {error}", flush=True)
            continue
        later = runs[1:] or runs
        results["pages"][page] = {
            "first_s": runs[0][0],
            "page_median_s": statistics.median(r[0] for r in later),
            "metrics_median_s": statistics.median(r[1] for r in later),
            "slowest_metrics": sorted(runs[-1][2].items(), key=lambda item: -item[1])[:4],
        }
        row = results["pages"][page]
        print(
            f"{page:18} first {row['first_s']:6.3f}s  page {row['page_median_s']:6.3f}s  "
            f"metrics {row['metrics_median_s']:6.3f}s  {[(n, round(s, 3)) for n, s in row['slowest_metrics']]}",
            flush=True,
        )
        if profiler and args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(args.profile / f"{page}.prof")
            (args.profile / f"{page}.txt").write_text(_top(profiler, 60))
    results["peak_rss_mb"] = bench.peak_rss_mb()
    print(f"peak RSS {results['peak_rss_mb']:.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
