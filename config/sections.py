"""The council's settings as typed, frozen sections, with every default in one place.

`config.settings()` reads `config/settings.toml` into `Settings` once; pages and
reports pass the sections a function needs down to it, so no metric or chart
reads the file itself. A wrong value stops with a message naming the file, the
section and the key, never with a traceback deep inside a metric.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, get_origin, get_type_hints


class SettingsError(ValueError):
    """A settings file that cannot be used; the message names file, section and key."""


@dataclass(frozen=True)
class AuthoritySettings:
    """`[authority]`: who the council is and which areas are its own."""

    name: str = ""
    lad_codes: tuple[str, ...] = ()  # ONS district codes of the council's area; others are "Out of area"
    postcode_areas: tuple[str, ...] = ()  # postcode areas the importer loads up front
    dfe_la_code: str = ""  # the DfE LA number the national figures are found by


@dataclass(frozen=True)
class TriggerThresholds:
    """`[triggers]`: the numbers behind each alert (domain.md section 5)."""

    missing_count: int = 3
    missing_window_days: int = 90
    absent_count: int = 3
    absent_window_days: int = 90
    missing_over_hours: int = 72
    strategy_meeting_working_days: int = 5
    location_count: int = 5
    location_window_days: int = 30


@dataclass(frozen=True)
class MissingTogetherSettings:
    """`[missing_together]`: episodes from one place this close together were missing together."""

    window_minutes: int = 60


@dataclass(frozen=True)
class AssociateSettings:
    """`[associates]` (domain.md section 12)."""

    found_window_hours: int = 24
    listed_days: int = 7


@dataclass(frozen=True)
class EscalationThresholds:
    """`[escalation]`: the numbers behind each reason a child is escalating (domain.md section 12)."""

    recent_episodes: int = 4  # more_often: the gaps between the last this-many starts ...
    gap_ratio: float = 0.5  # ... have a median at most this share of the median gap of as many before them
    rising_episodes: int = 3  # longer: the durations of the last this-many episodes rise each time ...
    longer_hours: float = 24.0  # ... and the last lasted over this many hours
    further_miles: float = 20.0  # further: found over this many miles away ...
    further_ratio: float = 2.0  # ... and over this many times the median distance of the earlier episodes


@dataclass(frozen=True)
class BenchmarkSettings:
    """`[benchmarks]`: which DfE statistical neighbour grouping to compare with."""

    neighbour_grouping: str = field(default="2025", metadata={"choices": ("2025", "2021")})


@dataclass(frozen=True)
class PublicationSettings:
    """`[publication]`: counts from 1 to suppress_below - 1 are shown as "<5" in anything published."""

    suppress_below: int = 5


@dataclass(frozen=True)
class OidcSettings:
    """`[auth.oidc]`: sign-in through the council's identity provider (docs/sign-in.md)."""

    enabled: bool = False
    provider: str = ""
    button_label: str = "Sign in with your council account"
    groups_claim: str = "groups"
    default_role: str = ""
    groups: dict[str, str] = field(default_factory=dict)  # group name -> role
    domains: dict[str, str] = field(default_factory=dict)  # email domain -> role


@dataclass(frozen=True)
class AuthSettings:
    """`[auth]`: how long a session lasts, the lockout, the cookie and the identity provider."""

    idle_minutes: int = 30
    session_minutes: int = 600
    max_failures: int = 5
    lockout_minutes: int = 15
    secure_cookie: bool | str = field(default="auto", metadata={"choices": ("auto", True, False)})
    oidc: OidcSettings = field(default_factory=OidcSettings)


@dataclass(frozen=True)
class MapSettings:
    """`[map]`: an optional background tile server and how many areas are named on the hotspot map."""

    tile_url: str = ""
    tile_attribution: str = ""
    labels: int = 10


@dataclass(frozen=True)
class ProcessControlSettings:
    """`[process_control]` (domain.md section 9); baseline_months 0 means every point shown."""

    baseline_months: int = 0
    minimum_points: int = 12
    shift_points: int = 7
    trend_points: int = 6


