"""Every metric table by its command-line name, and the Overview page's headline numbers.

`metric_table` is what the CLI, the committee pack and the pages call: it
chooses the episodes for a period and filters, then computes one table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial

import pandas as pd

from config.sections import TriggerThresholds
from metrics.attention import AttentionSettings, associate_tables, escalation_table, history_until, meeting_list
from metrics.bands import distance_bands, duration_bands, locality_bands, persistent_children, repeat_bands
from metrics.demographics import age_bands, ethnic_group_bands, home_care_bands, sex_bands
from metrics.filters import select_episodes
from metrics.hotspots import hotspots
from metrics.interview_content import CONTENT_TABLES, content_bands
from metrics.return_interviews import return_interviews
from metrics.trend import trend
from metrics.triggers import triggers


def trigger_table(
    episodes: pd.DataFrame, thresholds: TriggerThresholds | None = None, as_of: date | datetime | None = None
) -> pd.DataFrame:
    """trigger,subject,first_met: the alert list without the episodes behind each alert."""
    return triggers(episodes, thresholds, as_of=as_of).drop(columns="episode_ids")


TABLES: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "duration": duration_bands,
    "distance": distance_bands,
    "repeat": repeat_bands,
    "sex": sex_bands,
    "ethnic_group": ethnic_group_bands,
    "age_band": age_bands,
    "home_care": home_care_bands,
    "locality": locality_bands,
    "return_interviews": return_interviews,
    "hotspots_from_district": partial(hotspots, by="from_district"),
    "hotspots_from_sector": partial(hotspots, by="from_sector"),
    "hotspots_found_district": partial(hotspots, by="found_district"),
    "hotspots_found_sector": partial(hotspots, by="found_sector"),
    "hotspots_establishment": partial(hotspots, by="establishment"),
    "trend": trend,
    "triggers": trigger_table,
    **{name: partial(content_bands, column=column) for name, column in CONTENT_TABLES.items()},
}
# Tables judged on each child's history up to the period's end (domain.md section 12), child-level.
HISTORY_TABLES = ("escalation", "associates", "meeting_list")


def history_table(
    name: str,
    history: pd.DataFrame,
    start: date,
    end: date,
    settings: AttentionSettings,
    as_of: date | datetime | None = None,
) -> pd.DataFrame:
    """escalation (reason,subject,first_met), associates (the pairs of children) or meeting_list."""
    if name == "escalation":
        return escalation_table(history, start, end, settings).drop(columns="episode_ids")
    if name == "associates":
        return associate_tables(history, start, end, settings).pairs_of_children
    return meeting_list(history, start, end, settings, as_of)


def metric_table(
    name: str,
    episodes: pd.DataFrame,
    start: date,
    end: date,
    filters: dict[str, list[str]] | None = None,
    as_of: date | datetime | None = None,
    settings: AttentionSettings | None = None,
) -> pd.DataFrame:
    """One named table over the episodes reported from `start` to `end` that pass `filters`;
    `settings` (default: the settings' defaults) carries the thresholds of the alert and history tables."""
    settings = settings or AttentionSettings()
    if name in HISTORY_TABLES:
        history = history_until(episodes, end, filters)
        return history_table(name, history, start, end, settings, as_of)
    if name not in TABLES:
        raise ValueError(f"unknown table {name!r} (tables: {', '.join(TABLES)})")
    chosen = select_episodes(episodes, start, end, filters)
    if name == "triggers":
        return trigger_table(chosen, settings.triggers, as_of=as_of)
    return TABLES[name](chosen)


def headline_counts(episodes: pd.DataFrame) -> dict[str, int]:
    """Numbers for the Overview page: episodes, children, episodes per category and home/care,
    persistent runaways (children with 4+ episodes) and episodes still open."""
    category = episodes["category"]
    missing_from = episodes["missing_from"]
    return {
        "episodes": len(episodes),
        "children": int(episodes["child_id"].nunique()),
        "missing": int((category == "missing").sum()),
        "absent": int((category == "absent").sum()),
        "away": int((category == "away").sum()),
        "home": int((missing_from == "home").sum()),
        "care": int((missing_from == "care").sum()),
        "persistent_runaways": len(persistent_children(episodes)),
        "open_episodes": int(episodes["returned_at"].isna().sum()),
    }
