"""`make screenshots`: a full-page picture of every page, normal and meeting mode, on the sample.

Builds the sample database into data/screenshots.db when it is not there
(DATABASE_URL overrides), creates a throwaway admin with a random password
(signing in through the real form), serves the app with `streamlit run` on a
free port, and drives Debian's Chromium with every request that leaves
localhost refused. Pictures go to docs/screenshots/<page>.png and
<page>-meeting.png (1400 px wide, palette PNGs to keep the folder small).
Prints how long each page took to settle in the browser.

    .venv/bin/python -m scripts.screenshots [--pages overview,hotspots] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    guard_requests,
    sign_in,
    streamlit_server,
    wait_for_sign_in_or_app,
)

ROOT = Path(__file__).resolve().parent.parent

# The page files of app.py, in its order (the URL path is the stem; overview is the default page).
PAGES = (
    "overview",
    "hotspots",
    "repeat_runaways",
    "time_distance",
    "return_interviews",
    "childrens_homes",
    "demographics",
    "data_quality",
    "trends",
    "benchmarks",
    "committee_pack",
    "alerts",
    "attention",
    "interview_clock",
    "child_timeline",
    "missing_together",
    "reconciliation",
    "import_data",
    "audit_log",
)
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
  const sidebarShown = sidebar && sidebar.offsetWidth > 0 && sidebar.getBoundingClientRect().left >= 0;
  const sidebarHeight = sidebarShown ? sidebar.scrollHeight : 0;
  return Math.max(bottom + 40, sidebarHeight, 900);
}"""


def database_url() -> str:
    """DATABASE_URL, else data/screenshots.db (built from the sample when absent)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    path = ROOT / "data" / "screenshots.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        print(f"screenshots: building the sample database {path.relative_to(ROOT)}", flush=True)
        path.parent.mkdir(exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "sample_data", "build"],
            check=True,
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url},
        )
    return url


def screenshot_user(url: str) -> tuple[str, tuple[str, str]]:
    """An admin with a fresh random password, and the child with the most episodes (the timeline's example)."""
    from sqlalchemy import func, select

    from loaders.database import connect
    from loaders.schema import Episode
    from loaders.users import add_user, lookup, reset_password

    engine = connect(url)
    try:
        user = (USER, add_user(engine, USER, "admin") if lookup(engine, USER) is None else reset_password(engine, USER))
        with engine.connect() as connection:
            busiest = connection.execute(
                select(Episode.child_id).group_by(Episode.child_id).order_by(func.count().desc(), Episode.child_id)
            ).first()
        return (busiest[0] if busiest else ""), user
    finally:
        engine.dispose()


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


def open_signed_in(page, base: str, path: str, user: tuple[str, str]) -> float:
    """Open base/path, sign in through the form when it shows; seconds from request (or from
    pressing Sign in) until the page settled."""
    started = time.monotonic()
    page.goto(f"{base}/{path}")
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    if wait_for_sign_in_or_app(page):
        started = time.monotonic()
        sign_in(page, credentials=user)
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


def focus_shot(page, base: str, user: tuple[str, str], path: Path) -> None:
    """The missing-together network focused on its best-connected child (the page is open, unfocused)."""
    network = page.frame_locator('iframe[title^="Network"]').locator("#network")
    if not network.count():
        return
    child = network.evaluate("() => cy.nodes('[kind = \"child\"]').max(n => n.degree()).ele.id()")
    seconds = open_signed_in(page, base, f"missing_together?focus={child}", user)
    full_page(page, path)
    print(f"{'missing_together':20} {'focus':8} settled in {seconds:5.1f} s -> {path}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated page stems (default: all)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    url = database_url()
    child, user = screenshot_user(url)
    log_path = ROOT / "data" / "screenshots-streamlit.log"
    from playwright.sync_api import sync_playwright

    timings: list[tuple[str, str, float]] = []
    outside: list[str] = []
    with streamlit_server(url, log_path, seconds=90) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": WIDTH, "height": 900})
        page = context.new_page()
        outside = guard_requests(page)
        for stem in pages:
            for meeting in (False, True):
                query = [f"child={child}"] if stem == "child_timeline" and child else []
                query += ["meeting=1"] if meeting else []
                path = ("" if stem == "overview" else stem) + (f"?{'&'.join(query)}" if query else "")
                seconds = open_signed_in(page, base, path, user)
                errors = page.locator('[data-testid="stException"]').count()
                name = f"{stem}-meeting.png" if meeting else f"{stem}.png"
                full_page(page, out / name)
                mode = "meeting" if meeting else "normal"
                timings.append((stem, mode, seconds))
                note = f", {errors} exception(s) shown" if errors else ""
                print(f"{stem:20} {mode:8} settled in {seconds:5.1f} s -> {out / name}{note}", flush=True)
                if stem == "missing_together" and not meeting:
                    focus_shot(page, base, user, out / f"{stem}-focus.png")
        browser.close()
    total = sum(f.stat().st_size for f in out.glob("*.png"))
    print(f"{len(timings)} screenshots, {total / 1e6:.1f} MB in {out}")
    if outside:
        print(f"refused {len(outside)} requests leaving this machine, e.g. {outside[:3]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
