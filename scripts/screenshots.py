"""`make screenshots`: a full-page picture of every page, normal and meeting mode, on the sample.

Builds the sample database into data/screenshots.db when it is not there
(DATABASE_URL overrides), creates a throwaway admin with a random password
(signing in through the real form), serves the app with `streamlit run` on a
free port, and drives Debian's Chromium with every request that leaves
localhost refused. Pictures go to docs/screenshots/<page>.png and
<page>-meeting.png (1400 px wide, palette PNGs to keep the folder small).
Prints how long each page took to settle in the browser.

    .venv/bin/python scripts/screenshots.py [--pages overview,hotspots] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
# The page files of app.py, in its order (the URL path is the stem; overview is the default page).
PAGES = ("overview", "hotspots", "repeat_runaways", "time_distance", "return_interviews", "childrens_homes",
         "demographics", "data_quality", "committee_pack", "alerts", "child_timeline", "missing_together",
         "import_data", "audit_log")  # fmt: skip
WIDTH = 1400
MAX_HEIGHT = 6000
USER = "screenshots"
SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stSpinner"]')) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  return !!main && main.innerText.trim().length > 0;
}"""


# The bottom of the lowest thing drawn in the main area, in page pixels (its scroll box can be taller),
# or the open sidebar's height when that is more.
CONTENT_HEIGHT = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return 900;
  let bottom = 0;
  for (const element of main.querySelectorAll('[data-testid="stMainBlockContainer"] *')) {
    const box = element.getBoundingClientRect();
    if (box.height > 0) bottom = Math.max(bottom, box.bottom + main.scrollTop);
  }
  const sidebar = document.querySelector('[data-testid="stSidebarContent"]');
  const sidebarHeight = sidebar && sidebar.offsetWidth > 0 && sidebar.getBoundingClientRect().left >= 0 ? sidebar.scrollHeight : 0;
  return Math.max(bottom + 40, sidebarHeight, 900);
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """DATABASE_URL, else data/screenshots.db (built from the sample when absent)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    path = ROOT / "data" / "screenshots.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        print(f"screenshots: building the sample database {path.relative_to(ROOT)}", flush=True)
        path.parent.mkdir(exist_ok=True)
        subprocess.run([sys.executable, "-m", "sample_data", "build"], check=True, cwd=ROOT,
                       env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)})  # fmt: skip
    return url


def screenshot_user(url: str) -> tuple[str, str] | None:
    """An admin with a fresh random password, or None when this version has no sign-in."""
    try:
        from loaders.users import add_user, lookup, reset_password
    except ImportError:  # HOOK: no users table yet, the app signs nobody in
        return None
    from loaders.database import connect

    engine = connect(url)
    try:
        if lookup(engine, USER) is None:
            return USER, add_user(engine, USER, "admin")
        return USER, reset_password(engine, USER)
    finally:
        engine.dispose()


def serve(url: str, log_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
        stdout=log_path.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise TimeoutError(f"streamlit did not answer at {base}")


def offline(page) -> list[str]:
    """Refuse, and list, every request that is not to this machine."""
    outside: list[str] = []

    def guard(route):
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    return outside


def settle(page, quiet_ms: int = 1200, timeout_s: float = 90) -> None:
    """Wait until the app has stopped running for `quiet_ms` (maps and charts drawn)."""
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        if page.evaluate(SETTLED):
            quiet_since = quiet_since or time.monotonic()
            if (time.monotonic() - quiet_since) * 1000 >= quiet_ms:
                return
        else:
            quiet_since = None
        page.wait_for_timeout(100)
    print(f"  (still running after {timeout_s:.0f} s)", flush=True)


def open_signed_in(page, base: str, path: str, user: tuple[str, str] | None) -> float:
    """Open base/path, sign in through the form when it shows; seconds from request (or from
    pressing Sign in) until the page settled."""
    started = time.monotonic()
    page.goto(f"{base}/{path}")
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    if user is not None:
        # the sign-in form, or the page list of a signed-in app (attached even when folded away)
        page.wait_for_selector(
            '[data-testid="stForm"] input[type="password"], [data-testid="stSidebarNav"]', state="attached",
            timeout=60_000,
        )  # fmt: skip
        form = page.locator('[data-testid="stForm"]')
        if form.locator('input[type="password"]').count():
            form.get_by_role("textbox", name="Name").fill(user[0])
            form.get_by_role("textbox", name="Password").fill(user[1])
            started = time.monotonic()
            form.get_by_role("button", name="Sign in").click()
            page.wait_for_selector('[data-testid="stForm"] input[type="password"]', state="detached", timeout=60_000)
    settle(page)
    return time.monotonic() - started - 1.2  # less the quiet time settle() waits to be sure


def full_page(page, path: Path) -> None:
    """Streamlit scrolls inside its main block, not the document: grow the viewport to the
    content, take the picture, shrink it back; then reduce it to a palette PNG."""
    height = page.evaluate(CONTENT_HEIGHT)
    page.set_viewport_size({"width": WIDTH, "height": min(int(height) + 80, MAX_HEIGHT)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated page stems (default: all)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    url = database_url()
    user = screenshot_user(url)
    log_path = ROOT / "data" / "screenshots-streamlit.log"
    process, base = serve(url, log_path)
    from playwright.sync_api import sync_playwright

    timings: list[tuple[str, str, float]] = []
    outside: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": WIDTH, "height": 900})
            page = context.new_page()
            outside = offline(page)
            for stem in pages:
                for meeting in (False, True):
                    path = ("" if stem == "overview" else stem) + ("?meeting=1" if meeting else "")
                    seconds = open_signed_in(page, base, path, user)
                    errors = page.locator('[data-testid="stException"]').count()
                    name = f"{stem}-meeting.png" if meeting else f"{stem}.png"
                    full_page(page, out / name)
                    mode = "meeting" if meeting else "normal"
                    timings.append((stem, mode, seconds))
                    note = f", {errors} exception(s) shown" if errors else ""
                    print(f"{stem:20} {mode:8} settled in {seconds:5.1f} s -> {out / name}{note}", flush=True)
            browser.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    total = sum(f.stat().st_size for f in out.glob("*.png"))
    print(f"{len(timings)} screenshots, {total / 1e6:.1f} MB in {out}")
    if outside:
        print(f"refused {len(outside)} requests leaving this machine, e.g. {outside[:3]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
