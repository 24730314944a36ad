"""The README documents every command, table, setting and make target that exists.

A datasette habit: adding a setting or command without documenting it fails a test.
"""

from __future__ import annotations

import re
import tomllib
from functools import reduce
from pathlib import Path

import pytest

from config.sections import Settings, setting_keys
from metrics.tables import HISTORY_TABLES, TABLES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def make_targets() -> list[str]:
    return re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), flags=re.MULTILINE)


def settings_sections() -> list[str]:
    with (ROOT / "config" / "settings.toml").open("rb") as f:
        return list(tomllib.load(f))


def setup_packages() -> list[str]:
    """The Debian packages scripts/setup.sh installs (its DEB_PACKAGES)."""
    text = (ROOT / "scripts" / "setup.sh").read_text()
    return re.search(r"^DEB_PACKAGES=\(([^)]*)\)", text, flags=re.MULTILINE).group(1).split()


@pytest.mark.parametrize("package", setup_packages())
def test_every_debian_package_setup_installs_is_documented(package):
    """A new machine's owner reads in the README what `make setup` will put on it."""
    assert f"`{package}`" in README


@pytest.mark.parametrize("target", [t for t in make_targets() if t != "postgres"])
def test_every_make_target_is_documented(target):
    assert f"make {target}" in README


@pytest.mark.parametrize("table", [*TABLES, *HISTORY_TABLES])
def test_every_report_table_is_documented(table):
    assert f"`{table}`" in README


@pytest.mark.parametrize("section", settings_sections())
def test_every_settings_section_is_documented(section):
    assert f"`[{section}]`" in README


def toml_text(value: object) -> str:
    """A default as it would be written in settings.toml."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return "[" + ", ".join(toml_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_text(v)}" for k, v in value.items()) + "}"
    return repr(value)


@pytest.mark.parametrize("key", setting_keys())
def test_every_setting_is_documented_with_its_default(key):
    """A row of the README's settings table for each key of the typed settings, with the default the code uses."""
    section, _, name = key.rpartition(".")
    default = reduce(getattr, key.split("."), Settings())
    assert f"| `[{section}] {name}` | `{toml_text(default)}` |" in README


@pytest.mark.parametrize(
    "command",
    [
        "python -m loaders import",
        "python -m loaders benchmarks",
        "python -m sample_data build",
        "python -m sample_data csv",
        "python -m reports table",
        "python -m reports table benchmarks",
        "python -m reports findings",
        "python -m reports briefing",
    ],
)
def test_every_command_is_documented(command):
    assert command in README


@pytest.mark.parametrize("path", re.findall(r"\]\(([^)#]+)\)", README))
def test_links_point_at_files_that_exist(path):
    assert (ROOT / path).exists(), path
