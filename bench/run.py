"""How fast the dashboard's slow parts are, on this machine: `make bench`.

Measures (median of BENCH_REPEATS runs, default 3) the sample build, the
canonical CSV import into SQLite and PostgreSQL, a cold `load_episodes`, and
every table in `metrics.tables.TABLES`, with DuckDB SQL as a reference for a
few tables. Sizes come from BENCH_SIZES (default `10000,100000`; add
`1000000` when there is time). Writes `bench/results.json` and
`docs/benchmarks.md`. Commands run as subprocesses, as a user would run them,
so their times include starting Python.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import platform
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
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results.json"
REPORT = ROOT / "docs" / "benchmarks.md"
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000").split(",") if s.strip()]
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/bench")
SEED = 2016
DUCKDB_TABLES = ("duration", "repeat", "hotspots_from_district")


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def median_time(label: str, run: Callable[[], None], repeats: int = REPEATS) -> dict:
    """Run `run` `repeats` times; its median and every run, in seconds."""
    runs = []
    for i in range(repeats):
        start = time.perf_counter()
        run()
        runs.append(time.perf_counter() - start)
        say(f"{label}: run {i + 1}/{repeats} {runs[-1]:.3f}s")
    return {"median_s": statistics.median(runs), "runs_s": runs}


def command(args: list[str], env: dict[str, str] | None = None) -> str:
    """Run a project command; raise with its output when it fails."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=full_env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}:\n{tail}")
    return done.stdout


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
    """What the numbers were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    versions = {}
    for package in ("pandas", "numpy", "sqlalchemy", "duckdb", "psycopg"):
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
        "note": os.environ.get("BENCH_NOTE", ""),
    }


# --- the measurements -------------------------------------------------------


def bench_sample_build(workdir: Path, size: int | None) -> dict:
    label = "default" if size is None else str(size)
    database = workdir / f"sample_{label}.db"
    args = ["-m", "sample_data", "build", "--seed", str(SEED), "--database", f"sqlite:///{database}"]
    if size is not None:
        args += ["--episodes", str(size)]

    def run() -> None:
        database.unlink(missing_ok=True)
        command(args)

    result = median_time(f"sample build ({label} episodes)", run)
    return {"episodes": label, "database": str(database), **result}


def bench_import(workdir: Path, size: int) -> tuple[Path, list[dict], dict[str, str]]:
    """Import the canonical CSV into fresh SQLite and PostgreSQL databases; keep the last of each."""
    csv_path = workdir / f"canonical_{size}.csv"
    say(f"writing canonical CSV of {size} episodes")
    command(["-m", "sample_data", "csv", str(csv_path), "--episodes", str(size), "--seed", str(SEED)])
    with csv_path.open(newline="") as f:
        rows = sum(1 for _ in csv.reader(f)) - 1
    results, kept = [], {}

    sqlite_db = workdir / f"import_{size}.db"

    def sqlite_run() -> None:
        sqlite_db.unlink(missing_ok=True)
        command(["-m", "loaders", "import", str(csv_path)], {"DATABASE_URL": f"sqlite:///{sqlite_db}"})

    try:
        timing = median_time(f"import {rows} rows into SQLite", sqlite_run)
        results.append({"rows": rows, "database": "sqlite", **timing, "rows_per_s": rows / timing["median_s"]})
        kept["sqlite"] = f"sqlite:///{sqlite_db}"
    except Exception as error:  # noqa: BLE001 - record and carry on with the other measurements
        results.append({"rows": rows, "database": "sqlite", "error": str(error)})
        say(f"import into SQLite failed: {error}")

    schemas: list[str] = []

    def postgres_run() -> None:
        if schemas:
            postgres_schema("drop", schemas.pop())
        schema = f"bench_{size}_{uuid.uuid4().hex[:8]}"
        postgres_schema("create", schema)
        schemas.append(schema)
        command(["-m", "loaders", "import", str(csv_path)], {"DATABASE_URL": postgres_schema_url(schema)})

    try:
        timing = median_time(f"import {rows} rows into PostgreSQL", postgres_run)
        results.append({"rows": rows, "database": "postgresql", **timing, "rows_per_s": rows / timing["median_s"]})
        kept["postgresql"] = postgres_schema_url(schemas[-1])
    except Exception as error:  # noqa: BLE001
        results.append({"rows": rows, "database": "postgresql", "error": str(error)})
        say(f"import into PostgreSQL failed: {error}")
        for schema in schemas:
            postgres_schema("drop", schema)
    return csv_path, results, kept


def bench_cold_load(url: str, database: str, size: int) -> dict:
    """`load_episodes` in a fresh process each time (nothing cached), after migrations ran."""
    loads = []

    def run() -> None:
        loads.append(json.loads(command([str(Path(__file__)), "--load-episodes", url]).strip().splitlines()[-1]))

    process = median_time(f"cold load_episodes ({database}, {size})", run)
    seconds = [load["seconds"] for load in loads]
    return {"episodes": size, "database": database, "rows": loads[-1]["rows"],
            "median_s": statistics.median(seconds), "runs_s": seconds, "process_median_s": process["median_s"]}


def load_episodes_child(url: str) -> None:
    """Child process for the cold load: print {"seconds", "rows"} as JSON."""
    from loaders.database import connect
    from loaders.episodes import load_episodes

    engine = connect(url)
    start = time.perf_counter()
    episodes = load_episodes(engine)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rows": len(episodes)}))


def load(url: str):
    from loaders.database import connect
    from loaders.episodes import load_episodes

    engine = connect(url)
    try:
        return load_episodes(engine)
    finally:
        engine.dispose()


def bench_metrics(episodes, size: int) -> tuple[list[dict], dict]:
    """Every metric table over the whole period, as the app and the CLI ask for it."""
    from metrics import tables

    start, end = episodes["reported_at"].min().date(), episodes["reported_at"].max().date()
    computed, results = {}, []
    for name in tables.TABLES:
        def run(name: str = name) -> None:
            computed[name] = tables.metric_table(name, episodes, start, end)

        try:
            timing = median_time(f"metric table {name} ({size})", run)
            results.append({"episodes": size, "table": name, **timing})
        except Exception as error:  # noqa: BLE001
            results.append({"episodes": size, "table": name, "error": f"{type(error).__name__}: {error}"})
            say(f"metric table {name} failed: {error}")
    return results, computed


DURATION_SQL = """
WITH hours AS (
    SELECT CASE
        WHEN returned_at IS NULL OR reported_at_date_only OR returned_at_date_only THEN NULL
        ELSE date_diff('second', reported_at, returned_at) / 3600.0 END AS h
    FROM episodes
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
"""

REPEAT_SQL = """
WITH per_child AS (SELECT child_id, count(*) AS n FROM episodes GROUP BY child_id),
banded AS (
    SELECT CASE WHEN n <= 2 THEN '1-2' WHEN n <= 5 THEN '3-5' WHEN n <= 8 THEN '6-8'
                WHEN n <= 19 THEN '9-19' ELSE '20+' END AS band FROM per_child
), bands(band, pos) AS (VALUES ('1-2', 1), ('3-5', 2), ('6-8', 3), ('9-19', 4), ('20+', 5))
SELECT bands.band, count(banded.band) AS count,
       round(100.0 * count(banded.band) / nullif((SELECT count(*) FROM banded), 0), 1) AS percent
FROM bands LEFT JOIN banded USING (band) GROUP BY bands.band, bands.pos ORDER BY bands.pos
"""

HOTSPOTS_SQL = """
SELECT from_district AS place, count(*) AS episodes, count(DISTINCT child_id) AS children
FROM episodes WHERE from_district IS NOT NULL
GROUP BY from_district ORDER BY episodes DESC, place
"""


def bench_duckdb(episodes, size: int, pandas_results: list[dict], computed: dict) -> list[dict]:
    """The same tables in DuckDB SQL: how far the pandas code is from a columnar engine."""
    import duckdb

    connection = duckdb.connect()
    connection.register("episodes", episodes)
    queries = {"duration": DURATION_SQL, "repeat": REPEAT_SQL, "hotspots_from_district": HOTSPOTS_SQL}
    pandas_median = {r["table"]: r.get("median_s") for r in pandas_results}
    results = []
    for name in DUCKDB_TABLES:
        frames: list = []

        def run(name: str = name, frames: list = frames) -> None:
            frames.append(connection.execute(queries[name]).df())

        timing = median_time(f"duckdb {name} ({size})", run)
        agree = None
        if name in computed:
            ours, theirs = computed[name], frames[-1]
            key = "episodes" if "episodes" in ours.columns else "count"
            try:
                agree = [str(v) for v in ours.iloc[:, 0]] == [str(v) for v in theirs.iloc[:, 0]] and \
                    [int(v) for v in ours[key]] == [int(v) for v in theirs[key]]
            except Exception:  # noqa: BLE001 - shapes differ: they do not agree
                agree = False
        pandas_s = pandas_median.get(name)
        results.append({"episodes": size, "table": name, "duckdb_median_s": timing["median_s"],
                        "pandas_median_s": pandas_s,
                        "ratio_pandas_to_duckdb": pandas_s / timing["median_s"] if pandas_s else None,
                        "same_counts": agree})
    connection.close()
    return results


def section(results: dict, what: str, run: Callable, *args):
    """Run one measurement; on failure record the error and go on."""
    try:
        return run(*args)
    except Exception as error:  # noqa: BLE001
        say(f"{what} failed: {error}")
        results["errors"].append({"what": what, "error": f"{type(error).__name__}: {error}",
                                  "trace": traceback.format_exc(limit=3)})
        return None


def bench_size(results: dict, workdir: Path, size: int) -> None:
    """Every measurement at one size."""
    build = section(results, f"sample build ({size})", bench_sample_build, workdir, size)
    if build:
        results["sample_build"].append(build)

    imported = section(results, f"import ({size})", bench_import, workdir, size)
    kept = {}
    if imported:
        _, import_results, kept = imported
        results["import"].extend(import_results)
        results["errors"].extend({"what": f"import {r['database']} ({size})", "error": r["error"]}
                                 for r in import_results if "error" in r)
    sources = dict(kept)
    if build:
        sources.setdefault("sqlite", f"sqlite:///{build['database']}")
    for database, url in sources.items():
        load_result = section(results, f"cold load ({database}, {size})", bench_cold_load, url, database, size)
        if load_result:
            results["load_episodes"].append(load_result)
    if "postgresql" in kept:
        postgres_schema("drop", kept["postgresql"].rsplit("%3D", 1)[1])
    if "sqlite" not in sources:
        return

    episodes = section(results, f"load episodes ({size})", load, sources["sqlite"])
    if episodes is None:
        return
    if episodes.empty:
        results["errors"].append({"what": f"metrics ({size})", "error": "the database holds no episodes"})
        return
    measured = section(results, f"metrics ({size})", bench_metrics, episodes, size)
    if measured:
        metric_results, computed = measured
        results["metrics"].extend(metric_results)
        results["errors"].extend({"what": f"metric {r['table']} ({size})", "error": r["error"]}
                                 for r in metric_results if "error" in r)
        duck = section(results, f"duckdb ({size})", bench_duckdb, episodes, size, metric_results, computed)
        results["duckdb"].extend(duck or [])


def main() -> int:
    results: dict = {"machine": machine(), "sizes": SIZES, "sample_build": [], "import": [],
                     "load_episodes": [], "metrics": [], "duckdb": [], "errors": []}
    say(f"sizes {SIZES}, {REPEATS} runs each; machine {results['machine']['cpu']}, "
        f"{results['machine']['nproc']} CPUs")
    with tempfile.TemporaryDirectory(prefix="missing-bench-") as tmp:
        workdir = Path(tmp)
        build = section(results, "sample build (default)", bench_sample_build, workdir, None)
        if build:
            results["sample_build"].append(build)
        for size in SIZES:
            bench_size(results, workdir, size)
    for build in results["sample_build"]:
        build.pop("database", None)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    REPORT.write_text(markdown(results))
    say(f"wrote {RESULTS.relative_to(ROOT)} and {REPORT.relative_to(ROOT)}")
    if results["errors"]:
        say(f"{len(results['errors'])} measurement(s) failed:")
        for error in results["errors"]:
            print(f"  {error['what']}: {error['error'].splitlines()[0]}", file=sys.stderr)
        return 1
    return 0


# --- the report -------------------------------------------------------------


def seconds(value) -> str:
    return "failed" if value is None else f"{value:.3f}"


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Measured by `make bench` (`bench/run.py`); raw numbers in `bench/results.json`. Each figure is",
        f"the median of {m['repeats']} run(s). Commands (sample build, import) run as a user runs them, so",
        "their times include starting Python; `load_episodes` is timed inside a fresh process (after",
        "migrations), and the metric tables in-process on already-loaded episodes over the whole period.",
        f"Sizes measured: {', '.join(str(s) for s in results['sizes'])} episodes (set `BENCH_SIZES`,",
        "e.g. `BENCH_SIZES=10000,100000,1000000 make bench`).",
        "",
        "## Machine",
        "",
        f"- date: {m['date']}",
        f"- CPU: {m['cpu']}, {m['nproc']} CPUs available (`nproc`)",
        f"- memory: {m['memory_gb']} GB",
        f"- Python {m['python']} on {m['platform']}",
        "- " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v),
        *([f"- note: {m['note']}"] if m.get("note") else []),
        "",
        "## Sample build (`python -m sample_data build`)",
        "",
        "| episodes | median s | runs s |",
        "| --- | ---: | --- |",
    ]
    for r in results["sample_build"]:
        lines.append(f"| {r['episodes']} | {seconds(r['median_s'])} | {', '.join(f'{x:.2f}' for x in r['runs_s'])} |")
    lines += ["", "## Canonical CSV import (`python -m loaders import`, into a fresh database)", "",
              "| rows | database | median s | rows/s |", "| ---: | --- | ---: | ---: |"]
    for r in results["import"]:
        if "error" in r:
            lines.append(f"| {r['rows']} | {r['database']} | failed | - |")
        else:
            lines.append(f"| {r['rows']} | {r['database']} | {seconds(r['median_s'])} | {r['rows_per_s']:,.0f} |")
    lines += ["", "## Cold `loaders.episodes.load_episodes`", "",
              "`load_episodes` alone in a fresh process; the whole process (start Python, import, connect and",
              "migrate, load) beside it.", "",
              "| episodes | database | rows | load_episodes s | whole process s |", "| ---: | --- | ---: | ---: | ---: |"]
    for r in results["load_episodes"]:
        lines.append(f"| {r['episodes']} | {r['database']} | {r['rows']} | {seconds(r['median_s'])} | "
                     f"{seconds(r.get('process_median_s'))} |")
    lines += ["", "## Metric tables (`metrics.tables.metric_table`, whole period)", ""]
    sizes = sorted({r["episodes"] for r in results["metrics"]})
    if sizes:
        lines += ["| table | " + " | ".join(f"{s} episodes, s" for s in sizes) + " |",
                  "| --- | " + " | ".join("---:" for _ in sizes) + " |"]
        names = list(dict.fromkeys(r["table"] for r in results["metrics"]))
        by = {(r["table"], r["episodes"]): r.get("median_s") for r in results["metrics"]}
        for name in names:
            lines.append(f"| {name} | " + " | ".join(seconds(by.get((name, s))) for s in sizes) + " |")
        totals = [sum(v for (n, s2), v in by.items() if s2 == s and v is not None) for s in sizes]
        lines.append("| **all tables** | " + " | ".join(f"**{t:.3f}**" for t in totals) + " |")
    else:
        lines.append("Not measured (see errors below).")
    lines += ["", "## DuckDB SQL as a reference", "",
              "The same table written as one DuckDB query over the loaded DataFrame. Ratio = pandas time /",
              "DuckDB time (above 1: DuckDB faster). `same counts` says whether both gave the same rows and",
              "counts (the DuckDB duration query treats any date-only time as `Not known`, a simplification",
              "of the rule in domain.md section 4).", "",
              "| episodes | table | pandas s | DuckDB s | ratio | same counts |",
              "| ---: | --- | ---: | ---: | ---: | --- |"]
    for r in results["duckdb"]:
        ratio = "-" if r["ratio_pandas_to_duckdb"] is None else f"{r['ratio_pandas_to_duckdb']:.1f}"
        lines.append(f"| {r['episodes']} | {r['table']} | {seconds(r['pandas_median_s'])} | "
                     f"{seconds(r['duckdb_median_s'])} | {ratio} | {r['same_counts']} |")
    if results["errors"]:
        lines += ["", "## Failed measurements", ""]
        lines += [f"- {e['what']}: {e['error'].splitlines()[0]}" for e in results["errors"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--markdown"]:  # rewrite docs/benchmarks.md from bench/results.json
        REPORT.write_text(markdown(json.loads(RESULTS.read_text())))
        sys.exit(0)
    if len(sys.argv) == 3 and sys.argv[1] == "--load-episodes":
        load_episodes_child(sys.argv[2])
        sys.exit(0)
    sys.exit(main())
