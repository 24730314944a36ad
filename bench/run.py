"""How fast the dashboard is, on this machine, at 10k, 100k and 1M episodes: `make bench`.

For each size in BENCH_SIZES (default `10000,100000,1000000`), on SQLite and
PostgreSQL where the database matters, it measures:

- the sample build (`python -m sample_data build --episodes N`);
- the import of a canonical CSV of that size (`python -m loaders import`, full
  validation and postcode resolution, a fresh database each run), rows/s;
- cold start: `load_episodes` in a fresh process, and that process's peak memory;
- warm pages: every page of the app run in Streamlit's AppTest after a filter
  change (episodes already cached), timing the whole page run and the time
  spent inside `metrics` functions, and the peak memory of that process;
- a DuckDB reference: the same tables (period + filter included) in DuckDB SQL
  over the same episodes, with the ratio pandas / DuckDB;
- the committee pack (`reports.pack.build_pack`, Word);
- in headless Chromium (Playwright, /usr/bin/chromium) the time from
  navigation until Overview and Hotspots have settled, and the server's peak memory.

Every figure is the median of BENCH_REPEATS runs (default 3); at 1M and above
the build and the imports run BENCH_LARGE_REPEATS times (default 1). The
largest databases and CSVs are kept under data/bench/ (gitignored) and reused.
Writes `bench/results.json` and `docs/benchmarks.md`. Set BENCH_BROWSER=0 to
skip the browser, BENCH_PAGES=overview,hotspots to time only those pages,
BENCH_RESULTS / BENCH_REPORT to write elsewhere.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RESULTS = Path(os.environ.get("BENCH_RESULTS", ROOT / "bench" / "results.json"))
REPORT = Path(os.environ.get("BENCH_REPORT", ROOT / "docs" / "benchmarks.md"))
KEEP = ROOT / "data" / "bench"
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000,1000000").split(",") if s.strip()]
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
LARGE = 1_000_000
LARGE_REPEATS = int(os.environ.get("BENCH_LARGE_REPEATS", "1"))
BROWSER = os.environ.get("BENCH_BROWSER", "1") != "0"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/test")
SEED = 2016
FILTER = {"missing_from": ["care"]}  # the "typical filter change": looked-after children only
BENCH_USER = ("bench-admin", "bench-password-not-secret")

# Targets of issue 7, on this 2-core machine.
TARGETS = {
    "import_rows_per_s_1m": 20_000,
    "cold_load_s_1m": 10.0,
    "warm_page_s_100k": 0.3,
    "warm_page_s_1m": 1.0,
    "duckdb_ratio": 3.0,
    "memory_gb_1m": 2.0,
    "browser_s_sample": 3.0,
    "browser_s_1m": 6.0,
}


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def repeats_for(size: int | None) -> int:
    """Runs of the slow commands: fewer at LARGE and above, one for the default sample (built for the browser)."""
    return LARGE_REPEATS if size is None or size >= LARGE else REPEATS


def median_time(label: str, run: Callable[[], None], repeats: int = REPEATS) -> dict:
    """Run `run` `repeats` times; its median and every run, in seconds."""
    runs = []
    for i in range(repeats):
        start = time.perf_counter()
        run()
        runs.append(time.perf_counter() - start)
        say(f"{label}: run {i + 1}/{repeats} {runs[-1]:.3f}s")
    return {"median_s": statistics.median(runs), "runs_s": runs}


def command(args: list[str], env: dict[str, str] | None = None, timeout: float = 3600) -> str:
    """Run a project command as a user would; raise with its output when it fails."""
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=full_env, capture_output=True, text=True, check=False, timeout=timeout
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}:\n{tail}")
    return done.stdout


def child_json(args: list[str], env: dict[str, str] | None = None) -> dict:
    """Run this script as a child (a fresh process: nothing cached) and read its last line as JSON."""
    return json.loads(command([str(Path(__file__)), *args], env).strip().splitlines()[-1])


def peak_rss_mb(pid: int | str = "self") -> float:
    """The peak resident memory (VmHWM) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def postgres_schema_url(schema: str) -> str:
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


