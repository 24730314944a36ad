"""Alert lists for the Operational Group (domain.md section 5).

Each alert names its subject (a child, an episode or a place), the date the
condition was first met and the episodes behind it. Thresholds come in as
`TriggerThresholds` (`[triggers]` of the settings, passed by the page or report).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from config.sections import TriggerThresholds
from metrics.filters import run_starts
from metrics.time_limits import DAY_NS, HOUR_NS, date_only_flags, has_date_only_time, may_exceed, opening
from metrics.together import episode_place

TRIGGERS = (
    "3_missing_in_90_days",
    "3_absent_in_90_days",
    "missing_over_72_hours",
    "strategy_meeting_overdue",
    "location_5_in_30_days",
)
COLUMNS = ["trigger", "subject", "first_met", "episode_ids"]
# alerts about a place, not a child: they stay with the places (a busy home would otherwise put every child
# who lives there on a child's list)
PLACE_TRIGGERS = ("location_5_in_30_days",)
# the times the alerts' limits are measured between (the counting windows compare reported_at)
ALERT_TIMES = ("reported_at", "returned_at")


def _as_dates(ns: np.ndarray) -> np.ndarray:
    return ns.view("datetime64[ns]").astype("datetime64[D]").astype(object)


def counting_alerts(
    trigger: str,
    subjects: pd.Series,
    episodes: pd.DataFrame,
    count: int,
    window_days: int,
    only: np.ndarray | None = None,
) -> pd.DataFrame:
    """Subjects with `count` episodes whose first and last reported_at are at most `window_days` apart.

    Once per subject: first_met is the reported_at date of the episode completing
    the count in the earliest such window. Where either end is date-only the
    dates are compared. `only` (a flag per episode) limits which episodes count.
    """
    met = _earliest_windows(subjects, episodes, count, window_days, only)
    if met is None:
        return pd.DataFrame(columns=COLUMNS)
    hits, rows, subject_codes, subject_names, times = met
    windows = rows[hits[:, None] - np.arange(count - 1, -1, -1)[None, :]]
    ids = episodes["episode_id"].iloc[windows.ravel()].astype(str).to_numpy().reshape(windows.shape)
    return pd.DataFrame(
        {
            "trigger": trigger,
            "subject": np.asarray(subject_names, dtype=object)[subject_codes[hits]].astype(str),
            "first_met": _as_dates(times[hits]),
            "episode_ids": ids.tolist(),
        },
        columns=COLUMNS,
    )


def _earliest_windows(
    subjects: pd.Series, episodes: pd.DataFrame, count: int, window_days: int, only: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, object, np.ndarray] | None:
    """`counting_alerts`' rule: (hits, rows, subject codes, subject names, times), the counted episodes sorted by
    subject then time, `hits` the position completing each subject's earliest window (None: too few episodes)."""
    counted = (subjects.notna() & episodes["reported_at"].notna()).to_numpy()
    keep = np.flatnonzero(counted if only is None else counted & only)
    subject_codes, subject_names = pd.factorize(subjects.iloc[keep])
    times = episodes["reported_at"].to_numpy(dtype="datetime64[ns]")[keep].view("int64")
    date_only = date_only_flags(episodes, "reported_at")[keep]
    if len(times) and (np.diff(times) >= 0).all():  # episodes come sorted by time: sort by subject alone
        # the smallest integer type: numpy radix-sorts 16-bit codes (up to 65,536 subjects) in linear time
        order = np.argsort(subject_codes.astype(np.min_scalar_type(max(int(subject_codes.max()), 0))), kind="stable")
    else:
        order = np.lexsort((times, subject_codes))  # stable: equal times keep frame order
    subject_codes, times, date_only, rows = subject_codes[order], times[order], date_only[order], keep[order]
    back = count - 1
    if len(times) <= back:
        return None
    last = np.arange(back, len(times))
    first = last - back
    same_subject = subject_codes[last] == subject_codes[first]
    exact = times[last] - times[first] <= window_days * DAY_NS
    by_date = (times[last] // DAY_NS) - (times[first] // DAY_NS) <= window_days
    met = same_subject & np.where(date_only[last] | date_only[first], by_date, exact)
    hits = last[met]
    hit_subjects = subject_codes[hits]  # already sorted by subject, then time
    hits = hits[run_starts(hit_subjects)]  # earliest per subject
    return hits, rows, subject_codes, subject_names, times


def _as_of_moment(as_of: date | datetime | None) -> tuple[pd.Timestamp, date]:
    """A datetime counts as that moment; a date means by the end of that day."""
    if as_of is None:
        as_of = datetime.now()
    if isinstance(as_of, datetime):
        return pd.Timestamp(as_of), as_of.date()
    return pd.Timestamp(as_of) + pd.Timedelta(days=1) - pd.Timedelta(1, "ns"), as_of


def over_hours(episodes: pd.DataFrame, hours: int, as_of: date | datetime | None = None) -> np.ndarray:
    """Missing episodes that may have lasted over `hours`, or are still open more than `hours` after
    they began (by `as_of`): in doubt the alert fires (`metrics.time_limits`)."""
    moment, _ = _as_of_moment(as_of)
    began = opening(episodes["reported_at"], date_only_flags(episodes, "reported_at"))
    closed_over = may_exceed(episodes, "reported_at", "returned_at", hours)
    open_over = episodes["returned_at"].isna().to_numpy() & ~np.isnat(began)
    open_over &= (moment.to_datetime64() - began) > np.timedelta64(hours * HOUR_NS, "ns")
    missing = (episodes["category"] == "missing").to_numpy(dtype=bool)
    return missing & (closed_over | open_over)


@dataclass(frozen=True)
class TriggerWords:
    """How a trigger reads, the same on the Alerts page and in a paper: `label` heads its list,
    `short` fits a metric card on a projector, `definition` says when it is met, `subject` names
    what an alert is about when that is not a child (an Episode, a Place)."""

    label: str
    short: str
    definition: str
    subject: str | None


def trigger_words(thresholds: TriggerThresholds) -> dict[str, TriggerWords]:
    """Each trigger's words (in `TRIGGERS` order) with the council's numbers (`[triggers]`) in them."""
    t = thresholds
    return {
        "3_missing_in_90_days": TriggerWords(
            f"{t.missing_count} missing episodes within {t.missing_window_days} days",
            f"{t.missing_count} missing, {t.missing_window_days} days",
            "A child whose missing episodes reached the count within the window; first met on the day of the "
            "episode that completed it. Such children are discussed at the MASE meeting.",
            None,
        ),
        "3_absent_in_90_days": TriggerWords(
            f"{t.absent_count} absent episodes within {t.absent_window_days} days",
            f"{t.absent_count} absent, {t.absent_window_days} days",
            "The same for absent episodes.",
            None,
        ),
        "missing_over_72_hours": TriggerWords(
            f"Missing over {t.missing_over_hours} hours",
            f"Missing over {t.missing_over_hours}h",
            "A missing episode that lasted, or has been open, longer than this; first met at that point.",
            "Episode",
        ),
        "strategy_meeting_overdue": TriggerWords(
            "Strategy meeting overdue",
            "Meeting overdue",
            f"An episode missing over {t.missing_over_hours} hours with no strategy meeting within "
            f"{t.strategy_meeting_working_days} working days of that point; first met the day after the deadline.",
            "Episode",
        ),
        "location_5_in_30_days": TriggerWords(
            f"{t.location_count} episodes from one place within {t.location_window_days} days",
            f"{t.location_count} from one place",
            "A children's home or address (where no home is given) that children went missing from this often.",
            "Place",
        ),
    }


def date_only_alert_episodes(episodes: pd.DataFrame) -> tuple[int, int]:
    """(episodes with a date-only report or return time, episodes): what the note beside the alerts counts."""
    return int(has_date_only_time(episodes, ALERT_TIMES).sum()), len(episodes)


def _counting_rules(episodes: pd.DataFrame, settings: TriggerThresholds, places: bool = True) -> list[tuple]:
    """(trigger, subjects, count, window days, only) of each trigger that counts episodes (`counting_alerts`);
    without the place's (PLACE_TRIGGERS) when not `places`."""
    category = episodes["category"]
    child = episodes["child_id"]
    rules = [
        (
            "3_missing_in_90_days",
            child,
            settings.missing_count,
            settings.missing_window_days,
            (category == "missing").to_numpy(dtype=bool),
        ),
        (
            "3_absent_in_90_days",
            child,
            settings.absent_count,
            settings.absent_window_days,
            (category == "absent").to_numpy(dtype=bool),
        ),
    ]
    if places:
        rules.append(
            (
                "location_5_in_30_days",
                episode_place(episodes),
                settings.location_count,
                settings.location_window_days,
                None,
            )
        )
    return rules


def _long_missing(
    episodes: pd.DataFrame, settings: TriggerThresholds, as_of: date | datetime | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(over, point dates, deadlines, overdue): the missing episodes over the hours (a flag per episode), and for
    each of them the day it passed them, its strategy meeting deadline and whether that passed with no meeting."""
    _, as_of_date = _as_of_moment(as_of)
    over = over_hours(episodes, settings.missing_over_hours, as_of)
    began = opening(episodes["reported_at"], date_only_flags(episodes, "reported_at"))[over]  # 00:00 if date-only
    point = began + np.timedelta64(settings.missing_over_hours * HOUR_NS, "ns")
    point_dates = point.astype("datetime64[D]")
    deadline = np.busday_offset(point_dates, settings.strategy_meeting_working_days, roll="backward")
    meeting = episodes.loc[over, "strategy_meeting_at"].dt.normalize().to_numpy(dtype="datetime64[D]")
    held_in_time = ~np.isnat(meeting) & (meeting <= deadline)
    overdue = (deadline < np.datetime64(as_of_date, "D")) & ~held_in_time
    return over, point_dates, deadline, overdue


def trigger_counts(
    episodes: pd.DataFrame, thresholds: TriggerThresholds | None = None, as_of: date | datetime | None = None
) -> dict[str, int]:
    """How many alerts `triggers` lists for each trigger (in `TRIGGERS` order), without listing them or the
    episodes behind them: the Overview's tile, for this period and the one before."""
    settings = thresholds or TriggerThresholds()
    counts = {}
    for trigger, subjects, count, window_days, only in _counting_rules(episodes, settings):
        met = _earliest_windows(subjects, episodes, count, window_days, only)
        counts[trigger] = 0 if met is None else len(met[0])
    over, _, _, overdue = _long_missing(episodes, settings, as_of)
    counts["missing_over_72_hours"], counts["strategy_meeting_overdue"] = int(over.sum()), int(overdue.sum())
    return {trigger: counts[trigger] for trigger in TRIGGERS}


def triggers(
    episodes: pd.DataFrame, thresholds: TriggerThresholds | None = None, as_of: date | datetime | None = None
) -> pd.DataFrame:
    """trigger,subject,first_met,episode_ids for every alert among these episodes.

    `as_of` (default now) decides which open episodes have passed 72 hours and
    which strategy meeting deadlines are past.
    """
    settings = thresholds or TriggerThresholds()
    parts = [
        counting_alerts(trigger, subjects, episodes, count, window_days, only)
        for trigger, subjects, count, window_days, only in _counting_rules(episodes, settings)
    ]
    over, point_dates, deadline, overdue = _long_missing(episodes, settings, as_of)
    long_ids = episodes.loc[over, "episode_id"].astype(str).to_numpy()
    parts.append(
        pd.DataFrame(
            {
                "trigger": "missing_over_72_hours",
                "subject": long_ids,
                "first_met": point_dates.astype(object),
                "episode_ids": long_ids[:, None].tolist(),
            },
            columns=COLUMNS,
        )
    )
    parts.append(
        pd.DataFrame(
            {
                "trigger": "strategy_meeting_overdue",
                "subject": long_ids[overdue],
                "first_met": (deadline[overdue] + np.timedelta64(1, "D")).astype(object),
                "episode_ids": long_ids[overdue][:, None].tolist(),
            },
            columns=COLUMNS,
        )
    )

    table = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else pd.DataFrame(columns=COLUMNS)
    )
    # by trigger, first_met and subject, ties kept in order: Arrow's stable sort, not pandas' over Python objects
    keys = pa.table(
        {
            "order": table["trigger"].map({t: i for i, t in enumerate(TRIGGERS)}).to_numpy(dtype="int64"),
            "first_met": pa.array(table["first_met"].to_numpy(dtype=object), type=pa.date32()),
            "subject": pa.array(table["subject"].to_numpy(dtype=object), type=pa.string()),
        }
    )
    order = pc.sort_indices(
        keys, sort_keys=[("order", "ascending"), ("first_met", "ascending"), ("subject", "ascending")]
    )
    return table.iloc[order.to_numpy()].reset_index(drop=True)[COLUMNS]


def child_alerts(
    episodes: pd.DataFrame, thresholds: TriggerThresholds | None = None, as_of: date | datetime | None = None
) -> pd.DataFrame:
    """trigger, child_id, first_met (datetime64[D]): the alerts `triggers` lists about a child or one of their
    episodes (not the place alerts), each with its child, in no particular order: the meeting list's alerts,
    found without writing out the episodes behind them and looking those up again by their ids' text."""
    settings = thresholds or TriggerThresholds()
    parts = []
    for trigger, subjects, count, window_days, only in _counting_rules(episodes, settings, places=False):
        met = _earliest_windows(subjects, episodes, count, window_days, only)
        if met is not None:
            hits, _, subject_codes, subject_names, times = met
            children = np.asarray(subject_names, dtype=object)[subject_codes[hits]].astype(str)
            parts.append((trigger, children, times[hits].view("datetime64[ns]").astype("datetime64[D]")))
    over, point_dates, deadline, overdue = _long_missing(episodes, settings, as_of)
    children = episodes["child_id"].iloc[np.flatnonzero(over)].astype(str).to_numpy(dtype=object)
    parts.append(("missing_over_72_hours", children, point_dates))
    parts.append(("strategy_meeting_overdue", children[overdue], deadline[overdue] + np.timedelta64(1, "D")))
    return pd.DataFrame(
        {
            "trigger": np.repeat([trigger for trigger, _, _ in parts], [len(days) for _, _, days in parts]),
            "child_id": np.concatenate([children for _, children, _ in parts]),
            "first_met": np.concatenate([days for _, _, days in parts]).astype("datetime64[D]"),
        }
    )
