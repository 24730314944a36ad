"""The README documents every command, table, setting and make target that exists.

A datasette habit: adding a setting or command without documenting it fails a test.
"""

from __future__ import annotations

import argparse
import re
import tomllib
from functools import reduce
from pathlib import Path

import pytest

import loaders.__main__ as loaders_cli
import reports.__main__ as reports_cli
import sample_data.__main__ as sample_data_cli
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


def commands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parser and every subcommand's parser under it, at any depth (`loaders users add`)."""
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += commands(sub)
    return found


def leaf_commands() -> list[argparse.ArgumentParser]:
    """Each command a user types in full, from the real parsers of `python -m loaders`,
    `python -m reports` and `python -m sample_data` (prog: `python -m reports table`)."""
    parsers = [loaders_cli.build_parser(), reports_cli.build_parser(), sample_data_cli.build_parser()]
    every = [command for parser in parsers for command in commands(parser)]
    return [c for c in every if not any(isinstance(a, argparse._SubParsersAction) for a in c._actions)]


def options() -> list[tuple[str, str]]:
    """(command, option) for every long option of every command, --help aside."""
    return [
        (command.prog, option)
        for command in leaf_commands()
        for action in command._actions
        if not isinstance(action, argparse._HelpAction)
        for option in action.option_strings
        if option.startswith("--")
    ]


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


@pytest.mark.parametrize("command", [c.prog for c in leaf_commands()])
def test_every_command_is_documented(command):
    assert command in README


@pytest.mark.parametrize(("command", "option"), options())
def test_every_option_is_documented_on_a_line_of_its_command(command, option):
    """A line of the README shows the command with the option (a usage line or an example)."""
    assert any(command in line and re.search(rf"{re.escape(option)}\b", line) for line in README.splitlines()), (
        f"{option} of `{command}`"
    )


def test_the_commands_are_read_from_the_parsers():
    """The lists above are the parsers' own: a command or option added to a parser is checked."""
    progs = [c.prog for c in leaf_commands()]
    assert {"python -m loaders users add", "python -m reports pack", "python -m sample_data csv"} <= set(progs)
    assert ("python -m loaders import", "--dry-run") in options()


@pytest.mark.parametrize("path", re.findall(r"\]\(([^)#]+)\)", README))
def test_links_point_at_files_that_exist(path):
    assert (ROOT / path).exists(), path
