"""The bench in a real browser: headless Chromium (Playwright, Debian's /usr/bin/chromium) on `streamlit run`.

- `browser_pages`: a fresh server; the first visit after it is ready (sign-in included); then
  sessions that sign in, click every page in the sidebar, and open a second tab that the sign-in
  cookie lets straight in; the server's peak memory.
- `crowd`: 1, 5, 10, 20 sessions at once, each signing in and clicking every page, on one app
  process (pinned to one core, the clients to the other) and on the production shape of
  docs/production.md (one process per core behind nginx with sticky sessions). The server's own
  time per page run comes from bench/serve.py's log, so the clients' CPU is not in it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.browser_support import free_port, wait_until_healthy
from ui.auth import COOKIE

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Requests to anywhere but this machine are refused: sent to a proxy that does not exist (Chromium goes straight to
# 127.0.0.1, loopback). Not Playwright's page.route, which turns the browser's HTTP cache off: every tab then fetched
# all of Streamlit's scripts again, as no browser does.
NO_PROXY = "http://127.0.0.1:9"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    f"--proxy-server={NO_PROXY}",
]
PAGE_LINKS = ".st-key-page_links"  # ui.sidebar.page_links: the sidebar's links to the pages a user may open
TIMEOUT_S = 300
FAILURES = ROOT / "data" / "bench" / "failures"  # a timed-out session: its tabs, console, the servers' logs
READY_LINE = "ui.cached: episodes ready"  # ui.cached.warm: the episodes and the default view worked out at start
WARM_FAILED_LINE = "loading the episodes at startup failed"

# Settled: a script run began after the action (ARM_JS watches for it; a fast run can start and end
# between two looks) or the page shows a new title, the app says no script is running, nothing is
# stale or spinning, the page the path names is showing (or, where the address bar was not updated,
# another title than before the click: click_page records that), and every chart has been drawn.
ARM_JS = """() => {
  window.__benchRan = false;
  const title = document.querySelector('[data-testid="stMain"] h1');
  window.__benchTitle = title ? title.innerText : null;
  if (window.__benchWatch) window.__benchWatch.disconnect();
  // a run can start and end between two callbacks: the records' old values show it ran. The whole document
  // is watched, not the app element found now: React may put a new one in its place.
  window.__benchWatch = new MutationObserver((records) => {
    if (records.some((r) => r.oldValue === 'running' || r.target.getAttribute('data-test-script-state') === 'running'))
      window.__benchRan = true;
  });
  window.__benchWatch.observe(document.body, {
    attributes: true, attributeFilter: ['data-test-script-state'], attributeOldValue: true, subtree: true,
  });
}"""
UNSETTLED_JS = """(path) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return 'no app yet';
  const title = document.querySelector('[data-testid="stMain"] h1');
  // a new title since the click: a run drew it, whether or not the watcher saw the run (a loaded browser may take a
  // run's start and end in one render, and the attribute then never changes), whatever the address bar shows
  const arrived = title && title.innerText !== window.__benchTitle;
  if (window.__benchRan === false && !arrived) return 'no script run since the click';
  if (path !== null && location.pathname !== path && (!title || title.innerText === window.__benchTitle))
    return 'still the page before the click';
  const state = app.getAttribute('data-test-script-state');
  if (state !== 'notRunning') return `script ${state}`;
  if (document.querySelector('[data-testid="stSpinner"]')) return 'a spinner';
  if (document.querySelector('[data-stale="true"]')) return 'stale elements';
  if (document.querySelector('[data-testid="stForm"] input[type="password"]')) return 'the sign-in form';
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !main.querySelector('h1')) return 'no page title';
  for (const chart of main.querySelectorAll('[data-testid="stVegaLiteChart"]'))
    if (!chart.querySelector('canvas, svg')) return 'a chart not drawn';
  return '';
}"""


# The front end's own load, read from the browser's timings (seconds from the navigation's start): the page and
# Streamlit's bundle (DOMContentLoaded), and the static files (JavaScript, CSS, fonts) fetched or read from the cache.
FRONT_END_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const files = performance.getEntriesByType('resource').filter((e) => e.name.includes('/static/'));
  return {
    dom_loaded_s: nav.domContentLoadedEventEnd / 1000,
    static_files: files.length,
    static_fetched: files.filter((e) => e.transferSize > 0).length,
    static_kb: files.reduce((sum, e) => sum + e.transferSize, 0) / 1024,
  };
}"""


