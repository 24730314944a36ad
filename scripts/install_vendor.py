"""Install the browser libraries the app and its tests need into static/vendor/<package>/ from the npm registry.

The dashboard must work with no internet, so it ships what a browser needs
instead of pointing at a CDN: Leaflet for the hotspot map, Cytoscape.js for the
missing-together network, axe-core for the accessibility checks of the browser tests. Each package is fetched once at
setup (`make setup`), checked against the sha512 pinned here and the one the
registry publishes, and never committed. A package whose installed version
matches is not fetched again.

Usage: python scripts/install_vendor.py [--force]
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
from dataclasses import dataclass
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
VENDOR = Path(__file__).resolve().parent.parent / "static" / "vendor"


@dataclass(frozen=True)
class Package:
    """One npm package: the version and `dist.integrity` pinned, and which of its files to keep.

    `files` are paths inside the package; one ending in "/" keeps everything under it. `strip` is a leading
    folder left off where they land (Leaflet's dist/)."""

    name: str
    version: str
    integrity: str
    files: tuple[str, ...]
    strip: str = ""

    @property
    def target(self) -> Path:
        return VENDOR / self.name

    def kept_as(self, path: str) -> str | None:
        """The entry of `files` that keeps this path of the package, or None."""
        return next(
            (name for name in self.files if path == name or (name.endswith("/") and path.startswith(name))), None
        )


# dist.integrity of https://registry.npmjs.org/<name>/<version>, pinned so a changed tarball is refused.
PACKAGES = (
    Package(
        "leaflet",
        "1.9.4",
        "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
        files=("dist/leaflet.js", "dist/leaflet.css", "dist/images/"),
        strip="dist/",
    ),
    Package(
        "axe-core",
        "4.14.1",
        "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        files=("axe.min.js", "LICENSE"),
    ),
    Package(
        "cytoscape",
        "3.35.0",
        "sha512-sMvBIXiGMnhkCaWz2R06FwF/27MNlS+Tqvi17foO9UhnUg3XGZccKjxsvEqQFAQYMSSZmN5SxYzUYlQ0DOJJ3g==",
        files=("dist/cytoscape.min.js", "LICENSE"),
        strip="dist/",
    ),
)


def installed(package: Package) -> bool:
    stamp = package.target / "VERSION"
    return stamp.exists() and stamp.read_text().strip() == package.version


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def integrity_of(content: bytes) -> str:
    """The npm `dist.integrity` form of a tarball: sha512-<base64 digest>."""
    return "sha512-" + base64.b64encode(hashlib.sha512(content).digest()).decode()


def install(package: Package) -> None:
    """Fetch, check and unpack one package; the folder is replaced whole or left as it was."""
    metadata = json.loads(_get(f"{REGISTRY}/{package.name}/{package.version}"))
    published = metadata["dist"]["integrity"]
    if published != package.integrity:
        raise SystemExit(
            f"install-vendor: the registry's integrity for {package.name} {package.version} is {published}, "
            f"expected {package.integrity}"
        )
    tarball = _get(metadata["dist"]["tarball"])
    if integrity_of(tarball) != package.integrity:
        raise SystemExit(f"install-vendor: downloaded {package.name} tarball does not match {package.integrity}")
    staging = package.target.with_name(f"{package.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    found = set()
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            path = member.name.removeprefix("package/")
            entry = package.kept_as(path)
            if member.isfile() and entry and ".." not in Path(path).parts:
                landed = staging / path.removeprefix(package.strip)
                landed.parent.mkdir(parents=True, exist_ok=True)
                landed.write_bytes(archive.extractfile(member).read())
                found.add(entry)
    missing = sorted(set(package.files) - found)
    if missing:
        shutil.rmtree(staging, ignore_errors=True)
        raise SystemExit(f"install-vendor: {package.name} {package.version} has no {', '.join(missing)}")
    (staging / "VERSION").write_text(package.version + "\n")
    shutil.rmtree(package.target, ignore_errors=True)
    staging.rename(package.target)


def main(argv: list[str]) -> int:
    for package in PACKAGES:
        if installed(package) and "--force" not in argv:
            continue
        print(f"setup: installing {package.name} {package.version} from the npm registry into {package.target}")
        install(package)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
