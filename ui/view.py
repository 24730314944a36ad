"""The view in the URL, read and written without Streamlit: period preset and dates, sidebar filters, meeting mode.

Every value a URL carries is checked against the values its key may take;
anything else is dropped with a note (shown in the sidebar), never an
exception. `view_params` is the inverse of `view_from_params`, so a copied URL
reproduces the view.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from config.canonical import (
    BOOLEAN_ALIASES,
    CATEGORIES,
    MISSING_FROM,
    NOT_KNOWN,
    PLACEMENT_TYPES,
    POLICE_RISKS,
    SEXES,
    SWITCH_WORDS,
    YES_NO,
)
from metrics.filters import AGE_BANDS, ETHNIC_GROUP_BANDS, FILTER_KEYS, locality_names
from metrics.periods import DEFAULT_PRESET, PRESETS, Period, default_period, preset_period

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


@dataclass(frozen=True)
class Filter:
    """One sidebar filter: its key (a `metrics.filters.FILTER_KEYS` name, also its URL parameter)."""

    key: str
    label: str
    values: tuple[str, ...] = ()  # empty: taken from the configuration or the data at run time


SIDEBAR_FILTERS = (
    Filter("category", "Category", CATEGORIES),
    Filter("missing_from", "Missing from home or care", MISSING_FROM),
    Filter("locality", "Locality"),
    Filter("placement_type", "Placement type", PLACEMENT_TYPES + (NOT_KNOWN,)),
    Filter("establishment_id", "Establishment"),
    Filter("out_of_area", "Placed out of area", YES_NO),
    Filter("sex", "Sex", SEXES + (NOT_KNOWN,)),
    Filter("ethnic_group", "Ethnic group", ETHNIC_GROUP_BANDS),
    Filter("age_band", "Age band", AGE_BANDS),
    Filter("police_risk", "Police risk", POLICE_RISKS + (NOT_KNOWN,)),
    Filter("cse_concern", "CSE concern", YES_NO),
    Filter("cce_concern", "CCE concern", YES_NO),
)
FILTER_LABELS = {f.key: f.label for f in SIDEBAR_FILTERS}
VIEW_PARAMS = ("from", "to", "period", "meeting") + tuple(f.key for f in SIDEBAR_FILTERS)


@dataclass(frozen=True)
class View:
    """Everything a URL says about what to show."""

    preset: str
    period: Period
    filters: dict[str, list[str]]
    meeting: bool
    notes: list[str] = field(default_factory=list)


def filter_options(establishment_ids: Sequence[str] = ()) -> dict[str, tuple[str, ...]]:
    """The values each sidebar filter may take: vocabularies, bands, localities, establishments in the data."""
    dynamic = {"locality": locality_names(), "establishment_id": tuple(establishment_ids)}
    return {f.key: f.values or dynamic[f.key] for f in SIDEBAR_FILTERS}


def option_label(key: str, value: str, names: Mapping[str, str] | None = None) -> str:
    """How a filter value reads in the sidebar (`no_apparent_risk` -> `No apparent risk`)."""
    if key == "establishment_id":
        name = (names or {}).get(value)
        return f"{name} ({value})" if name else value
    if value == NOT_KNOWN or key in ("locality", "ethnic_group", "age_band"):
        return value
    return value.replace("_", " ").capitalize()


def first(value: object) -> object:
    """The first of a repeated URL parameter (or the value itself)."""
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def as_list(value: object) -> list[str]:
    """A URL parameter's values as a list (none, one, or repeated)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def shown_value(text: str) -> str:
    """A value from a URL made safe to show in a note (no Markdown, no links, short)."""
    return re.sub(r"[^A-Za-z0-9 _.&/'+-]", "?", text)[:40]


