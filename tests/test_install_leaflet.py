"""scripts/install_leaflet.py, offline: a tarball shaped like npm's is checked, unpacked, and refused when altered.

The registry is replaced by a function returning bytes; no test reaches the internet.
"""

from __future__ import annotations

import importlib.util
import io
import json
import tarfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "install_leaflet.py"


@pytest.fixture
def installer(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("install_leaflet", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "TARGET", tmp_path / "static" / "vendor" / "leaflet")
    monkeypatch.setattr(module, "STAMP", module.TARGET / "VERSION")
    return module


def package(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return out.getvalue()


FILES = {
    "dist/leaflet.js": b"window.L = {};",
    "dist/leaflet.css": b".leaflet-container{}",
    "dist/leaflet.js.map": b"{}",
    "dist/images/marker-icon.png": b"\x89PNG",
    "src/Leaflet.js": b"// source",
    "package.json": b"{}",
}


def registry(installer, tarball: bytes, published: str):
    def get(url: str) -> bytes:
        if url.endswith(".tgz"):
            return tarball
        return json.dumps(
            {"dist": {"integrity": published, "tarball": "https://registry.example/leaflet.tgz"}}
        ).encode()

    return get


def test_unpacks_only_the_dist_files_the_map_needs(installer, monkeypatch):
    tarball = package(FILES)
    monkeypatch.setattr(installer, "INTEGRITY", installer.integrity_of(tarball))
    monkeypatch.setattr(installer, "_get", registry(installer, tarball, installer.integrity_of(tarball)))
    assert not installer.installed()
    assert installer.main([]) == 0
    found = sorted(str(p.relative_to(installer.TARGET)) for p in installer.TARGET.rglob("*") if p.is_file())
    assert found == ["VERSION", "images/marker-icon.png", "leaflet.css", "leaflet.js"]
    assert installer.installed()


def test_second_run_does_nothing(installer, monkeypatch):
    installer.TARGET.mkdir(parents=True)
    (installer.TARGET / "leaflet.js").write_text("x")
    installer.STAMP.write_text(installer.VERSION + "\n")

    def no_network(url):
        raise AssertionError("fetched although installed")

    monkeypatch.setattr(installer, "_get", no_network)
    assert installer.main([]) == 0


def test_a_tarball_that_does_not_match_the_pinned_checksum_is_refused(installer, monkeypatch):
    tarball = package(FILES)
    monkeypatch.setattr(installer, "_get", registry(installer, tarball, installer.INTEGRITY))
    with pytest.raises(SystemExit, match="does not match"):
        installer.main([])
    assert not installer.TARGET.exists()


def test_a_registry_publishing_another_checksum_is_refused(installer, monkeypatch):
    monkeypatch.setattr(installer, "_get", registry(installer, package(FILES), "sha512-other"))
    with pytest.raises(SystemExit, match="expected"):
        installer.main([])


def test_integrity_is_npms_sha512_form(installer):
    assert installer.integrity_of(b"") == (
        "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
    )