@dataclass(frozen=True)
class Settings:
    """Every section of config/settings.toml."""

    authority: AuthoritySettings = field(default_factory=AuthoritySettings)
    triggers: TriggerThresholds = field(default_factory=TriggerThresholds)
    missing_together: MissingTogetherSettings = field(default_factory=MissingTogetherSettings)
    associates: AssociateSettings = field(default_factory=AssociateSettings)
    escalation: EscalationThresholds = field(default_factory=EscalationThresholds)
    benchmarks: BenchmarkSettings = field(default_factory=BenchmarkSettings)
    publication: PublicationSettings = field(default_factory=PublicationSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    map: MapSettings = field(default_factory=MapSettings)
    process_control: ProcessControlSettings = field(default_factory=ProcessControlSettings)


def setting_keys(cls: type = Settings, prefix: str = "") -> list[str]:
    """Every key a settings file may hold, as `section.key` (`auth.oidc.enabled`), for the docs test."""
    keys: list[str] = []
    for name, kind in get_type_hints(cls).items():
        if isinstance(kind, type) and is_dataclass(kind):
            keys += setting_keys(kind, f"{prefix}{name}.")
        else:
            keys.append(f"{prefix}{name}")
    return keys


def parse_settings(table: dict[str, Any], source: Path | str) -> Settings:
    """The typed settings from a parsed TOML table; SettingsError naming `source`, section and key when wrong."""
    return _section(Settings, table, str(source), "")


def _section(cls: type, table: object, source: str, where: str) -> Any:
    place = f"[{where}]" if where else "the file"
    if not isinstance(table, dict):
        raise SettingsError(f"{source}: {place} must be a table of settings, not {table!r}.")
    hints = get_type_hints(cls)
    unknown = [key for key in table if key not in hints]
    if unknown:
        known = ", ".join(hints)
        what = "section" if not where else "setting"
        raise SettingsError(f"{source}: {place} has no {what} '{unknown[0]}' (it has: {known}).")
    values = {}
    for item in fields(cls):
        if item.name in table:
            key = f"{where}.{item.name}" if where else item.name
            values[item.name] = _value(hints[item.name], table[item.name], source, key, item.metadata)
    return cls(**values)


def _value(kind: Any, value: object, source: str, key: str, metadata: Any) -> object:
    if isinstance(kind, type) and is_dataclass(kind):
        return _section(kind, value, source, key)
    choices = metadata.get("choices")
    if choices is not None:
        if not any(value == choice and type(value) is type(choice) for choice in choices):
            shown = ", ".join(repr(choice).replace("'", '"').lower() for choice in choices)
            raise SettingsError(f"{source}: [{_section_of(key)}] {_key_of(key)} must be one of {shown}, not {value!r}.")
        return value
    checked = _typed(kind, value)
    if checked is MISSING:
        raise SettingsError(f"{source}: [{_section_of(key)}] {_key_of(key)} must be {_described(kind)}, not {value!r}.")
    if kind in (int, float) and checked < 0:  # type: ignore[operator]
        raise SettingsError(f"{source}: [{_section_of(key)}] {_key_of(key)} must not be negative, not {value!r}.")
    return checked


def _typed(kind: Any, value: object) -> object:
    """The value as `kind`, or MISSING when it is not one."""
    if kind is bool:
        return value if isinstance(value, bool) else MISSING
    if kind is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else MISSING
    if kind is float:
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else MISSING
    if kind is str:
        return value if isinstance(value, str) else MISSING
    if get_origin(kind) is tuple:
        return tuple(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else MISSING
    if get_origin(kind) is dict:
        ok = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        return dict(value) if ok else MISSING  # type: ignore[call-overload]
    raise TypeError(f"no parser for settings of type {kind}")


def _described(kind: Any) -> str:
    named = {bool: "true or false", int: "a whole number", float: "a number", str: "text in quotes"}
    if kind in named:
        return named[kind]
    if get_origin(kind) is tuple:
        return 'a list of text, e.g. ["a", "b"]'
    if get_origin(kind) is dict:
        return 'a table of "name" = "text"'
    return str(kind)


def _section_of(key: str) -> str:
    return key.rpartition(".")[0]


def _key_of(key: str) -> str:
    return key.rpartition(".")[2]