def router_pages() -> list[tuple[str, str]]:
    """(file stem, sidebar title) of every page app.py routes to, in its order."""
    text = (ROOT / "app.py").read_text()
    return re.findall(r'st\.Page\("ui/pages/(\w+)\.py", title="([^"]+)"', text)


def peak_rss_mb(pid: int) -> float:
    """The peak resident memory (VmHWM) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait_healthy(base: str, process: subprocess.Popen, seconds: float = 120) -> None:
    """The test suite's health wait, with the bench's longer patience (a loaded machine starts slowly)."""
    wait_until_healthy(base, process, seconds)


@dataclass
class Server:
    base: str
    pid: int
    run_log: Path
    log: Path

    def runs(self, since: float = 0.0) -> list[dict]:
        """The script runs this server logged that started at or after `since` (wall clock)."""
        return [line for line in self._lines(since) if "page" in line]

    def collections(self, since: float = 0.0) -> list[dict]:
        """The full garbage collections (bench/serve.py) that started at or after `since`."""
        return [line for line in self._lines(since) if "gc" in line]

    def _lines(self, since: float) -> list[dict]:
        if not self.run_log.exists():
            return []
        lines = [json.loads(line) for line in self.run_log.read_text().splitlines() if line.strip()]
        return [line for line in lines if line["start"] >= since]

    def wait_ready(self) -> float:
        """Wait until the server has loaded the episodes and worked out the default view (`ui.cached.warm`, started
        with the server); the seconds waited. A first visit sooner would share the CPU with that start."""
        started = time.perf_counter()
        while time.perf_counter() - started < TIMEOUT_S:
            text = self.log.read_text()
            if READY_LINE in text or WARM_FAILED_LINE in text:
                return time.perf_counter() - started
            time.sleep(0.1)
        raise TimeoutError(f"no {READY_LINE!r} in {self.log} in {TIMEOUT_S} s")

    def sign_in_split(self, times: dict) -> dict:
        """The server's script runs between a Sign in click and the page settling (one tab at a time): the run that
        checked the password, the first page's runs, and the rest (between runs, the wire, the browser drawing)."""
        runs = [r for r in self.runs(times["clicked_at"]) if r["start"] <= times["settled_at"]]
        sign_in_run = runs[0]["s"] if runs else 0.0
        page_runs = sum(r["s"] for r in runs[1:])
        return {
            "sign_in_run_s": sign_in_run,
            "page_run_s": page_runs,
            "after_runs_s": times["after_sign_in_s"] - sign_in_run - page_runs,
        }


