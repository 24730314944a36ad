"""Settings a council can change: where the data lives and the editable tables.

Everything else in the project reads its settings from here, so one place
says what can be configured and what the defaults are.
"""

from __future__ import annotations

import csv
import os
import tomllib
from functools import lru_cache
from pathlib import Path

from config.sections import Settings, SettingsError, parse_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = Path(__file__).resolve().parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'missing.db'}"


def database_url() -> str:
    """The database to use: `DATABASE_URL`, else the embedded SQLite file."""
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def log_file() -> Path:
    """Where the command line logs (unexpected errors with their tracebacks): `MISSING_LOG_FILE`, else
    data/missing.log."""
    return Path(os.environ.get("MISSING_LOG_FILE") or DATA_DIR / "missing.log")


def settings_path() -> Path:
    """The council's settings file: `MISSING_SETTINGS`, else `config/settings.toml`."""
    return Path(os.environ.get("MISSING_SETTINGS", CONFIG_DIR / "settings.toml"))


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The council's settings (authority, thresholds), typed; SettingsError names file, section and key."""
    path = settings_path()
    with path.open("rb") as f:
        try:
            table = tomllib.load(f)
        except tomllib.TOMLDecodeError as problem:
            raise SettingsError(f"{path}: not valid TOML ({problem}).") from problem
    return parse_settings(table, path)


@lru_cache(maxsize=1)
def locality_table() -> dict[str, str]:
    """Postcode district -> locality, from the council-editable `config/localities.csv`."""
    path = Path(os.environ.get("MISSING_LOCALITIES", CONFIG_DIR / "localities.csv"))
    with path.open(newline="") as f:
        return {
            row["district"].strip().upper(): row["locality"].strip()
            for row in csv.DictReader(line for line in f if not line.startswith("#"))
        }
