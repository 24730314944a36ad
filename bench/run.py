"""How fast the dashboard is, on this machine, against the targets of issue 17: `make bench`.

On the default sample it measures in headless Chromium (bench/browser.py) the first visit after a
server restart, every page by a sidebar click, a new tab, and many sessions at once (BENCH_SESSIONS,
default 1,5,10,20) on one app process and on two behind nginx. For each size in BENCH_SIZES
(default `100000,1000000`) it measures:

- the sample build (`python -m sample_data build --episodes N`);
- the import of a canonical CSV of that size (`python -m loaders import`, full validation and
  postcodes, a fresh database each run) into SQLite and PostgreSQL, rows/s, and in the same run
  the machine's limits: DuckDB's read_csv, PostgreSQL's COPY into an unconstrained table;
- cold start: `load_episodes` in a fresh process, and that process's peak memory;
- every file of ui/pages run in Streamlit's AppTest after a filter change (episodes cached and what the
  server works out at startup, `ui.cached.warm`, then frozen out of the garbage collector's walk as the
  server freezes them; the caches of the view emptied before each run): the
  whole script run, the time inside `metrics` functions,
  what it drew (did it run with data?), and the same view run again (every cache warm);
- a DuckDB reference for four tables, and the committee pack;
- at 1M and above, the browser measurements again and the server's peak memory.

Every figure is the median of BENCH_REPEATS runs (default 3); at 1M and above the build and the
imports run BENCH_LARGE_REPEATS times (default 1). The largest databases and CSVs are kept under
data/bench/ (gitignored) and reused. Writes `bench/results.json` and `docs/benchmarks.md`.
BENCH_BROWSER=0 skips the browser, BENCH_CROWD=0 the many sessions (BENCH_CROWD_SHAPES: `one process`,
`production` or both); BENCH_PAGES=overview,hotspots
narrows the pages, BENCH_CROWD_PAGES those the many sessions click; BENCH_SAMPLE_EPISODES builds a
smaller "sample" (the tests); BENCH_RESULTS / BENCH_REPORT write elsewhere; `python -m bench.run
--markdown` rewrites the report from the results, `--merge A.json B.json` joins two partial runs.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path

from bench import browser

ROOT = Path(__file__).resolve().parent.parent

RESULTS = Path(os.environ.get("BENCH_RESULTS", ROOT / "bench" / "results.json"))
REPORT = Path(os.environ.get("BENCH_REPORT", ROOT / "docs" / "benchmarks.md"))
KEEP = ROOT / "data" / "bench"
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "100000,1000000").split(",") if s.strip()]
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
LARGE = 1_000_000
LARGE_REPEATS = int(os.environ.get("BENCH_LARGE_REPEATS", "1"))
BROWSER = os.environ.get("BENCH_BROWSER", "1") != "0"
CROWD = os.environ.get("BENCH_CROWD", "1") != "0"
SAMPLE_EPISODES = int(os.environ.get("BENCH_SAMPLE_EPISODES", "0"))  # 0: the default sample (tests: tiny)
SHAPES = os.environ.get("BENCH_CROWD_SHAPES", "one process,production")
CROWD_SHAPES = [shape.strip() for shape in SHAPES.split(",") if shape.strip()]
SESSIONS = [int(n) for n in os.environ.get("BENCH_SESSIONS", "1,5,10,20").split(",") if n.strip()]
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/test")
SEED = 2016
FILTER = {"missing_from": ["care"]}  # the "typical filter change": looked-after children only
BENCH_USER = ("bench-admin", "bench-password-not-secret")

# Targets of issue 17 (DEVELOPERS.md), on this 2-core machine: by size (episodes, or the browser's database).
TARGETS = {
    "page_s": {100_000: 0.5, LARGE: 1.5},  # whole page script in AppTest
    "metrics_s": {100_000: 0.3, LARGE: 1.0},  # time inside metrics functions, per page
    "click_s": {"sample": 1.5, str(LARGE): 3.0},  # browser, sidebar click to settled
    "first_visit_s": {"sample": 3.0, str(LARGE): 8.0},  # first visit after a restart, sign-in included
    "new_tab_s": 3.0,  # a new tab, sign-in included
    "import_rows_per_s": 30_000,  # full validation, at 100k and 1M
    "memory_gb": 2.0,  # the app at 1M
    "crowd_settle_s": 3.0,  # 10 concurrent managers on the sample: every page settles within
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
    return json.loads(command(["-m", "bench.run", *args], env).strip().splitlines()[-1])


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
    if size is not None or SAMPLE_EPISODES:
        args += ["--episodes", str(size or SAMPLE_EPISODES)]

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


def bench_import_limits(workdir: Path, size: int) -> list[dict]:
    """The machine's limits for the same CSV: DuckDB's read_csv into a table (a file database, as an import
    writes one), and PostgreSQL's COPY into a table of text columns with no key, constraint or index."""
    import csv

    import duckdb
    import psycopg

    csv_path = canonical_csv(workdir, size)
    repeats = repeats_for(size)
    duck_file = workdir / f"limit_{size}.duckdb"

    def duck_run() -> None:
        duck_file.unlink(missing_ok=True)
        with duckdb.connect(str(duck_file)) as connection:
            connection.execute("CREATE TABLE episodes AS SELECT * FROM read_csv(?)", [str(csv_path)])

    out = []
    timing = median_time(f"limit: DuckDB read_csv of {size} rows", duck_run, repeats)
    out.append({"rows": size, "limit": "duckdb read_csv", **timing, "rows_per_s": size / timing["median_s"]})
    duck_file.unlink(missing_ok=True)

    with csv_path.open(newline="") as handle:
        header = next(csv.reader(handle))
    columns = ", ".join(f'"{name}" text' for name in header)
    schema = f"bench_copy_{size}_{uuid.uuid4().hex[:8]}"
    postgres_schema("create", schema)
    try:
        with psycopg.connect(POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")) as connection:

            def copy_run() -> None:
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP TABLE IF EXISTS "{schema}".episodes')
                    cursor.execute(f'CREATE TABLE "{schema}".episodes ({columns})')
                    with (
                        csv_path.open("rb") as source,
                        cursor.copy(f'COPY "{schema}".episodes FROM STDIN (FORMAT csv, HEADER true)') as copy,
                    ):
                        while block := source.read(1 << 20):
                            copy.write(block)
                connection.commit()

            timing = median_time(f"limit: PostgreSQL COPY of {size} rows", copy_run, repeats)
        out.append({"rows": size, "limit": "postgresql copy", **timing, "rows_per_s": size / timing["median_s"]})
    finally:
        postgres_schema("drop", schema)
    return out


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
    twice. Must run before ui.data and the pages import their names.
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


# st.cache_data functions worked out once per data version, not per view: a filter change leaves them
# filled, so the bench does too (matched on the end of the function's qualified name).
PER_DATA_VERSION = (
    "data._establishments",
    "data._latest_reported",
    "cached._dfe_figures",
    "cached._reconciliation_items",
    "cached._children",
    "cached._pair_rows",
)


def clear_view_caches() -> None:
    """Empty what a filter change leaves cold: every st.cache_data cache but PER_DATA_VERSION's, and the
    cache_resource functions of ui.cached (the selected episodes). The episodes (ui.data) stay loaded.

    st.cache_data has no public way to clear all functions but some, hence its registry. The
    cache_resource functions of PER_DATA_VERSION (reconciliation items, the child index) stay filled."""
    from streamlit.runtime.caching import cache_data_api, cache_utils
    from streamlit.runtime.caching.cache_type import CacheType

    from ui import cached

    for caches in list(cache_data_api._data_caches._function_caches.values()):
        for cache in list(caches.values()):
            if not cache.display_name.endswith(PER_DATA_VERSION):
                cache.clear()
    for value in vars(cached).values():
        if (
            isinstance(value, cache_utils.CachedFunc)
            and value._info.cache_type is CacheType.RESOURCE
            and not f"cached.{value._info.func.__name__}".endswith(PER_DATA_VERSION)
        ):
            value.clear()


def pages_child(url: str, repeats: int) -> None:
    """Child process for the pages: each page in AppTest after a filter change (its per-view caches
    emptied before every measured run, see clear_view_caches; episodes cached), then the same view again.

    Prints {"pages": {page: {...}}, "peak_rss_mb"} as JSON.
    """
    os.environ["DATABASE_URL"] = url
    spent = instrument_metrics()
    from streamlit.testing.v1 import AppTest

    from ui import cached, data
    from ui.auth import SignedIn

    episodes = load(url)
    start, end = default_view(episodes)
    params = {"from": start.isoformat(), "to": end.isoformat(), **{k: ",".join(v) for k, v in FILTER.items()}}
    # The child timeline shows a child once one is chosen: the child with the most episodes, as an analyst would.
    busiest = {"child": str(episodes["child_id"].value_counts().idxmax())} if len(episodes) else {}
    del episodes

    def timed_run(at, page: str) -> tuple[float, float, dict]:
        spent["seconds"], spent["by"] = 0.0, {}
        started = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - started
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
        return seconds, spent["seconds"], dict(spent["by"])

    def run_page(page: str):
        """(page s, metrics s, metrics by function, content) after a filter change, then (page s, metrics s)
        of the same view run again (a widget click that changes nothing)."""
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.session_state["user"] = SignedIn(BENCH_USER[0], "admin", time.time())  # admin: every page
        for key, value in {**params, **(busiest if page == "child_timeline" else {})}.items():
            at.query_params[key] = value
        at.run()  # the router and the default page
        at.switch_page(f"ui/pages/{page}.py")
        clear_view_caches()
        seconds, metrics_seconds, by = timed_run(at, page)
        content = page_content(at)
        warm_seconds, warm_metrics, _ = timed_run(at, page)
        return seconds, metrics_seconds, by, content, warm_seconds, warm_metrics

    say(f"pages: first run fills the episodes cache ({url}), then what the server works out at startup")
    run_page("overview")
    # A server fills its per-data-version caches (PER_DATA_VERSION: the reconciliation items, the pairs missing
    # and found together) as it starts (app_server.py), and a filter change keeps them: without this the first
    # page to use one paid for it (the Reconciliation page's one run at 1M: 5.4 s, 0.4 s once filled).
    cached.warm()
    gc.freeze()  # as app_server.py does after warm(): Streamlit's collection after each run no longer walks them
    out = {}
    for page in app_pages():
        try:
            runs = [run_page(page) for _ in range(repeats)]
            out[page] = {
                "page_median_s": statistics.median(r[0] for r in runs),
                "metrics_median_s": statistics.median(r[1] for r in runs),
                "page_runs_s": [r[0] for r in runs],
                "slowest_metrics": sorted(runs[-1][2].items(), key=lambda item: -item[1])[:3],
                "warm_page_median_s": statistics.median(r[4] for r in runs),
                "warm_metrics_median_s": statistics.median(r[5] for r in runs),
                **runs[-1][3],
            }
            say(
                f"page {page}: {out[page]['page_median_s']:.3f}s, metrics {out[page]['metrics_median_s']:.3f}s, "
                f"same view again {out[page]['warm_page_median_s']:.3f}s, content {out[page]['content']}"
            )
        except Exception as error:  # noqa: BLE001 - one broken page does not stop the others
            out[page] = {"error": f"{type(error).__name__}: {error}"}
    data.clear_episodes()
    print(json.dumps({"pages": out, "peak_rss_mb": peak_rss_mb(), "params": params}))


def page_content(at) -> dict:
    """What a page showed: its figures, charts and tables, and its messages (did it run with data?)."""
    content = {
        "figures": len(at.metric),
        "charts": sum(
            len(at.get(kind)) for kind in ("vega_lite_chart", "deck_gl_json_chart", "iframe", "graphviz_chart")
        ),
        "tables": len(at.dataframe) + len(at.table),
    }
    messages = [
        f"{kind}: {str(element.value)[:120]}" for kind in ("error", "warning", "info") for element in getattr(at, kind)
    ]
    return {"content": content, "messages": messages, "with_data": sum(content.values()) > 0}


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


def bench_browser(url: str, label: str, workdir: Path) -> dict:
    add_bench_user(url)
    return browser.browser_pages(url, label, workdir, BENCH_USER, REPEATS, say, browser_pages())


def bench_crowd(url: str, workdir: Path, shape: str) -> dict:
    """Many sessions at once on the sample, on one app process or on the production shape."""
    add_bench_user(url)
    chosen = [p.strip() for p in os.environ.get("BENCH_CROWD_PAGES", "").split(",") if p.strip()]
    pages = [page for page in browser_pages() if not chosen or page[0] in chosen or page[0] == "overview"]
    return browser.crowd(url, workdir, BENCH_USER, SESSIONS, shape, say, pages)


def browser_pages() -> list[tuple[str, str]]:
    """(file stem, title) of the pages app.py routes to, Overview first, narrowed by BENCH_PAGES."""
    chosen = set(app_pages())
    return [page for page in browser.router_pages() if page[0] in chosen or page[0] == "overview"]


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


def imports_and_cold_loads(results: dict, workdir: Path, size: int, sqlite_url: str) -> None:
    """The import into both databases beside the machine's limits, then a cold load from each database."""
    imported = section(results, f"import ({size})", bench_import, workdir, size)
    schema = None
    if imported:
        import_results, schema = imported
        results["import"].extend(import_results)
        results["errors"].extend(
            {"what": f"import {r['database']} ({size})", "error": r["error"]} for r in import_results if "error" in r
        )
    limits = section(results, f"import limits ({size})", bench_import_limits, workdir, size)
    results["import_limits"].extend(limits or [])
    sources = {"sqlite": sqlite_url}
    if schema:
        sources["postgresql"] = postgres_schema_url(schema)
    for database, url in sources.items():
        cold = section(results, f"cold load ({database}, {size})", bench_cold_load, url, database, size)
        if cold:
            results["load_episodes"].append(cold)
    if schema:
        postgres_schema("drop", schema)


def bench_size(results: dict, workdir: Path, size: int) -> None:
    """Every measurement at one size."""
    built = section(results, f"sample build ({size})", sample_database, workdir, size)
    if built is None:
        return
    sqlite_url, build_timing = built
    if build_timing:
        results["sample_build"].append(build_timing)

    imports_and_cold_loads(results, workdir, size, sqlite_url)
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
        measured = section(results, f"browser ({size})", bench_browser, sqlite_url, str(size), workdir)
        if measured:
            results["browser"].append(measured)


def merge(parts: list[dict]) -> dict:
    """Partial results into one: the lists joined, the sizes united, the first part's machine (its load noted)."""
    merged = dict(parts[0])
    for part in parts[1:]:
        for key, value in part.items():
            if isinstance(value, list) and key != "sizes":
                merged[key] = merged.get(key, []) + value
        merged["sizes"] = sorted(set(merged["sizes"]) | set(part["sizes"]))
    merged["machine"] = {
        **parts[0]["machine"],
        "load_average_end": max(p["machine"]["load_average_end"] for p in parts),
    }
    return merged


def save(results: dict) -> None:
    now = list(os.getloadavg())  # the highest seen at a save: the run's numbers are upper bounds by that much
    results["machine"]["load_average_end"] = max(list(results["machine"].get("load_average_end", now)), now)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    write_report(results)


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: the servers and nginx it started stop too
    results: dict = {
        "machine": machine(),
        "sizes": SIZES,
        "filter": FILTER,
        "targets": TARGETS,
        "sample_build": [],
        "import": [],
        "import_limits": [],
        "load_episodes": [],
        "pages": [],
        "duckdb": [],
        "pack": [],
        "browser": [],
        "crowd": [],
        "errors": [],
    }
    say(f"sizes {SIZES}, {REPEATS} runs each ({LARGE_REPEATS} for builds and imports at {LARGE:,}+)")
    with tempfile.TemporaryDirectory(prefix="missing-bench-") as tmp:
        workdir = Path(tmp)
        built = section(results, "sample build (default)", sample_database, workdir, None) if BROWSER or CROWD else None
        if built and BROWSER:
            results["sample_build"].append(built[1])
            measured = section(results, "browser (sample)", bench_browser, built[0], "sample", workdir)
            if measured:
                results["browser"].append(measured)
            save(results)
        for shape in CROWD_SHAPES if built and CROWD else ():
            measured = section(results, f"many sessions ({shape})", bench_crowd, built[0], workdir, shape)
            results["crowd"].extend([measured] if measured else [])
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


def verdict(value, target, lower_is_better: bool = True) -> str:
    """ "met", or by how many times the figure misses its target."""
    if value is None:
        return "not measured"
    if lower_is_better:
        return "met" if value <= target else f"missed by {value / target:.1f}x"
    return "met" if value >= target else f"missed by {target / value:.1f}x"


def size_label(size) -> str:
    return f"{size:,}" if isinstance(size, int) else ("1,000,000" if size == str(LARGE) else str(size))


def find(items: list[dict], **match) -> dict | None:
    return next((r for r in items if all(r.get(k) == v for k, v in match.items())), None)


def slowest(values: dict[str, float]) -> tuple[float | None, str]:
    return max(((v, k) for k, v in values.items() if v is not None), default=(None, "-"))


def page_figures(results: dict, size: int, key: str) -> dict[str, float]:
    r = find(results["pages"], episodes=size)
    return {name: p.get(key) for name, p in (r or {}).get("pages", {}).items()}


def summary_rows(results: dict) -> list[str]:
    """One line per target of issue 17 and size: the figure measured and its verdict."""
    rows = []

    def row(what: str, size, target: str, value, shown: str, goal, lower: bool = True) -> None:
        rows.append(f"| {what} | {size_label(size)} | {target} | {shown} | {verdict(value, goal, lower)} |")

    for size, goal in TARGETS["page_s"].items():
        value, page = slowest(page_figures(results, size, "page_median_s"))
        row(f"whole page script, AppTest (slowest: {page})", size, f"≤ {goal} s", value, seconds(value), goal)
    for size, goal in TARGETS["metrics_s"].items():
        value, page = slowest(page_figures(results, size, "metrics_median_s"))
        row(f"metrics inside a page (slowest: {page})", size, f"≤ {goal} s", value, seconds(value), goal)
    for label, goal in TARGETS["click_s"].items():
        r = find(results["browser"], database=label) or {}
        value, page = slowest({k: v["median_s"] for k, v in r.get("pages", {}).items()})
        row(f"browser, sidebar click to settled (slowest: {page})", label, f"≤ {goal} s", value, seconds(value), goal)
    for label, goal in TARGETS["first_visit_s"].items():
        value = (find(results["browser"], database=label) or {}).get("first_visit_s")
        row("first visit after a server restart (sign-in included)", label, f"≤ {goal} s", value, seconds(value), goal)
    for label in TARGETS["click_s"]:
        value = (find(results["browser"], database=label) or {}).get("new_tab_s_median_s")
        goal = TARGETS["new_tab_s"]
        row("a new tab, sign-in included", label, f"≤ {goal} s", value, seconds(value), goal)
    goal = TARGETS["import_rows_per_s"]
    for size in TARGETS["page_s"]:
        for database in ("sqlite", "postgresql"):
            value = (find(results["import"], rows=size, database=database) or {}).get("rows_per_s")
            shown = "-" if value is None else f"{value:,.0f} rows/s"
            row(f"import with full validation, {database}", size, f"≥ {goal:,} rows/s", value, shown, goal, False)
    goal = TARGETS["memory_gb"]
    r = find(results["browser"], database=str(LARGE))
    value = r["server_peak_rss_mb"] / 1024 if r else None
    row("app memory (server after every page)", LARGE, f"≤ {goal} GB", value, gigabytes(value), goal)
    r = find(results["pages"], episodes=LARGE)
    value = r["peak_rss_mb"] / 1024 if r else None
    row("memory of the AppTest process (every page)", LARGE, f"≤ {goal} GB", value, gigabytes(value), goal)
    goal = TARGETS["crowd_settle_s"]
    for shape in results.get("crowd") or [{"shape": "not run", "levels": []}]:
        value = next((lv["settle_max_s"] for lv in shape["levels"] if lv["sessions"] == 10), None)
        row(
            f"10 managers at once, slowest page settled ({shape['shape']})",
            "sample",
            f"≤ {goal} s",
            value,
            seconds(value),
            goal,
        )
    return rows


def gigabytes(value) -> str:
    return "-" if value is None else f"{value:.2f} GB"


def seconds(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def pages_table(results: dict) -> list[str]:
    """Every page x {whole page, metrics} at each size, with verdicts, and whether it ran with data."""
    sizes = [r["episodes"] for r in results["pages"]]
    if not sizes:
        return []
    lines = [
        "| page | " + " | ".join(f"{s:,}: page s | metrics s | same view again s" for s in sizes) + " | with data |",
        "| --- | " + " | ".join("---: | ---: | ---:" for _ in sizes) + " | --- |",
    ]
    names = list(dict.fromkeys(n for r in results["pages"] for n in r["pages"]))
    for name in names:
        cells, shown = [], []
        for r in results["pages"]:
            p = r["pages"].get(name, {})
            if "error" in p or not p:
                cells.append("failed | failed | failed")
                continue
            page_goal = TARGETS["page_s"].get(r["episodes"])
            metrics_goal = TARGETS["metrics_s"].get(r["episodes"])
            cells.append(
                f"{p['page_median_s']:.2f} {mark(p['page_median_s'], page_goal)} | "
                f"{p['metrics_median_s']:.2f} {mark(p['metrics_median_s'], metrics_goal)} | "
                f"{seconds(p.get('warm_page_median_s'))}"
            )
            drew = sum(p.get("content", {}).values()) > 0  # as page_content decides, for results written before
            shown.append("yes" if drew else "**no**: " + ("; ".join(p.get("messages", [])) or "nothing drawn")[:200])
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {shown[-1] if shown else '-'} |")
    lines.append(
        "| **peak memory, MB** | " + " | ".join(f"{r['peak_rss_mb']:,.0f} | | " for r in results["pages"]) + " |"
    )
    return lines


def mark(value, goal) -> str:
    """A verdict in a table cell: nothing when met, (N.Nx) when missed."""
    if goal is None or value <= goal:
        return ""
    return f"(**{value / goal:.1f}x**)"


def browser_tables(results: dict) -> list[str]:
    labels = [r["database"] for r in results["browser"]]
    if not labels:
        return []
    lines = [
        "| | " + " | ".join(size_label(label) for label in labels) + " |",
        "| --- | " + " | ".join("---:" for _ in labels) + " |",
    ]
    for key, what in (
        ("first_visit_s", "first visit after a restart (new tab, sign-in form, Overview)"),
        ("first_visit_after_sign_in_s", "of which after the Sign in click"),
        ("new_tab_s_median_s", "new tab, sign-in included (server warm)"),
        ("after_sign_in_s_median_s", "of which after the Sign in click"),
        ("new_tab_signed_in_s_median_s", "second tab, signed in by the cookie"),
    ):
        lines.append(f"| {what} | " + " | ".join(seconds(r.get(key)) for r in results["browser"]) + " |")
    lines.append(
        "| server peak memory, MB | " + " | ".join(f"{r['server_peak_rss_mb']:,.0f}" for r in results["browser"]) + " |"
    )
    lines.append(
        "| server's full garbage collections: count, median s (longest) | "
        + " | ".join(collections_cell(r.get("server_full_gc")) for r in results["browser"])
        + " |"
    )
    lines += sign_in_split_table(results)
    lines += [
        "",
        "Sidebar click to settled, per page (median of the sessions; **Nx**: missed by N times; in brackets the",
        "server's own time for the page's script runs, where measured; the rest is the browser and the wire):",
        "",
    ]
    lines += [
        "| page | " + " | ".join(size_label(label) for label in labels) + " |",
        "| --- | " + " | ".join("---:" for _ in labels) + " |",
    ]
    names = list(dict.fromkeys(n for r in results["browser"] for n in r["pages"]))
    for name in names:
        cells = []
        for r in results["browser"]:
            page = r["pages"].get(name, {})
            value = page.get("median_s")
            server = f" (server {page['server_median_s']:.2f})" if "server_median_s" in page else ""
            cells.append(
                "-" if value is None else f"{value:.2f} {mark(value, TARGETS['click_s'].get(r['database']))}{server}"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def collections_cell(collected: dict | None) -> str:
    """bench/serve.py's full collections in a table cell: "-" where not measured (before they were logged)."""
    if not collected or not collected["count"]:
        return "-" if not collected else "0"
    return f"{collected['count']}, {collected['median_s']:.2f} ({collected['max_s']:.2f})"


SIGN_IN_ROWS = (
    ("dom_loaded_s", "front end: the page and Streamlit's bundle loaded (DOMContentLoaded)"),
    ("websocket_s", "front end: the websocket open (before any script run)"),
    ("form_s", "the sign-in form shown (its script run drawn)"),
    ("after_sign_in_s", "Sign in click to the first page settled"),
    ("sign_in_run_s", "of which the server's run checking the password"),
    ("page_run_s", "of which the server's run(s) of the first page"),
    ("after_runs_s", "of which the rest: between runs, the wire, the browser drawing"),
    ("cookie_s", "the sign-in cookie held by the browser, after the click (not in the time to settled)"),
)


def sign_in_split_table(results: dict) -> list[str]:
    """Where a sign-in's time goes: the front end's load, the form, and the runs after the click (bench/browser.py)."""
    measured = [r for r in results["browser"] if "first_visit" in r]
    if not measured:
        return []
    columns = [(r["first_visit"], f"first visit, {size_label(r['database'])}") for r in measured]
    columns += [(r["new_tab_median"], f"new tab, {size_label(r['database'])}") for r in measured]
    lines = [
        "",
        "Where a sign-in's time goes, in seconds from opening the address (the first visit after the server said its",
        "episodes were ready; a new tab in a fresh browser profile, median of the sessions):",
        "",
        "| | " + " | ".join(name for _, name in columns) + " |",
        "| --- | " + " | ".join("---:" for _ in columns) + " |",
    ]
    lines += [f"| {what} | " + " | ".join(seconds(c.get(key)) for c, _ in columns) + " |" for key, what in SIGN_IN_ROWS]
    lines.append(
        "| static files: fetched of requested (kB fetched) | "
        + " | ".join(
            f"{c['static_fetched']:.0f} of {c['static_files']:.0f} ({c['static_kb']:,.0f})" for c, _ in columns
        )
        + " |"
    )
    ready = ", ".join(f"{size_label(r['database'])} {r['ready_after_start_s']:.1f} s" for r in measured)
    fetched = ", ".join(str(r["signed_in_tab_static_fetched"]) for r in measured)
    lines += [
        "",
        f"The server's health check answered to its episodes ready (`ui.cached.warm`): {ready}. A second tab of a",
        f"signed-in browser fetched {fetched} static file(s) (the rest from the browser's cache).",
    ]
    return lines


def crowd_table(results: dict) -> list[str]:
    if not results.get("crowd"):
        return []
    lines = [
        "| shape | sessions | server runs | server s per run: median | p90 | settle s: median | p90 | max | "
        "new tab max s | wall s | Streamlit sessions (tabs) per process | full collections: count, median s (max) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for shape in results["crowd"]:
        name = f"{shape['shape']} ({shape['processes']} process{'es' if shape['processes'] > 1 else ''})"
        for lv in shape["levels"]:
            lines.append(
                f"| {name} | {lv['sessions']} | {lv['server_runs']} | {seconds(lv['server_median_s'])} | "
                f"{seconds(lv['server_p90_s'])} | {seconds(lv['settle_median_s'])} | {seconds(lv['settle_p90_s'])} | "
                f"{seconds(lv['settle_max_s'])} | {seconds(lv['new_tab_max_s'])} | {lv['wall_s']:.0f} | "
                f"{', '.join(str(n) for n in lv['sessions_per_server'].values())} | "
                f"{collections_cell(lv.get('server_full_gc'))} |"
            )
    lines += ["", "Proxy: " + "; ".join(f"{s['shape']}: {s['proxy']}" for s in results["crowd"]) + "."]
    return lines


def import_table(results: dict) -> list[str]:
    lines = [
        "| rows | what | median s | rows/s | import / limit | runs s |",
        "| ---: | --- | ---: | ---: | --- | --- |",
    ]
    for r in results["import"]:
        if "error" in r:
            lines.append(f"| {r['rows']:,} | import, {r['database']} | failed | - | - | - |")
            continue
        limits = [x for x in results.get("import_limits", []) if x["rows"] == r["rows"]]
        ratio = ", ".join(f"{r['rows_per_s'] / x['rows_per_s']:.0%} of {x['limit']}" for x in limits) or "-"
        lines.append(
            f"| {r['rows']:,} | import, {r['database']} | {seconds(r['median_s'])} | {r['rows_per_s']:,.0f} | "
            f"{ratio} | {', '.join(f'{x:.1f}' for x in r['runs_s'])} |"
        )
    for x in results.get("import_limits", []):
        lines.append(
            f"| {x['rows']:,} | limit: {x['limit']} | {seconds(x['median_s'])} | {x['rows_per_s']:,.0f} | | "
            f"{', '.join(f'{v:.1f}' for v in x['runs_s'])} |"
        )
    return lines


def markdown(results: dict) -> str:
    m = results["machine"]
    load = tuple(round(x, 1) for x in m["load_average_start"])
    lines = [
        "# Benchmarks",
        "",
        "Measured by `make bench` (`bench/run.py`, `bench/browser.py`, `bench/serve.py`); raw numbers in",
        "`bench/results.json`; what they mean beyond one machine is in `docs/production.md`. Each figure is the",
        f"median of {m['repeats']} runs; at 1,000,000 episodes the sample build and the imports ran "
        f"{m['large_repeats']} time(s).",
        f"Sizes: {', '.join(f'{s:,}' for s in results['sizes'])} episodes (`BENCH_SIZES`); the browser also on the",
        "default sample. The AppTest pages use the app's default period (the last 12 months of data) and the",
        f"filter {results['filter']}; the browser the default view.",
        "",
        "## Machine",
        "",
        f"- date: {m['date']}",
        f"- CPU: {m['cpu']}, {m['nproc']} CPUs available (`nproc`)",
        f"- memory: {m['memory_gb']} GB",
        f"- Python {m['python']} on {m['platform']}",
        "- " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v),
        f"- load average at start {load}, highest at a save {tuple(round(x, 1) for x in m['load_average_end'])}",
        *([f"- note: {m['note']}"] if m.get("note") else []),
        *(
            ["- **the machine was busy** (load average above its CPUs): every time below is an upper bound"]
            if max(load) > m["nproc"]
            else []
        ),
        "",
        "## Targets (issue 17)",
        "",
        "| what a user feels | size | target | measured | verdict |",
        "| --- | --- | --- | ---: | --- |",
        *summary_rows(results),
        "",
        "## Every page in AppTest (episodes cached, after a filter change)",
        "",
        "Each file of `ui/pages` run by Streamlit's AppTest as a signed-in admin (who may open every page) with",
        "the filter in the URL, after a first run filled the episodes cache and what the server works out at startup",
        "(`ui.cached.warm`: the reconciliation items, the pairs together). Before every measured run the caches",
        "a filter change leaves cold are emptied (every `st.cache_data` but those kept per data version, and the",
        "selected episodes of `ui/cached.py`), so each run is a first look at its view, as after a filter change.",
        "`page s` is the whole script run (router, sidebar, metrics, charts, tables; no browser), `metrics s` the",
        "time inside `metrics` functions, `same view again s` the page run once more right after (a widget click",
        "that changes nothing: every cache filled).",
        "**Nx**: missed its target by N times. `with data`: the page drew figures, charts or tables (else its",
        "messages).",
        "",
        *pages_table(results),
        "",
        "## Browser (headless Chromium, Playwright)",
        "",
        "A `streamlit run app_server.py` server (through `bench/serve.py`, which logs each script run) on the",
        "SQLite database; requests leaving the machine refused. Chromium starts before the server. The first",
        "visit: the first request once the server has logged its episodes ready (loaded and derived as it",
        "starts, after its health check answers), the sign-in form, Overview settled.",
        "Then each session opens a new tab (a fresh browser profile: nothing cached), signs in, clicks every page",
        "in the sidebar (Overview last) and opens a second tab that the sign-in cookie lets straight in.",
        "Settled: a script run began after the click, the app says no script is running, nothing is stale or",
        "spinning, the page's title is shown, every chart is drawn, and all of that for 0.5 s (the time counted",
        "ends where that quiet began).",
        "",
        *browser_tables(results),
        "",
        "## Many users at once (sample)",
        "",
        "N sessions at once, each a context of one Chromium process: sign in, click every page, second tab.",
        "`server s per run` is the server's own time per script run (bench/serve.py's log), so the clients' CPU",
        "is not in it; `settle` the clients' sidebar click to settled. One process: the server pinned to one",
        "CPU (`taskset`), the bench and Chromium to the other. Production shape (docs/production.md): one",
        "process per CPU behind nginx with sticky sessions; with two CPUs the clients then share the servers'",
        "CPUs, so those figures are upper bounds.",
        "",
        *crowd_table(results),
        "",
        "## Import (`python -m loaders import`, into a fresh database) and the machine's limits",
        "",
        "The import runs as a user runs it (Python start included), with full validation and postcodes. The",
        "limits read the same CSV in the same run: DuckDB's `read_csv` into a table of a file database, and",
        "PostgreSQL's `COPY` into a table of text columns with no key, constraint or index.",
        "",
        *import_table(results),
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
        "## DuckDB SQL as a reference",
        "",
        "The same table as one DuckDB query (period and filter in its WHERE) over the same loaded DataFrame,",
        "against `metrics.tables.metric_table`. Ratio = pandas time / DuckDB time. `same counts`: both gave",
        "the same rows and counts (the DuckDB duration query treats any date-only time as `Not known`).",
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
        "## Sample build and committee pack",
        "",
        "| what | episodes | median s | runs s |",
        "| --- | ---: | ---: | --- |",
    ]
    for r in results["sample_build"]:
        if r:
            lines.append(
                f"| `sample_data build` | {r['episodes']} | {seconds(r['median_s'])} | "
                f"{', '.join(f'{x:.1f}' for x in r['runs_s'])} |"
            )
    for r in results["pack"]:
        if "error" not in r:
            lines.append(
                f"| committee pack (Word) | {r['episodes']:,} | {seconds(r['median_s'])} | "
                f"{', '.join(f'{x:.1f}' for x in r['runs_s'])} |"
            )
    if results["errors"]:
        lines += ["", "## Failed measurements", ""]
        lines += [f"- {e['what']}: {e['error'].splitlines()[0]}" for e in results["errors"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--markdown"]:  # rewrite docs/benchmarks.md from bench/results.json
        write_report(json.loads(RESULTS.read_text()))
        sys.exit(0)
    if len(sys.argv) > 2 and sys.argv[1] == "--merge":  # partial runs (e.g. the browser, the sizes) into one
        save(merge([json.loads(Path(name).read_text()) for name in sys.argv[2:]]))
        sys.exit(0)
    if len(sys.argv) == 3 and sys.argv[1] == "--load-episodes":
        load_episodes_child(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) == 4 and sys.argv[1] == "--pages":
        pages_child(sys.argv[2], int(sys.argv[3]))
        sys.exit(0)
    sys.exit(main())
