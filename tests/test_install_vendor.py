"""scripts/install_vendor.py, offline: tarballs shaped like npm's are checked, unpacked, and refused when altered.

The registry is replaced by a function returning bytes; no test reaches the internet.
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "install_vendor.py"


def load_installer(monkeypatch):
    """A fresh copy of the script as a module (registered, as its dataclass needs)."""
    spec = importlib.util.spec_from_file_location("install_vendor", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "install_vendor", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def installer(tmp_path, monkeypatch):
    module = load_installer(monkeypatch)
    monkeypatch.setattr(module, "VENDOR", tmp_path / "static" / "vendor")
    return module


def package(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return out.getvalue()


LEAFLET = {
    "dist/leaflet.js": b"window.L = {};",
    "dist/leaflet.css": b".leaflet-container{}",
    "dist/leaflet.js.map": b"{}",
    "dist/images/marker-icon.png": b"\x89PNG",
    "src/Leaflet.js": b"// source",
    "package.json": b"{}",
}
AXE = {
    "axe.min.js": b"window.axe = {};",
    "axe.js": b"// unminified",
    "LICENSE": b"MPL-2.0",
    "locales/de.json": b"{}",
    "package.json": b"{}",
}
CYTOSCAPE = {
    "dist/cytoscape.min.js": b"window.cytoscape = function () {};",
    "dist/cytoscape.esm.mjs": b"export default {};",
    "LICENSE": b"MIT",
    "src/index.mjs": b"// source",
    "package.json": b"{}",
}


def genuine() -> dict[str, bytes]:
    """A tarball for every pinned package, as the registry serves them."""
    return {"leaflet": package(LEAFLET), "axe-core": package(AXE), "cytoscape": package(CYTOSCAPE)}


def pin(installer, monkeypatch, served: dict[str, bytes], pinned=None, published=None) -> None:
    """Pin each package to the integrity of its tarball in `pinned` (default: `served`) and fake the registry:
    it publishes that integrity (or the one in `published`) and serves the tarballs in `served`."""
    pinned = {name: installer.integrity_of(tarball) for name, tarball in (pinned or served).items()}
    published = {**pinned, **(published or {})}

    def get(url: str) -> bytes:
        if url.endswith(".tgz"):
            return served[url.rsplit("/", 1)[-1].removesuffix(".tgz")]
        name = url.split("/")[-2]
        return json.dumps(
            {"dist": {"integrity": published[name], "tarball": f"https://registry.example/{name}.tgz"}}
        ).encode()

    packages = tuple(replace(package_, integrity=pinned[package_.name]) for package_ in installer.PACKAGES)
    monkeypatch.setattr(installer, "PACKAGES", packages)
    monkeypatch.setattr(installer, "_get", get)


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_every_package_lands_with_only_the_files_the_app_and_tests_need(installer, monkeypatch):
    pin(installer, monkeypatch, genuine())
    assert not any(installer.installed(p) for p in installer.PACKAGES)
    assert installer.main([]) == 0
    assert files_in(installer.VENDOR / "leaflet") == ["VERSION", "images/marker-icon.png", "leaflet.css", "leaflet.js"]
    assert files_in(installer.VENDOR / "axe-core") == ["LICENSE", "VERSION", "axe.min.js"]
    assert files_in(installer.VENDOR / "cytoscape") == ["LICENSE", "VERSION", "cytoscape.min.js"]
    assert all(installer.installed(p) for p in installer.PACKAGES)


def test_second_run_does_nothing(installer, monkeypatch):
    for package_ in installer.PACKAGES:
        package_.target.mkdir(parents=True)
        (package_.target / "VERSION").write_text(package_.version + "\n")

    def no_network(url):
        raise AssertionError("fetched although installed")

    monkeypatch.setattr(installer, "_get", no_network)
    assert installer.main([]) == 0


def test_a_new_pinned_version_replaces_the_old_folder(installer, monkeypatch):
    pin(installer, monkeypatch, genuine())
    old = installer.VENDOR / "axe-core"
    old.mkdir(parents=True)
    (old / "VERSION").write_text("4.0.0\n")
    (old / "axe.js").write_text("// left from an old version")
    installer.main([])
    assert files_in(old) == ["LICENSE", "VERSION", "axe.min.js"]


def test_a_tarball_that_does_not_match_the_pinned_checksum_is_refused(installer, monkeypatch):
    served = genuine()
    altered = {**served, "axe-core": package({**AXE, "axe.min.js": b"window.axe = {}; steal()"})}
    pin(installer, monkeypatch, served=altered, pinned=served)
    with pytest.raises(SystemExit, match="axe-core tarball does not match"):
        installer.main([])
    assert not (installer.VENDOR / "axe-core").exists()


def test_a_registry_publishing_another_checksum_is_refused(installer, monkeypatch):
    pin(
        installer,
        monkeypatch,
        genuine(),
        published={"leaflet": "sha512-x"},
    )
    with pytest.raises(SystemExit, match="expected"):
        installer.main([])
    assert not (installer.VENDOR / "leaflet").exists()


def test_a_package_without_a_wanted_file_is_refused(installer, monkeypatch):
    """A new version that moved axe.min.js must fail setup, not leave the tests without axe."""
    moved = {name.replace("axe.min.js", "dist/axe.min.js"): content for name, content in AXE.items()}
    pin(installer, monkeypatch, {**genuine(), "axe-core": package(moved)})
    with pytest.raises(SystemExit, match="axe-core 4.* has no axe.min.js"):
        installer.main([])
    assert not (installer.VENDOR / "axe-core").exists()


def test_integrity_is_npms_sha512_form(installer):
    assert installer.integrity_of(b"") == (
        "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
    )


def test_pinned_versions_are_what_the_docs_say(monkeypatch):
    docs = ("README.md", "docs/architecture.md")
    text = " ".join((SCRIPT.parent.parent / doc).read_text() for doc in docs).lower()
    for package_ in load_installer(monkeypatch).PACKAGES:
        assert f"{package_.name} {package_.version}" in text, package_.name