@contextmanager
def app_server(url: str, folder: Path, name: str, cpus: str | None = None):
    """`streamlit run app_server.py` through bench/serve.py (script runs logged), pinned to `cpus` if given."""
    port = free_port()
    run_log = folder / f"{name}.runs.jsonl"
    run_log.unlink(missing_ok=True)
    pin = ["taskset", "-c", cpus] if cpus else []
    args = ["--server.port", str(port), "--server.headless", "true", "--server.address", "127.0.0.1"]
    with (folder / f"{name}.log").open("w") as log:
        process = subprocess.Popen(
            [*pin, sys.executable, "-m", "bench.serve", "run", "app_server.py", *args]
            + ["--browser.gatherUsageStats", "false"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url, "BENCH_RUN_LOG": str(run_log)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = Server(f"http://127.0.0.1:{port}", process.pid, run_log, folder / f"{name}.log")
        try:
            wait_healthy(server.base, process)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


NGINX_CONF = """
worker_processes 1;
error_log {folder}/nginx-error.log;
pid {folder}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder}/nginx-body;
  proxy_temp_path {folder}/nginx-proxy;
  fastcgi_temp_path {folder}/nginx-fastcgi;
  uwsgi_temp_path {folder}/nginx-uwsgi;
  scgi_temp_path {folder}/nginx-scgi;
  upstream missing_dashboard {{
    hash $http_user_agent;  # sticky: every client here is 127.0.0.1, so ip_hash would send all to one
{servers}
  }}
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://missing_dashboard;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_read_timeout 86400;
    }}
  }}
}}
"""


@contextmanager
def nginx_proxy(bases: list[str], folder: Path):
    """nginx in front of `bases` (sticky by user agent: each bench client sends its own); yields its URL."""
    port = free_port()
    servers = "\n".join(f"    server {base.removeprefix('http://')};" for base in bases)
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, servers=servers, port=port))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen(
        [nginx, "-c", str(conf), "-p", str(folder), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process, 30)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- one browser session ------------------------------------------------------


async def wait_settled(page, path: str | None, quiet_ms: int = 500) -> float:
    """Wait until the page has been settled for `quiet_ms` (UNSETTLED_JS says nothing is left); returns when
    that settled state began. A timeout says what it was still waiting for."""
    deadline = time.perf_counter() + TIMEOUT_S
    since, waiting_for = None, ""
    while time.perf_counter() < deadline:
        waiting_for = await page.evaluate(UNSETTLED_JS, path)
        if not waiting_for:
            since = since or time.perf_counter()
            if time.perf_counter() - since >= quiet_ms / 1000:
                return since
        else:
            since = None
        await page.wait_for_timeout(50)
    raise TimeoutError(f"{page.url} did not settle in {TIMEOUT_S} s (still: {waiting_for})")


async def new_tab(context, base: str):
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_S * 1000)  # many tabs on one busy CPU load slowly: not a failure
    return page


async def sign_in(context, base: str, user: tuple[str, str]) -> tuple[object, dict]:
    """A new tab on the app, signed in through the form, and its times: "new_tab_s" (to the first page settled),
    "after_sign_in_s" (from the click), and where the time before the click went: the front end's load
    (FRONT_END_JS), the websocket open, the sign-in form shown; "cookie_s" when the browser held the cookie."""
    page = await new_tab(context, base)
    seen: dict[str, float] = {}
    page.on("websocket", lambda _socket: seen.setdefault("websocket", time.perf_counter()))
    started = time.perf_counter()
    await page.goto(f"{base}/")
    form = page.locator('[data-testid="stForm"]')
    await form.get_by_role("textbox", name="Name").wait_for(timeout=TIMEOUT_S * 1000)
    form_shown = time.perf_counter()
    front_end = await page.evaluate(FRONT_END_JS)
    await form.get_by_role("textbox", name="Name").fill(user[0])
    await form.get_by_role("textbox", name="Password").fill(user[1])
    await page.evaluate(ARM_JS)
    clicked, clicked_at = time.perf_counter(), time.time()
    await form.get_by_role("button", name="Sign in").click()
    settled = await wait_settled(page, None)
    cookie = await wait_for_cookie(context, page)  # not in new_tab_s: the page trades its ticket once drawn
    return page, {
        "new_tab_s": settled - started,
        "after_sign_in_s": settled - clicked,
        **front_end,
        "websocket_s": seen.get("websocket", float("nan")) - started,
        "form_s": form_shown - started,
        "cookie_s": cookie - clicked,
        "clicked_at": clicked_at,
        "settled_at": clicked_at + settled - clicked,
    }