def postgres_schema(action: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            if action == "create":
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            else:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


def machine() -> dict:
    """What the numbers were measured on, and how busy it was."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    versions = {}
    for package in ("pandas", "numpy", "pyarrow", "sqlalchemy", "duckdb", "psycopg", "streamlit"):
        try:
            versions[package] = __import__(package).__version__
        except Exception:  # noqa: BLE001 - a missing package is reported, not fatal
            versions[package] = None
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            versions["postgresql"] = connection.execute(text("SHOW server_version")).scalar()
        engine.dispose()
    except Exception:  # noqa: BLE001
        versions["postgresql"] = None
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "repeats": REPEATS,
        "large_repeats": LARGE_REPEATS,
        "load_average_start": os.getloadavg(),
        "note": os.environ.get("BENCH_NOTE", ""),
    }


# --- databases and files ----------------------------------------------------


def sample_database(workdir: Path, size: int | None) -> tuple[str, dict | None]:
    """A sample database of `size` episodes (None: the default sample) and its build timing.

    At LARGE and above the database is kept under data/bench/ and reused when there.
    """
    label = "default" if size is None else str(size)
    kept = size is not None and size >= LARGE
    database = (KEEP if kept else workdir) / f"sample_{label}.db"
    if kept and database.exists():
        say(f"reusing {database.relative_to(ROOT)}")
        return f"sqlite:///{database}", None
    database.parent.mkdir(parents=True, exist_ok=True)
    args = ["-m", "sample_data", "build", "--seed", str(SEED), "--database", f"sqlite:///{database}"]
    if size is not None:
        args += ["--episodes", str(size)]

    def run() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        command(args)

    timing = median_time(f"sample build ({label} episodes)", run, repeats_for(size))
    return f"sqlite:///{database}", {"episodes": label, **timing}


def canonical_csv(workdir: Path, size: int) -> Path:
    path = (KEEP if size >= LARGE else workdir) / f"canonical_{size}.csv"
    if not path.exists():
        say(f"writing canonical CSV of {size} episodes")
        path.parent.mkdir(parents=True, exist_ok=True)
        command(["-m", "sample_data", "csv", str(path), "--episodes", str(size), "--seed", str(SEED)])
    return path


def add_bench_user(url: str) -> None:
    from loaders.database import connect
    from loaders.users import add_user, lookup

    engine = connect(url)
    try:
        if lookup(engine, BENCH_USER[0]) is None:
            add_user(engine, BENCH_USER[0], "admin", BENCH_USER[1])
    finally:
        engine.dispose()


# --- the measurements -------------------------------------------------------


def bench_import(workdir: Path, size: int) -> tuple[list[dict], str | None]:
    """Import the canonical CSV into fresh SQLite and PostgreSQL databases; returns the PostgreSQL schema kept."""
    csv_path = canonical_csv(workdir, size)
    repeats = repeats_for(size)
    results, kept_schema = [], None
    sqlite_db = workdir / f"import_{size}.db"

    def sqlite_run() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_db}{suffix}").unlink(missing_ok=True)
        command(["-m", "loaders", "import", str(csv_path)], {"DATABASE_URL": f"sqlite:///{sqlite_db}"})

    try:
        timing = median_time(f"import {size} rows into SQLite", sqlite_run, repeats)
        results.append({"rows": size, "database": "sqlite", **timing, "rows_per_s": size / timing["median_s"]})
    except Exception as error:  # noqa: BLE001 - record and carry on with the other measurements
        results.append({"rows": size, "database": "sqlite", "error": str(error)})
        say(f"import into SQLite failed: {error}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_db}{suffix}").unlink(missing_ok=True)

    schemas: list[str] = []

    def postgres_run() -> None:
        if schemas:
            postgres_schema("drop", schemas.pop())
        schema = f"bench_{size}_{uuid.uuid4().hex[:8]}"
        postgres_schema("create", schema)
        schemas.append(schema)
        command(["-m", "loaders", "import", str(csv_path)], {"DATABASE_URL": postgres_schema_url(schema)})

    try:
        timing = median_time(f"import {size} rows into PostgreSQL", postgres_run, repeats)
        results.append({"rows": size, "database": "postgresql", **timing, "rows_per_s": size / timing["median_s"]})
        kept_schema = schemas[-1]
    except Exception as error:  # noqa: BLE001
        results.append({"rows": size, "database": "postgresql", "error": str(error)})
        say(f"import into PostgreSQL failed: {error}")
        for schema in schemas:
            postgres_schema("drop", schema)
    return results, kept_schema


def bench_cold_load(url: str, database: str, size: int) -> dict:
    """`load_episodes` in a fresh process each time (nothing cached), after migrations ran."""
    loads = []

    def run() -> None:
        loads.append(child_json(["--load-episodes", url]))

    process = median_time(f"cold load_episodes ({database}, {size})", run)
    seconds = [load["seconds"] for load in loads]
    return {
        "episodes": size,
        "database": database,
        "rows": loads[-1]["rows"],
        "median_s": statistics.median(seconds),
        "runs_s": seconds,
        "process_median_s": process["median_s"],
        "peak_rss_mb": max(load["peak_rss_mb"] for load in loads),
    }


def load_episodes_child(url: str) -> None:
    """Child process for the cold load: print {"seconds", "rows", "peak_rss_mb"} as JSON."""
    from loaders.database import connect
    from loaders.episodes import load_episodes

    engine = connect(url)
    start = time.perf_counter()
    episodes = load_episodes(engine)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rows": len(episodes), "peak_rss_mb": peak_rss_mb()}))


def load(url: str):
    from loaders.database import connect
    from loaders.episodes import load_episodes

    engine = connect(url)
    try:
        return load_episodes(engine)
    finally:
        engine.dispose()


def default_view(episodes) -> tuple[dt.date, dt.date]:
    """The app's default period: the 12 calendar months ending with the month of the latest episode."""
    from metrics.periods import default_period

    period = default_period(episodes["reported_at"].max().date())
    return period.start, period.end


def app_pages() -> list[str]:
    """Every page file of the app, Overview first (the router's order is not needed: each is run alone)."""
    pages = sorted(p.stem for p in (ROOT / "ui/pages").glob("*.py"))
    chosen = [p.strip() for p in os.environ.get("BENCH_PAGES", "").split(",") if p.strip()]
    return [p for p in ["overview", *[p for p in pages if p != "overview"]] if not chosen or p in chosen]


def instrument_metrics() -> dict:
    """Wrap every public function of the metrics package so the time spent in metrics can be summed.

    Only the outermost call counts, so a metric calling another is not counted
    twice. Must run before the ui modules and the pages import their names.
    """
    import functools
    import importlib
    import inspect
    import pkgutil

    import metrics

    spent = {"seconds": 0.0, "depth": 0, "by": {}}

    def timed(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            spent["depth"] += 1
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent["depth"] -= 1
                if spent["depth"] == 0:
                    elapsed = time.perf_counter() - start
                    spent["seconds"] += elapsed
                    name = f"{function.__module__}.{function.__name__}"
                    spent["by"][name] = spent["by"].get(name, 0.0) + elapsed

        return wrapper

    for info in pkgutil.iter_modules(metrics.__path__):
        module = importlib.import_module(f"metrics.{info.name}")
        for name, value in list(vars(module).items()):
            if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_"):
                setattr(module, name, timed(value))
    return spent


def pages_child(url: str, repeats: int) -> None:
    """Child process for the warm pages: each page in AppTest after a filter change, episodes cached.

    Prints {"pages": {page: {...}}, "peak_rss_mb"} as JSON.
    """
    os.environ["DATABASE_URL"] = url
    spent = instrument_metrics()
    from streamlit.testing.v1 import AppTest

    from ui import data
    from ui.auth import SignedIn

    start, end = default_view(load(url))
    params = {"from": start.isoformat(), "to": end.isoformat(), **{k: ",".join(v) for k, v in FILTER.items()}}

    def run_page(page: str) -> tuple[float, float]:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.session_state["user"] = SignedIn("bench-admin", "admin", time.time())
        for key, value in params.items():
            at.query_params[key] = value
        at.run()  # the router and the default page
        at.switch_page(f"ui/pages/{page}.py")
        spent["seconds"], spent["by"] = 0.0, {}
        started = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - started
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
        return seconds, spent["seconds"], dict(spent["by"])

    say(f"pages: first run fills the episodes cache ({url})")
    run_page("overview")
    out = {}
    for page in app_pages():
        try:
            runs = [run_page(page) for _ in range(repeats)]
            out[page] = {
                "page_median_s": statistics.median(r[0] for r in runs),
                "metrics_median_s": statistics.median(r[1] for r in runs),
                "page_runs_s": [r[0] for r in runs],
                "slowest_metrics": sorted(runs[-1][2].items(), key=lambda item: -item[1])[:3],
            }
            say(f"page {page}: {out[page]['page_median_s']:.3f}s, metrics {out[page]['metrics_median_s']:.3f}s")
        except Exception as error:  # noqa: BLE001 - one broken page does not stop the others
            out[page] = {"error": f"{type(error).__name__}: {error}"}
    data.clear_episodes()
    print(json.dumps({"pages": out, "peak_rss_mb": peak_rss_mb(), "params": params}))


def bench_pages(url: str, size: int) -> dict:
    result = child_json(["--pages", url, str(repeats_for(size) if size >= LARGE else REPEATS)])
    return {"episodes": size, **result}


# DuckDB: the same tables as SQL over the same DataFrame, period and filter included.
DUCKDB_WHERE = "reported_at >= $start AND reported_at < $end_excl AND missing_from = 'care'"
DUCKDB_QUERIES = {
    "duration": f"""
WITH chosen AS (SELECT * FROM episodes WHERE {DUCKDB_WHERE}),
hours AS (
    SELECT CASE
        WHEN returned_at IS NULL OR reported_at_date_only OR returned_at_date_only THEN NULL
        ELSE date_diff('second', reported_at, returned_at) / 3600.0 END AS h
    FROM chosen
), banded AS (
    SELECT CASE
        WHEN h IS NULL THEN 'Not known' WHEN h < 8 THEN '0-8 hrs' WHEN h < 16 THEN '8-16 hrs'
        WHEN h < 24 THEN '16-24 hrs' WHEN h < 48 THEN '24-48 hrs' WHEN h < 168 THEN '2-7 days'
        ELSE '7+ days' END AS band
    FROM hours
), bands(band, pos) AS (
    VALUES ('0-8 hrs', 1), ('8-16 hrs', 2), ('16-24 hrs', 3), ('24-48 hrs', 4), ('2-7 days', 5),
           ('7+ days', 6), ('Not known', 7)
)
SELECT bands.band, count(banded.band) AS count,
       round(100.0 * count(banded.band) / nullif((SELECT count(*) FROM banded), 0), 1) AS percent
FROM bands LEFT JOIN banded USING (band) GROUP BY bands.band, bands.pos ORDER BY bands.pos
""",
    "repeat": f"""
WITH per_child AS (SELECT child_id, count(*) AS n FROM episodes WHERE {DUCKDB_WHERE} GROUP BY child_id),
banded AS (
    SELECT CASE WHEN n <= 2 THEN '1-2' WHEN n <= 5 THEN '3-5' WHEN n <= 8 THEN '6-8'
                WHEN n <= 19 THEN '9-19' ELSE '20+' END AS band FROM per_child
), bands(band, pos) AS (VALUES ('1-2', 1), ('3-5', 2), ('6-8', 3), ('9-19', 4), ('20+', 5))
SELECT bands.band, count(banded.band) AS count,
       round(100.0 * count(banded.band) / nullif((SELECT count(*) FROM banded), 0), 1) AS percent
FROM bands LEFT JOIN banded USING (band) GROUP BY bands.band, bands.pos ORDER BY bands.pos
""",
    "hotspots_from_district": f"""
SELECT from_district AS place, count(*) AS episodes, count(DISTINCT child_id) AS children
FROM episodes WHERE {DUCKDB_WHERE} AND from_district IS NOT NULL
GROUP BY from_district ORDER BY episodes DESC, place
""",
    "hotspots_establishment": f"""
SELECT establishment_id AS place, count(*) AS episodes, count(DISTINCT child_id) AS children
FROM episodes WHERE {DUCKDB_WHERE} AND establishment_id IS NOT NULL
GROUP BY establishment_id ORDER BY episodes DESC, place
""",
}


def bench_duckdb(episodes, size: int) -> list[dict]:
    """Each table: pandas (select_episodes + the metric, as the pages call them) against DuckDB SQL."""
    import duckdb
    import pandas as pd

    from metrics import tables

    start, end = default_view(episodes)
    parameters = {"start": pd.Timestamp(start), "end_excl": pd.Timestamp(end) + pd.Timedelta(days=1)}
    connection = duckdb.connect()
    connection.register("episodes", episodes)
    results = []
    for name, sql in DUCKDB_QUERIES.items():
        ours: list = []
        theirs: list = []
        pandas_timing = median_time(
            f"pandas {name} ({size})",
            lambda name=name, ours=ours: ours.append(tables.metric_table(name, episodes, start, end, FILTER)),
        )
        duck_timing = median_time(
            f"duckdb {name} ({size})",
            lambda sql=sql, theirs=theirs: theirs.append(connection.execute(sql, parameters).df()),
        )
        mine, other = ours[-1], theirs[-1]
        key = "episodes" if "episodes" in mine.columns else "count"
        try:
            same = [str(v) for v in mine.iloc[:, 0]] == [str(v) for v in other.iloc[:, 0]] and [
                int(v) for v in mine[key]
            ] == [int(v) for v in other[key]]
        except Exception:  # noqa: BLE001 - shapes differ: they do not agree
            same = False
        results.append(
            {
                "episodes": size,
                "table": name,
                "pandas_median_s": pandas_timing["median_s"],
                "duckdb_median_s": duck_timing["median_s"],
                "ratio_pandas_to_duckdb": pandas_timing["median_s"] / duck_timing["median_s"],
                "same_counts": same,
            }
        )
    connection.close()
    return results


def bench_pack(episodes, size: int, workdir: Path) -> dict:
    try:
        from reports.pack import build_pack
    except ImportError:
        return {"episodes": size, "error": "not yet: reports.pack.build_pack is missing"}
    start, end = default_view(episodes)
    out = workdir / f"pack_{size}.docx"
    timing = median_time(f"committee pack ({size})", lambda: build_pack(episodes, start, end, out), repeats_for(size))
    return {"episodes": size, **timing, "bytes": out.stat().st_size}


# --- the browser ------------------------------------------------------------

SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-testid="stForm"] input[type="password"]')) return false;
  const main = document.querySelector('[data-testid="stMain"]') || app;
  return main.querySelectorAll('[data-testid="stMetric"], [data-testid="stVegaLiteChart"], '
    + '[data-testid="stDataFrame"], [data-testid="stIFrame"], iframe, [data-testid="stDeckGlJsonChart"]').length > 0;
}"""


def wait_settled(page, quiet_ms: int = 500, timeout_s: float = 180) -> float:
    """Wait until the app has been settled for `quiet_ms`; returns when that settled state began."""
    deadline = time.perf_counter() + timeout_s
    since = None
    while time.perf_counter() < deadline:
        if page.evaluate(SETTLED_JS):
            since = since or time.perf_counter()
            if time.perf_counter() - since >= quiet_ms / 1000:
                return since
        else:
            since = None
        page.wait_for_timeout(50)
    raise TimeoutError("the page did not settle")


# Requests to anywhere but the app are refused. A regular expression is matched inside the
# browser driver; a Python predicate would route every request through Python and add seconds.
OUTSIDE = re.compile(r"^(?!https?://127\.0\.0\.1[:/])")


def bench_browser(url: str, label: str, workdir: Path, repeats: int) -> dict:
    """Overview and Hotspots in headless Chromium, signed in through the form.

    Each session opens a new tab on Overview and signs in, then clicks Hotspots
    and Overview in the sidebar. `overview_s` is that last click until settled
    (a signed-in user going to Overview); `fresh_tab_overview_s` from opening
    the tab until Overview settled, the app loading and the sign-in form
    included; `sign_in_overview_s` from the Sign in click. `first_*` is the
    first session on a fresh server (episodes not yet cached). The server's
    peak memory is read at the end.
    """
    from playwright.sync_api import sync_playwright

    from tests.browser_support import PAGE_LINKS, streamlit_server

    add_bench_user(url)
    with streamlit_server(url, workdir / f"streamlit_{label}.log", seconds=120) as base:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
            )

            def click_and_settle(page, name: str) -> float:
                clicked = time.perf_counter()
                page.locator(PAGE_LINKS).get_by_role("link", name=name).first.click()
                page.wait_for_timeout(100)
                return wait_settled(page) - clicked

            def session() -> dict:
                context = browser.new_context(viewport={"width": 1600, "height": 1000})
                page = context.new_page()
                page.route(OUTSIDE, lambda route: route.abort())
                started = time.perf_counter()
                page.goto(f"{base}/overview")
                form = page.locator('[data-testid="stForm"]')
                form.get_by_role("textbox", name="Name").fill(BENCH_USER[0], timeout=120_000)
                form.get_by_role("textbox", name="Password").fill(BENCH_USER[1])
                clicked = time.perf_counter()
                form.get_by_role("button", name="Sign in").click()
                page.wait_for_selector('[data-testid="stMetric"]', timeout=300_000)
                settled = wait_settled(page)
                times = {"fresh_tab_overview_s": settled - started, "sign_in_overview_s": settled - clicked}
                times["hotspots_s"] = click_and_settle(page, "Hotspots")
                times["overview_s"] = click_and_settle(page, "Overview")
                context.close()
                return times

            first = session()
            say(f"browser {label}: first session {', '.join(f'{k} {v:.2f}' for k, v in first.items())}")
            runs = []
            for i in range(repeats):
                runs.append(session())
                say(f"browser {label}: run {i + 1}/{repeats} {', '.join(f'{k} {v:.2f}' for k, v in runs[-1].items())}")
            browser.close()
        rss = peak_rss_mb(base.pid)
    out = {"database": label, "server_peak_rss_mb": rss}
    for key in first:
        name = key.removesuffix("_s")
        out[f"first_{name}_s"] = first[key]
        out[f"{name}_median_s"] = statistics.median(r[key] for r in runs)
        out[f"{name}_runs_s"] = [r[key] for r in runs]
    return out


# --- the run ----------------------------------------------------------------


def section(results: dict, what: str, run: Callable, *args):
    """Run one measurement; on failure record the error and go on."""
    try:
        return run(*args)
    except Exception as error:  # noqa: BLE001
        say(f"{what} failed: {error}")
        results["errors"].append(
            {"what": what, "error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc(limit=3)}
        )
        return None


def bench_size(results: dict, workdir: Path, size: int) -> None:
    """Every measurement at one size."""
    built = section(results, f"sample build ({size})", sample_database, workdir, size)
    if built is None:
        return
    sqlite_url, build_timing = built
    if build_timing:
        results["sample_build"].append(build_timing)

    bench_databases(results, workdir, size, sqlite_url)
    pages = section(results, f"pages ({size})", bench_pages, sqlite_url, size)
    if pages:
        results["pages"].append(pages)
        results["errors"].extend(
            {"what": f"page {name} ({size})", "error": p["error"]} for name, p in pages["pages"].items() if "error" in p
        )
    episodes = section(results, f"load episodes ({size})", load, sqlite_url)
    if episodes is None or episodes.empty:
        results["errors"].append({"what": f"metrics ({size})", "error": "no episodes loaded"})
        return
    results["duckdb"].extend(section(results, f"duckdb ({size})", bench_duckdb, episodes, size) or [])
    pack = section(results, f"committee pack ({size})", bench_pack, episodes, size, workdir)
    if pack:
        results["pack"].append(pack)
    del episodes
    if BROWSER and size >= LARGE:
        browser = section(results, f"browser ({size})", bench_browser, sqlite_url, str(size), workdir, REPEATS)
        if browser:
            results["browser"].append(browser)


def bench_databases(results: dict, workdir: Path, size: int, sqlite_url: str) -> None:
    """The import into each database, then a cold load from each (PostgreSQL's schema dropped after)."""
    imported = section(results, f"import ({size})", bench_import, workdir, size)
    schema = None
    if imported:
        import_results, schema = imported
        results["import"].extend(import_results)
        results["errors"].extend(
            {"what": f"import {r['database']} ({size})", "error": r["error"]} for r in import_results if "error" in r
        )
    sources = {"sqlite": sqlite_url}
    if schema:
        sources["postgresql"] = postgres_schema_url(schema)
    for database, url in sources.items():
        cold = section(results, f"cold load ({database}, {size})", bench_cold_load, url, database, size)
        if cold:
            results["load_episodes"].append(cold)
    if schema:
        postgres_schema("drop", schema)


def save(results: dict) -> None:
    results["machine"]["load_average_end"] = os.getloadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    write_report(results)


def main() -> int:
    results: dict = {
        "machine": machine(),
        "sizes": SIZES,
        "filter": FILTER,
        "targets": TARGETS,
        "sample_build": [],
        "import": [],
        "load_episodes": [],
        "pages": [],
        "duckdb": [],
        "pack": [],
        "browser": [],
        "errors": [],
    }
    say(f"sizes {SIZES}, {REPEATS} runs each ({LARGE_REPEATS} for builds and imports at {LARGE:,}+)")
    with tempfile.TemporaryDirectory(prefix="missing-bench-") as tmp:
        workdir = Path(tmp)
        built = section(results, "sample build (default)", sample_database, workdir, None) if BROWSER else None
        if built:
            results["sample_build"].append(built[1])
            browser = section(results, "browser (sample)", bench_browser, built[0], "sample", workdir, REPEATS)
            if browser:
                results["browser"].append(browser)
            save(results)
        for size in SIZES:
            bench_size(results, workdir, size)
            save(results)  # what is measured so far survives a run stopped part way
    say(f"wrote {RESULTS} and {REPORT}")
    if results["errors"]:
        say(f"{len(results['errors'])} measurement(s) failed:")
        for error in results["errors"]:
            print(f"  {error['what']}: {error['error'].splitlines()[0]}", file=sys.stderr)
        return 1
    return 0


# --- the report -------------------------------------------------------------

HAND_WRITTEN = "<!-- Written by hand below this line; make bench keeps it. -->"


def write_report(results: dict) -> None:
    """docs/benchmarks.md from the results, keeping the hand-written analysis after HAND_WRITTEN."""
    kept = ""
    if REPORT.exists() and HAND_WRITTEN in REPORT.read_text():
        kept = REPORT.read_text().split(HAND_WRITTEN, 1)[1]
    REPORT.write_text(markdown(results) + "\n" + HAND_WRITTEN + (kept or "\n"))


def seconds(value) -> str:
    return "failed" if value is None else f"{value:.3f}"


def verdict(value, target, lower_is_better: bool = True) -> str:
    if value is None:
        return "not measured"
    met = value <= target if lower_is_better else value >= target
    if met:
        return "met"
    return f"missed by {value / target:.1f}x" if lower_is_better else f"missed ({value / target:.0%} of target)"


def summary_rows(results: dict) -> list[str]:
    """One line per target of issue 7, with the measured figure at the size the target is set for."""
    large = max(results["sizes"]) if results["sizes"] else None
    rows = []

    def find(items, **match):
        return next((r for r in items if all(r.get(k) == v for k, v in match.items())), None)

    for database in ("sqlite", "postgresql"):
        r = find(results["import"], rows=large, database=database)
        value = r.get("rows_per_s") if r else None
        rows.append(
            f"| import at {large:,}, {database} | ≥ 20,000 rows/s | "
            f"{'-' if value is None else f'{value:,.0f} rows/s'} | {verdict(value, 20_000, False)} |"
        )
        r = find(results["load_episodes"], episodes=large, database=database)
        value = r.get("median_s") if r else None
        rows.append(f"| cold load at {large:,}, {database} | ≤ 10 s | {seconds(value)} s | {verdict(value, 10.0)} |")
    for size, target in ((100_000, 0.3), (large, 1.0)):
        r = find(results["pages"], episodes=size)
        if r:
            worst = max(
                ((p["metrics_median_s"], name) for name, p in r["pages"].items() if "metrics_median_s" in p),
                default=(None, "-"),
            )
            rows.append(
                f"| warm page metrics at {size:,} (slowest page: {worst[1]}) | ≤ {target} s | "
                f"{seconds(worst[0])} s | {verdict(worst[0], target)} |"
            )
    ratios = [r["ratio_pandas_to_duckdb"] for r in results["duckdb"] if r["episodes"] == large]
    if ratios:
        rows.append(
            f"| metrics vs DuckDB at {large:,} (worst table) | ≤ 3× | {max(ratios):.1f}× | "
            f"{verdict(max(ratios), 3.0)} |"
        )
    r = find(results["pages"], episodes=large)
    if r:
        gb = r["peak_rss_mb"] / 1024
        rows.append(
            f"| memory at {large:,} (AppTest process: load + every page) | ≤ 2 GB | {gb:.2f} GB | {verdict(gb, 2.0)} |"
        )
    for label, target in (("sample", 3.0), (str(large), 6.0)):
        r = find(results["browser"], database=label)
        if r:
            rows.append(
                f"| browser Overview settled, {label} (signed in, sidebar click) | ≤ {target} s | "
                f"{r['overview_median_s']:.2f} s | {verdict(r['overview_median_s'], target)} |"
            )
            rows.append(
                f"| browser Overview settled, {label} (new tab: app load + sign-in form + Overview) | ≤ {target} s | "
                f"{r['fresh_tab_overview_median_s']:.2f} s | {verdict(r['fresh_tab_overview_median_s'], target)} |"
            )
            gb = r["server_peak_rss_mb"] / 1024
            if label != "sample":
                rows.append(
                    f"| memory at {large:,} (`streamlit run` server after Overview + Hotspots) | ≤ 2 GB | "
                    f"{gb:.2f} GB | {verdict(gb, 2.0)} |"
                )
    return rows


def import_row(r: dict) -> str:
    """One import's row: rows, database, median, rows a second, each run."""
    if "error" in r:
        return f"| {r['rows']:,} | {r['database']} | failed | - | - |"
    return (
        f"| {r['rows']:,} | {r['database']} | {seconds(r['median_s'])} | {r['rows_per_s']:,.0f} | "
        f"{', '.join(f'{x:.1f}' for x in r['runs_s'])} |"
    )


def page_rows(pages: list[dict]) -> list[str]:
    """The warm pages table: one row a page, a metrics and a page column for each size."""
    if not pages:
        return []
    sizes = [r["episodes"] for r in pages]
    lines = [
        "| page | " + " | ".join(f"{s:,}: metrics s | page s" for s in sizes) + " |",
        "| --- | " + " | ".join("---: | ---:" for _ in sizes) + " |",
    ]
    for name in dict.fromkeys(n for r in pages for n in r["pages"]):
        cells = []
        for r in pages:
            p = r["pages"].get(name, {})
            cells.append(
                "failed | failed"
                if "error" in p or not p
                else f"{p['metrics_median_s']:.3f} | {p['page_median_s']:.3f}"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("| **peak memory, MB** | " + " | ".join(f"{r['peak_rss_mb']:,.0f} | " for r in pages) + " |")
    return lines


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Measured by `make bench` (`bench/run.py`); raw numbers in `bench/results.json`; what the",
        "numbers mean for going beyond one machine is in `docs/production.md`. Each figure is the median",
        (
            f"of {m['repeats']} runs; at 1,000,000 episodes the sample build and the imports ran "
            f"{m['large_repeats']} time(s)."
        ),
        "Commands (build, import) run as a user runs them, so their times include starting Python.",
        f"Sizes: {', '.join(f'{s:,}' for s in results['sizes'])} episodes (`BENCH_SIZES`). The warm",
        f"measurements use the app's default period (the last 12 months of data) and the filter {results['filter']}.",
        "",
        "## Machine",
        "",
        f"- date: {m['date']}",
        f"- CPU: {m['cpu']}, {m['nproc']} CPUs available (`nproc`)",
        f"- memory: {m['memory_gb']} GB",
        f"- Python {m['python']} on {m['platform']}",
        "- " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v),
        (
            f"- load average at start {tuple(round(x, 1) for x in m['load_average_start'])}, at end "
            f"{tuple(round(x, 1) for x in m.get('load_average_end', (0, 0, 0)))}"
        ),
        *([f"- note: {m['note']}"] if m.get("note") else []),
        "",
        "## Targets",
        "",
        "| what | target | measured | |",
        "| --- | --- | ---: | --- |",
        *summary_rows(results),
        "",
        "## Sample build (`python -m sample_data build`)",
        "",
        "| episodes | median s | runs s |",
        "| --- | ---: | --- |",
    ]
    for r in results["sample_build"]:
        if r:
            lines.append(
                f"| {r['episodes']} | {seconds(r['median_s'])} | {', '.join(f'{x:.2f}' for x in r['runs_s'])} |"
            )
    lines += [
        "",
        "A database at 1,000,000 episodes is kept in `data/bench/` and reused; its build is timed only",
        "when it is made.",
        "",
        "## Canonical CSV import (`python -m loaders import`, into a fresh database)",
        "",
        "| rows | database | median s | rows/s | runs s |",
        "| ---: | --- | ---: | ---: | --- |",
    ]
    lines += [import_row(r) for r in results["import"]]
    lines += [
        "",
        "## Cold start: `loaders.episodes.load_episodes`",
        "",
        "`load_episodes` alone in a fresh process; the whole process (start Python, import, connect and",
        "migrate, load) beside it, and the process's peak resident memory.",
        "",
        "| episodes | database | rows | load_episodes s | whole process s | peak MB |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results["load_episodes"]:
        lines.append(
            f"| {r['episodes']:,} | {r['database']} | {r['rows']:,} | {seconds(r['median_s'])} | "
            f"{seconds(r.get('process_median_s'))} | {r['peak_rss_mb']:,.0f} |"
        )
    lines += [
        "",
        "## Warm pages (AppTest, episodes cached, after a filter change)",
        "",
        "Each page of the app run by Streamlit's AppTest as an admin with the filter in the URL, after",
        "a first run filled the episodes cache. `metrics s` is the time inside `metrics` functions",
        '(what issue 7\'s "every metric of each page" target is about); `page s` the whole script run',
        "(sidebar, metrics, Altair charts, tables; no browser). Peak memory is that process's.",
        "",
    ]
    lines += page_rows(results["pages"])
    lines += [
        "",
        "## DuckDB SQL as a reference",
        "",
        "The same table written as one DuckDB query (period and filter in its WHERE) over the same",
        "loaded DataFrame, against `metrics.tables.metric_table` (which selects the period and filter",
        "and works out the derived columns, as a page does). Ratio = pandas time / DuckDB time (above 1:",
        "DuckDB faster). `same counts`: both gave the same rows and counts (the DuckDB duration query",
        "treats any date-only time as `Not known`, a simplification of domain.md section 4).",
        "",
        "| episodes | table | pandas s | DuckDB s | ratio | same counts |",
        "| ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for r in results["duckdb"]:
        lines.append(
            f"| {r['episodes']:,} | {r['table']} | {seconds(r['pandas_median_s'])} | "
            f"{seconds(r['duckdb_median_s'])} | {r['ratio_pandas_to_duckdb']:.1f} | {r['same_counts']} |"
        )
    lines += [
        "",
        "## Committee pack (`reports.pack.build_pack`, Word, default period)",
        "",
        "| episodes | median s | runs s |",
        "| ---: | ---: | --- |",
    ]
    for r in results["pack"]:
        if "error" in r:
            lines.append(f"| {r['episodes']:,} | {r['error']} | - |")
        else:
            lines.append(
                f"| {r['episodes']:,} | {seconds(r['median_s'])} | {', '.join(f'{x:.1f}' for x in r['runs_s'])} |"
            )
    lines += [
        "",
        "## Browser (headless Chromium, Playwright)",
        "",
        "A `streamlit run` server on the SQLite database, requests to anywhere else refused. Each session",
        "opens a new tab on Overview and signs in through the form, then clicks Hotspots and Overview in",
        "the sidebar; settled = no status widget, the page's charts or figures present, quiet for 0.5 s.",
        "`Overview` is the sidebar click until settled (a signed-in user going to Overview, the target's",
        "figure); `new tab` from opening the tab, the app loading and the sign-in form included; `after",
        "sign-in` from the Sign in click. `first` is the first session on a fresh server (episodes not yet",
        "loaded). Medians of the sessions after the first.",
        "",
        "| database | Overview s | Hotspots s | new tab s | after sign-in s | first: new tab s | first: Hotspots s "
        + "| server peak MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results["browser"]:
        lines.append(
            f"| {r['database']} | {r['overview_median_s']:.2f} | {r['hotspots_median_s']:.2f} | "
            f"{r['fresh_tab_overview_median_s']:.2f} | {r['sign_in_overview_median_s']:.2f} | "
            f"{r['first_fresh_tab_overview_s']:.2f} | {r['first_hotspots_s']:.2f} | {r['server_peak_rss_mb']:,.0f} |"
        )
    if results["errors"]:
        lines += ["", "## Failed measurements", ""]
        lines += [f"- {e['what']}: {e['error'].splitlines()[0]}" for e in results["errors"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--markdown"]:  # rewrite docs/benchmarks.md from bench/results.json
        write_report(json.loads(RESULTS.read_text()))
        sys.exit(0)
    if len(sys.argv) == 3 and sys.argv[1] == "--load-episodes":
        load_episodes_child(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) == 4 and sys.argv[1] == "--pages":
        pages_child(sys.argv[2], int(sys.argv[3]))
        sys.exit(0)
    sys.exit(main())
