"""Who needs attention now (domain.md section 12): the tables the Alerts page, the meeting list,
the briefing and the command line share, so each is worked out one way.

Escalation and associates are judged on a child's history, not only the
period: `history` is every episode up to the period's end that passes the
filters (`history_until`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

from config.sections import (
    AssociateSettings,
    EscalationThresholds,
    MissingTogetherSettings,
    Settings,
    TriggerThresholds,
)
from metrics.escalation import COORDINATES, RULE_INPUTS, escalating_children
from metrics.filters import DERIVED_COLUMNS, select_episodes
from metrics.meeting import children_to_discuss
from metrics.together import PairRows, associates_and_listed, found_together_rows, missing_together_rows
from metrics.triggers import child_alerts

EARLIEST = date(1900, 1, 1)


@dataclass(frozen=True)
class AttentionSettings:
    """The numbers the attention tables share: `[escalation]`, `[associates]`, `[missing_together]`
    and `[triggers]` of the settings (defaults: theirs)."""

    escalation: EscalationThresholds = field(default_factory=EscalationThresholds)
    window_minutes: int = MissingTogetherSettings.window_minutes
    found_window_hours: int = AssociateSettings.found_window_hours
    listed_days: int = AssociateSettings.listed_days
    triggers: TriggerThresholds = field(default_factory=TriggerThresholds)

    @classmethod
    def from_settings(cls, settings: Settings) -> AttentionSettings:
        return cls(
            escalation=settings.escalation,
            window_minutes=settings.missing_together.window_minutes,
            found_window_hours=settings.associates.found_window_hours,
            listed_days=settings.associates.listed_days,
            triggers=settings.triggers,
        )


# what the attention tables read of the history: escalation's rules, the alerts and the associates
HISTORY_READS = (
    "episode_id",
    "child_id",
    "category",
    "strategy_meeting_at",
    *RULE_INPUTS,
    *DERIVED_COLUMNS,  # there already, so not derived again
)
PLACE_READS = ("establishment_id", "from_postcode", "found_postcode")  # and the pairs', unless given


def history_until(
    episodes: pd.DataFrame, end: date, filters: dict[str, list[str]] | None = None, places: bool = True
) -> pd.DataFrame:
    """Every episode reported up to the end of `end` that passes the filters, with the columns the attention
    tables read (HISTORY_READS), the places the pairs are found from unless not `places` (the pairs given as
    rows, `metrics.together.rows_among`) and the filters': choosing a million rows of every column cost twice
    as much."""
    if all(column in episodes for column in DERIVED_COLUMNS):  # else they are derived from many more columns
        # distance_miles is one of them, so escalation reads no coordinates
        reads = {*HISTORY_READS, *(PLACE_READS if places else ())} - set(COORDINATES) | set(filters or {})
        episodes = episodes[[column for column in episodes.columns if column in reads]]
    return select_episodes(episodes, EARLIEST, end, filters)


def in_period(history: pd.DataFrame, start: date) -> pd.DataFrame:
    """The history's episodes reported from `start` on: in time order (as chosen from the loaded episodes) a slice
    found by binary search, not a copy of half a million rows."""
    reported = history["reported_at"]
    if reported.is_monotonic_increasing:
        return history.iloc[
            np.searchsorted(reported.to_numpy(dtype="datetime64[ns]"), pd.Timestamp(start).to_datetime64()) :
        ]
    return history.loc[(reported >= pd.Timestamp(start)).to_numpy()]


def escalation_table(history: pd.DataFrame, start: date, end: date, settings: AttentionSettings) -> pd.DataFrame:
    """reason,subject,first_met,episode_ids."""
    return escalating_children(history, start, end, settings.escalation)


@dataclass(frozen=True)
class Associates:
    """The associates (pairs of children) and who is listed for the period."""

    pairs_of_children: pd.DataFrame
    listed: pd.DataFrame


def associate_tables(
    history: pd.DataFrame,
    start: date,
    end: date,
    settings: AttentionSettings,
    pairs: tuple[PairRows, PairRows] | None = None,
) -> Associates:
    """`pairs`: the history's pairs missing together and found together, as rows of `history`, when already
    worked out (the app keeps every episode's, `metrics.together.rows_among`); else found here."""
    together, found = pairs or (
        missing_together_rows(history, settings.window_minutes),
        found_together_rows(history, settings.found_window_hours),
    )
    return Associates(*associates_and_listed(history, together, found, start, end, settings.listed_days))


def meeting_list(
    history: pd.DataFrame, start: date, end: date, settings: AttentionSettings, as_of: date | datetime | None = None
) -> pd.DataFrame:
    """The children to discuss in the period: child_id, reasons, first_met and each kind of reason."""
    return attention_tables(history, start, end, settings, as_of)[0]


def attention_tables(
    history: pd.DataFrame,
    start: date,
    end: date,
    settings: AttentionSettings,
    as_of: date | datetime | None = None,
    pairs: tuple[PairRows, PairRows] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, Associates]:
    """(meeting_list, escalation_table, associate_tables) of the period, each worked out once: the Who to
    discuss page shows all three, and the meeting list is made from the other two. `pairs`: as for
    `associate_tables`."""
    period = in_period(history, start)
    alerts = child_alerts(period, settings.triggers, as_of)
    escalation = escalation_table(history, start, end, settings)
    linked = associate_tables(history, start, end, settings, pairs)
    return children_to_discuss(alerts, escalation, linked.listed), escalation, linked