async def wait_for_cookie(context, page) -> float:
    """Wait until the browser holds the sign-in cookie; when it was seen (perf_counter). The signed-in page asks
    for it (ui.auth) after it is drawn; a tab opened before the answer arrives is shown the sign-in form, and
    would never settle."""
    deadline = time.perf_counter() + TIMEOUT_S
    while time.perf_counter() < deadline:
        if any(cookie["name"] == COOKIE for cookie in await context.cookies()):
            return time.perf_counter()
        await page.wait_for_timeout(50)
    raise TimeoutError(f"no sign-in cookie ({COOKIE}) in {TIMEOUT_S} s after signing in")


async def click_page(page, title: str) -> tuple[float, bool]:
    """Click a page in the sidebar; seconds until it has settled, and whether the address bar shows it."""
    link = page.locator(PAGE_LINKS).get_by_role("link", name=title, exact=True).first
    path = await link.evaluate("(a) => new URL(a.href, location.href).pathname", timeout=TIMEOUT_S * 1000)
    await page.evaluate(ARM_JS)
    clicked = time.perf_counter()
    await link.click()
    seconds = await wait_settled(page, path) - clicked
    return seconds, await page.evaluate("(path) => location.pathname === path", path)


async def session(browser, base: str, user: tuple[str, str], pages: list[tuple[str, str]], name: str) -> dict:
    """Sign in, click every page (Overview last, from another page), open a second tab signed in by the cookie."""
    # Chromium's own user agent with the client's name added: nginx keeps each client on one process by it.
    agent = f"Mozilla/5.0 (X11; Linux x86_64) Chrome/{browser.version} Safari/537.36 bench-client/{name}"
    context = await browser.new_context(viewport={"width": 1600, "height": 1000}, user_agent=agent)
    console: list[str] = []
    context.on("console", lambda message: console.append(f"{time.time():.3f} {message.type}: {message.text}"))
    step = "sign in"
    try:
        page, times = await sign_in(context, base, user)
        clicks, wrong_address = {}, []
        # Overview last, from another page (a link to the page already shown starts no run).
        for stem, title in [*pages[1:], pages[0]] if len(pages) > 1 else []:
            step = f"click {stem}"
            clicks[stem], address_shown = await click_page(page, title)
            wrong_address += [] if address_shown else [stem]
        step = "second tab"
        second = await new_tab(context, base)
        started = time.perf_counter()
        await second.goto(f"{base}/")
        times["new_tab_signed_in_s"] = await wait_settled(second, None) - started
        times["signed_in_tab_static_fetched"] = (await second.evaluate(FRONT_END_JS))["static_fetched"]
        return {**times, "pages": clicks, "address_not_updated": wrong_address}
    except TimeoutError as error:
        kept = await keep_failure(context, name, console)
        raise TimeoutError(f"session {name}, {step}: {error} (kept in {kept})") from error
    finally:
        await context.close()


async def keep_failure(context, name: str, console: list[str]) -> Path:
    """Each tab's screenshot and text and the context's console, under FAILURES/<name>: a stuck session is then read,
    not guessed at."""
    folder = FAILURES / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "console.txt").write_text("\n".join(console))
    for i, tab in enumerate(context.pages):
        await tab.screenshot(path=folder / f"tab-{i}.png", full_page=True)
        state = await tab.evaluate(
            "() => [location.href, document.querySelector('[data-testid=\"stApp\"]')?.getAttribute("
            "'data-test-script-state'), document.body.innerText].join('\\n')"
        )
        (folder / f"tab-{i}.txt").write_text(state)
    return folder


async def launch(playwright):
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# --- the measurements ---------------------------------------------------------


# Where a sign-in's time goes (sign_in, Server.sign_in_split), in the order it passes.
SIGN_IN_SPLIT = (
    "dom_loaded_s",
    "websocket_s",
    "form_s",
    "after_sign_in_s",
    "sign_in_run_s",
    "page_run_s",
    "after_runs_s",
    "cookie_s",
    "static_files",
    "static_fetched",
    "static_kb",
)


