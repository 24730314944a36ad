"""Install Leaflet's JS, CSS and images into static/vendor/leaflet/ from the npm registry.

The hotspot map must work with no internet, so the app ships Leaflet itself
instead of pointing browsers at a CDN. The files are fetched once at setup
(`make setup`), checked against the sha512 pinned here and the one the
registry publishes, and never committed. Running it again does nothing when
the installed version matches.

Usage: python scripts/install_leaflet.py [--force]
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "1.9.4"
# dist.integrity of https://registry.npmjs.org/leaflet/1.9.4, pinned so a changed tarball is refused.
INTEGRITY = "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
REGISTRY = "https://registry.npmjs.org/leaflet"
TARGET = Path(__file__).resolve().parent.parent / "static" / "vendor" / "leaflet"
STAMP = TARGET / "VERSION"
# Files taken from the package's dist/ folder (and everything under dist/images/).
WANTED = ("leaflet.js", "leaflet.css")


def installed() -> bool:
    return STAMP.exists() and STAMP.read_text().strip() == VERSION and (TARGET / "leaflet.js").exists()


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def integrity_of(content: bytes) -> str:
    """The npm `dist.integrity` form of a tarball: sha512-<base64 digest>."""
    return "sha512-" + base64.b64encode(hashlib.sha512(content).digest()).decode()


def install() -> None:
    metadata = json.loads(_get(f"{REGISTRY}/{VERSION}"))
    published = metadata["dist"]["integrity"]
    if published != INTEGRITY:
        raise SystemExit(
            f"install-leaflet: the registry's integrity for {VERSION} is {published}, expected {INTEGRITY}"
        )
    tarball = _get(metadata["dist"]["tarball"])
    if integrity_of(tarball) != INTEGRITY:
        raise SystemExit(f"install-leaflet: downloaded tarball does not match {INTEGRITY}")
    staging = TARGET.with_name("leaflet.partial")
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            name = member.name.removeprefix("package/dist/")
            if member.isfile() and name != member.name and (name in WANTED or name.startswith("images/")):
                path = staging / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(archive.extractfile(member).read())
    (staging / "VERSION").write_text(VERSION + "\n")
    shutil.rmtree(TARGET, ignore_errors=True)
    staging.rename(TARGET)


def main(argv: list[str]) -> int:
    if installed() and "--force" not in argv:
        return 0
    print(f"setup: installing Leaflet {VERSION} from the npm registry into {TARGET}")
    install()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