def parse_day(value: object) -> date | None:
    """An ISO date (YYYY-MM-DD) within the supported range, else None."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def period_from_view_params(
    params: Mapping[str, object], latest: date | None, today: date | None = None
) -> tuple[str, Period, list[str]]:
    """The preset and dates a URL asks for.

    Valid `from`/`to` dates win (so a copied URL keeps its dates after new data
    lands); the preset is kept when it gives the same dates, else `custom`.
    Without valid dates, a valid `period` preset, else the default.
    """
    notes = []
    start, end = parse_day(first(params.get("from"))), parse_day(first(params.get("to")))
    preset = first(params.get("period"))
    if preset is not None and preset not in PRESETS:
        notes.append(f"Period: '{shown_value(str(preset))}' is not a period preset, ignored.")
        preset = None
    if start is not None and end is not None and start <= end:
        period = Period(start, end)
        candidates = [preset] if preset else [p for p in PRESETS if p != "custom"]
        for name in candidates:
            if name != "custom" and preset_period(str(name), latest, today) == period:
                return str(name), period, notes
        return "custom", period, notes
    if params.get("from") is not None or params.get("to") is not None:
        notes.append("Period: the link's From and To dates are not a valid range, ignored.")
    if preset and preset != "custom":
        return str(preset), preset_period(str(preset), latest, today), notes
    return DEFAULT_PRESET, default_period(latest, today), notes


def _canonical(text: str, allowed: Sequence[str], yes_no: bool) -> str | None:
    word = text.strip().lower()
    if yes_no:
        word = BOOLEAN_ALIASES.get(word, word)
    return next((value for value in allowed if value.lower() == word), None)


def filters_from_params(
    params: Mapping[str, object], options: Mapping[str, Sequence[str]]
) -> tuple[dict[str, list[str]], list[str]]:
    """The sidebar filters a URL asks for, each value checked against `options`.

    A key may be repeated (`category=missing&category=absent`) or carry a comma
    list (`category=missing,absent`); case does not matter. Returns the filters
    (key -> canonical values, keys with no value left out) and a note for
    every value or key that was dropped.
    """
    filters: dict[str, list[str]] = {}
    notes: list[str] = []
    for key, allowed in options.items():
        yes_no = tuple(allowed) == YES_NO
        chosen: list[str] = []
        for item in as_list(params.get(key)):
            parts = [item] if _canonical(item, allowed, yes_no) else item.split(",")
            for part in (p for p in parts if p.strip()):
                value = _canonical(part, allowed, yes_no)
                if value is None:
                    notes.append(f"{FILTER_LABELS[key]}: '{shown_value(part)}' is not one of its values, ignored.")
                elif value not in chosen:
                    chosen.append(value)
        if chosen:
            filters[key] = chosen
    for key in params:
        if key in FILTER_KEYS and key not in options:
            notes.append(f"'{shown_value(key)}' is not a sidebar filter, ignored.")
    return filters, notes


def meeting_from_params(params: Mapping[str, object]) -> tuple[bool, list[str]]:
    """`meeting=1` (or yes/true/on) switches meeting mode on; anything unreadable is a note."""
    value = first(params.get("meeting"))
    if value is None or str(value).strip() == "":
        return False, []
    word = str(value).strip().lower()
    if word in SWITCH_WORDS:
        return SWITCH_WORDS[word], []
    return False, [f"Meeting mode: '{shown_value(str(value))}' is not 1 or 0, ignored."]


def view_from_params(
    params: Mapping[str, object],
    latest: date | None,
    options: Mapping[str, Sequence[str]],
    today: date | None = None,
) -> View:
    """The view a URL asks for, every value checked; what was dropped is in `notes`."""
    preset, period, period_notes = period_from_view_params(params, latest, today)
    filters, filter_notes = filters_from_params(params, options)
    meeting, meeting_notes = meeting_from_params(params)
    return View(preset, period, filters, meeting, period_notes + filter_notes + meeting_notes)


def view_params(view: View) -> dict[str, str | list[str]]:
    """The URL parameters that reproduce a view (the inverse of `view_from_params`)."""
    params: dict[str, str | list[str]] = {
        "from": view.period.start.isoformat(),
        "to": view.period.end.isoformat(),
        "period": view.preset,
    }
    params.update({key: list(values) for key, values in view.filters.items() if values})
    if view.meeting:
        params["meeting"] = "1"
    return params