def browser_pages(
    url: str, label: str, folder: Path, user: tuple[str, str], repeats: int, say, pages: list[tuple[str, str]]
) -> dict:
    """First visit after a restart, each of `pages` (Overview first) by a sidebar click, new tabs, server memory."""
    from playwright.async_api import async_playwright

    async def run() -> dict:
        async with async_playwright() as playwright:
            browser = await launch(playwright)  # before the server starts: Chromium's start is not the app's
            with app_server(url, folder, f"pages-{label}") as server:
                ready = server.wait_ready()  # the episodes loaded at start, before any visit (app_server.py)
                context = await browser.new_context(viewport={"width": 1600, "height": 1000})
                _, first = await sign_in(context, server.base, user)  # the first request after "ready"
                await context.close()
                first.update(server.sign_in_split(first))
                say(f"browser {label}: ready {ready:.1f}s after start, first visit {first['new_tab_s']:.2f}s")
                sessions = []
                for i in range(repeats):
                    sessions.append(await session(browser, server.base, user, pages, f"{label}-{i}"))
                    sessions[-1].update(server.sign_in_split(sessions[-1]))
                    slowest = max(sessions[-1]["pages"].items(), key=lambda item: item[1])
                    say(f"browser {label}: session {i + 1}/{repeats}, slowest click {slowest[0]} {slowest[1]:.2f}s")
                rss = peak_rss_mb(server.pid)
                server_runs = server.runs()
                collections = [line["s"] for line in server.collections()]
            await browser.close()
        return {
            "database": label,
            "ready_after_start_s": ready,
            "first_visit_s": first["new_tab_s"],
            "first_visit_after_sign_in_s": first["after_sign_in_s"],
            "first_visit": {key: first[key] for key in SIGN_IN_SPLIT},
            "server_peak_rss_mb": rss,
            "server_full_gc": full_collections(collections),
            **{
                f"{key}_median_s": statistics.median(s[key] for s in sessions)
                for key in ("new_tab_s", "after_sign_in_s", "new_tab_signed_in_s")
            },
            "new_tab_median": {key: statistics.median(s[key] for s in sessions) for key in SIGN_IN_SPLIT},
            "signed_in_tab_static_fetched": max(s["signed_in_tab_static_fetched"] for s in sessions),
            "pages": {
                stem: {
                    "median_s": statistics.median(s["pages"][stem] for s in sessions),
                    "runs_s": [s["pages"][stem] for s in sessions],
                    "server_median_s": statistics.median([r["s"] for r in server_runs if r["page"] == stem] or [0.0]),
                }
                for stem, _ in pages
            },
            "address_not_updated": sorted({stem for s in sessions for stem in s["address_not_updated"]}),
            "sessions": sessions,
        }

    return asyncio.run(run())


def full_collections(seconds: list[float]) -> dict:
    """The server's full garbage collections: how many, the median and the longest, and their total seconds."""
    return {
        "count": len(seconds),
        "median_s": statistics.median(seconds) if seconds else None,
        "max_s": max(seconds, default=None),
        "total_s": sum(seconds),
    }


def _level(runs: list[dict], sessions: list[dict], seconds: float) -> dict:
    """One concurrency level: server time per page run and the clients' settle times."""
    by_page: dict[str, list[float]] = {}
    for run in runs:
        by_page.setdefault(run["page"] or "(router)", []).append(run["s"])
    every = [run["s"] for run in runs]
    clicks: dict[str, list[float]] = {}
    for s in sessions:
        for stem, value in s["pages"].items():
            clicks.setdefault(stem, []).append(value)
    settle = [v for values in clicks.values() for v in values]
    return {
        "sessions": len(sessions),
        "wall_s": seconds,
        "server_runs": len(every),
        "server_median_s": statistics.median(every) if every else None,
        "server_p90_s": quantile(every, 0.9),
        "server_by_page_median_s": {page: statistics.median(v) for page, v in by_page.items()},
        "settle_median_s": statistics.median(settle) if settle else None,
        "settle_p90_s": quantile(settle, 0.9),
        "settle_max_s": max(settle) if settle else None,
        "settle_max_by_page_s": {stem: max(v) for stem, v in clicks.items()},
        "new_tab_max_s": max(s["new_tab_s"] for s in sessions),
        "sessions_per_server": {},
    }


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def crowd(
    url: str, folder: Path, user: tuple[str, str], levels: list[int], shape: str, say, pages: list[tuple[str, str]]
) -> dict:
    """`levels` sessions at once in one Chromium (N contexts), on `shape`: "one process" or "production".

    One process: the server pinned to CPU 1, this process and Chromium (its children inherit)
    to CPU 0, so the clients' CPU is kept off the server's. Production: one process per CPU
    behind nginx (sticky by user agent); with two CPUs that leaves none for the clients, which
    then share them with the servers (their server times are upper bounds).
    """
    from playwright.async_api import async_playwright

    cpus = sorted(os.sched_getaffinity(0))
    one_process = shape == "one process"

    async def run(bases: list[str], servers: list[Server]) -> list[dict]:
        out = []
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            # Warm: the episodes loaded in every process (a restart's first visit is measured elsewhere).
            for i, base in enumerate(servers):
                await session(browser, base.base, user, pages[:1], f"warm-{i}")
            for n in levels:
                since, started = time.time(), time.perf_counter()
                sessions = await asyncio.gather(
                    *(session(browser, bases[i % len(bases)], user, pages, f"{shape}-{n}-{i}") for i in range(n))
                )
                seconds = time.perf_counter() - started
                runs = [run for server in servers for run in server.runs(since)]
                level = _level(runs, list(sessions), seconds)
                level["server_full_gc"] = full_collections(
                    [line["s"] for server in servers for line in server.collections(since)]
                )
                level["sessions_per_server"] = {
                    server.base: len({run["session"] for run in server.runs(since)}) for server in servers
                }
                out.append(level)
                say(
                    f"crowd ({shape}) {n} sessions: server median {level['server_median_s']:.2f}s per run, "
                    f"settle p90 {level['settle_p90_s']:.2f}s, max {level['settle_max_s']:.2f}s"
                )
            await browser.close()
        return out

    with ExitStack() as stack:
        if one_process and len(cpus) >= 2:
            servers = [stack.enter_context(app_server(url, folder, "crowd-one", str(cpus[-1])))]
            os.sched_setaffinity(0, set(cpus[:-1]))
            stack.callback(os.sched_setaffinity, 0, set(cpus))
            proxy = "none"
        else:
            count = 1 if one_process else len(cpus)
            servers = [
                stack.enter_context(app_server(url, folder, f"crowd-{i}", str(cpus[i % len(cpus)])))
                for i in range(count)
            ]
            proxy = "none"
        bases = [s.base for s in servers]
        if not one_process:
            if shutil.which("nginx") or Path("/usr/sbin/nginx").exists():
                bases = [stack.enter_context(nginx_proxy(bases, folder))]
                proxy = "nginx (hash $http_user_agent)"
            else:
                proxy = "none installed: clients split between the processes"
        try:
            levels_out = asyncio.run(run(bases, servers))
        except TimeoutError:
            FAILURES.mkdir(parents=True, exist_ok=True)
            for log in [*folder.glob("crowd-*.log"), *folder.glob("crowd-*.runs.jsonl")]:
                shutil.copy(log, FAILURES / log.name)  # the servers' side of the stuck session
            raise
        rss = [peak_rss_mb(server.pid) for server in servers]
    return {"shape": shape, "processes": len(servers), "proxy": proxy, "server_peak_rss_mb": rss, "levels": levels_out}
