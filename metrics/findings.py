"""Written findings (domain.md section 9): plain sentences with their numbers, worked out by
rules, never typed by hand, each naming its period and the page behind it.

`findings` takes the episodes that pass the filters (any dates: the rules look back up to 24
months before the period's end), the period and the settings, and returns at most 8 findings,
most serious first. With `suppress_below` (publication and viewers, section 6) a count from 1
to 4 reads `fewer than 5`, and a percentage built on one is not given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from metrics.filters import month_labels, select_episodes
from metrics.process_control import MEASURES, ProcessControlSettings, process_control_table
from metrics.rounding import percent
from metrics.time_limits import date_only_flags
from metrics.trend import last_months, trend_window

MOST_FINDINGS = 8
BUSIEST_DISTRICTS = 10
DISTRICT_FACTOR = 1.5  # a district entering the ten busiest with at least this times its own monthly mean
HOME_MONTHS = 12
DATE_ONLY_SHARE = 20.0  # % of episodes with a date-only time above which a finding says so
DATE_ONLY_COLUMNS = (
    "reported_at",
    "returned_at",
    "rhi_offered_at",
    "rhi_completed_at",
    "safe_and_well_at",
    "strategy_meeting_at",
)
LINKS = {
    "signal": "trends",
    "timeliness": "trends",
    "district": "hotspots",
    "home": "childrens_homes",
    "date_only": "data_quality",
}
# Seriousness, most serious first: a signal going the wrong way on a measure with a direction,
# then any other signal beyond a limit, then runs, then places, then data quality.
RANK = {
    "wrong_way": 0,
    "outside_limits": 1,
    "shift": 2,
    "trend": 2,
    "two_of_three": 3,
    "right_way": 4,
    "district": 5,
    "home": 6,
    "date_only": 7,
}


@dataclass(frozen=True)
class Finding:
    """One sentence and what it rests on: `measure` names the series or table, `numbers` the
    values in the sentence (unsuppressed), `link` the page (URL path) that shows them."""

    kind: str
    sentence: str
    measure: str
    numbers: dict[str, float] = field(default_factory=dict)
    link: str = ""
    rank: int = 0


class Wording:
    """Counts as a sentence gives them: `fewer than 5` for 1-4 when suppressing."""

    def __init__(self, suppress_below: int | None) -> None:
        self.below = suppress_below

    def hidden(self, count: float) -> bool:
        return self.below is not None and 0 < count < self.below

    def count(self, count: float) -> str:
        return f"fewer than {self.below}" if self.hidden(count) else f"{int(count):,}"

    def episodes(self, count: float) -> str:
        return f"{self.count(count)} episode{'' if count == 1 and not self.hidden(count) else 's'}"


def _finding(kind: str, sentence: str, measure: str, numbers: dict[str, float]) -> Finding:
    """A finding of a kind that always links to one page and ranks the same (LINKS, RANK)."""
    return Finding(kind, sentence, measure, numbers, LINKS[kind], RANK[kind])


def month_name(month: str) -> str:
    return f"{pd.Timestamp(month + '-01'):%B %Y}"


def _run_length(table: pd.DataFrame, signal: str) -> int:
    """How many points up to the last carry `signal`, in a row."""
    length = 0
    for signals in reversed(list(table["signals"])):
        if signal not in signals:
            break
        length += 1
    return length


def signal_finding(name: str, table: pd.DataFrame, words: Wording) -> Finding | None:
    """What the latest month's signal says about one series, or None when it has none."""
    if table.empty or not table["signals"].iloc[-1]:
        return None
    measure = MEASURES[name]
    last = table.iloc[-1]
    signal = last["signals"][0]
    value, mean = float(last["value"]), float(last["mean"])
    rising = value > mean
    month = month_name(str(last["month"]))
    if measure.rate:
        shown = "a share not given (fewer than 5 episodes)" if words.hidden(last["count"]) else f"{value:.1f}%"
        unit = "%"
    else:
        shown, unit = words.count(value), ""
    if measure.better == "neutral":
        verdict, rank = ("higher" if rising else "lower") + " than usual", RANK[signal]
    else:
        better = rising == (measure.better == "higher")
        verdict = "better than usual" if better else "worse than usual"
        rank = RANK["right_way"] if better else RANK["wrong_way"]
    label, side, change = measure.label, "above" if rising else "below", "rise" if rising else "fall"
    if signal == "outside_limits":
        edge, limit = ("upper", last["upper_limit"]) if rising else ("lower", last["lower_limit"])
        sentence = (
            f"{label}, {shown} in {month}, are {side} the {edge} process limit ({float(limit):,.1f}{unit}): "
            f"a real {change}, not noise, {verdict}."
        )
    elif signal == "shift":
        run = _run_length(table, "shift")
        sentence = (
            f"{label} have been {side} their mean ({mean:,.1f}{unit}) for {run} months in a row to {month} "
            f"({shown}): a real {change}, not noise, {verdict}."
        )
    elif signal == "trend":
        run = _run_length(table, "trend")
        sentence = (
            f"{label} have {'risen' if rising else 'fallen'} {run - 1} months running to {shown} in {month}: "
            f"a real {change}, not noise, {verdict}."
        )
    else:
        sentence = (
            f"{label}, {shown} in {month}, are near the {'upper' if rising else 'lower'} process limit for the "
            f"second time in three months: a likely real {change}, {verdict}."
        )
    kind = "timeliness" if name.startswith("rhi_") else "signal"
    numbers = {
        "value": value,
        "mean": mean,
        "lower_limit": float(last["lower_limit"]),
        "upper_limit": float(last["upper_limit"]),
    }
    return Finding(kind, sentence, name, numbers, LINKS[kind], rank)


def _monthly_by(episodes: pd.DataFrame, column: str, months: list[str]) -> pd.DataFrame:
    """Episodes per value of `column` (rows) and month (columns), every month present."""
    labels = month_labels(episodes["reported_at"])
    frame = pd.DataFrame({"place": episodes[column].astype("object").to_numpy(), "month": labels})
    frame = frame[frame["place"].notna()]
    counts = frame.groupby(["place", "month"]).size().unstack(fill_value=0)
    return counts.reindex(columns=months, fill_value=0)


def district_findings(episodes: pd.DataFrame, months: list[str], words: Wording) -> list[Finding]:
    """Districts in this month's ten busiest that were not last month, with at least 1.5 times
    their own monthly mean over the months before."""
    if len(months) < 2 or "from_district" not in episodes:
        return []
    counts = _monthly_by(episodes, "from_district", months)
    if counts.empty:
        return []

    def busiest(month: str) -> set[str]:
        ranked = counts[month][counts[month] > 0].sort_values(ascending=False, kind="stable")
        ranked = ranked.reset_index().sort_values([month, "place"], ascending=[False, True])
        return set(ranked["place"].head(BUSIEST_DISTRICTS))

    now, before = months[-1], months[-2]
    found = []
    for place in sorted(busiest(now) - busiest(before)):
        count = int(counts.at[place, now])
        mean = float(counts.loc[place, months[:-1]].mean())
        if count >= DISTRICT_FACTOR * mean:  # a district with no episodes before: any count is
            ratio = "" if mean == 0 else f", {count / mean:.1f} times its monthly mean of {mean:,.1f}"
            sentence = (
                f"Postcode district {place} entered the ten busiest in {month_name(now)} with "
                f"{words.episodes(count)}{ratio}."
            )
            found.append(_finding("district", sentence, "hotspots_from_district", {"episodes": count, "mean": mean}))
    return found


def home_findings(episodes: pd.DataFrame, end: date, words: Wording) -> list[Finding]:
    """Children's homes whose episodes this month are their most in 12 months (more than in
    any of the 11 months before)."""
    if "establishment_id" not in episodes:
        return []
    first, _ = last_months(end, HOME_MONTHS)
    months = list(pd.period_range(pd.Timestamp(first), pd.Timestamp(end), freq="M").strftime("%Y-%m"))
    recent = episodes[episodes["reported_at"] >= pd.Timestamp(first)]
    counts = _monthly_by(recent, "establishment_id", months)
    if counts.empty:
        return []
    names = recent.dropna(subset=["establishment_id"]).drop_duplicates("establishment_id").set_index("establishment_id")
    now = counts[months[-1]]
    before = counts[months[:-1]].max(axis=1) if len(months) > 1 else now * 0
    rising = counts[(now > before) & (now > 0)]
    found = []
    for place in sorted(rising.index, key=lambda p: (-int(now[p]), str(p))):
        name = names.get("establishment_name", pd.Series(dtype=object)).get(place)
        name = str(name) if isinstance(name, str) and name else str(place)
        count, previous = int(now[place]), int(before[place])
        earlier = "none in the 11 months before" if previous == 0 else f"previous highest {words.count(previous)}"
        sentence = (
            f"{name} had {words.episodes(count)} in {month_name(months[-1])}, its most in "
            f"{HOME_MONTHS} months ({earlier})."
        )
        found.append(_finding("home", sentence, "hotspots_establishment", {"episodes": count, "previous": previous}))
    return found


def date_only_finding(episodes: pd.DataFrame, period: str, words: Wording) -> Finding | None:
    """Over 20% of the period's episodes with a date-only time: durations and deadlines uncertain."""
    total = len(episodes)
    if total == 0:
        return None
    flagged = np.zeros(total, dtype=bool)
    for column in DATE_ONLY_COLUMNS:
        flagged |= date_only_flags(episodes, column)
    count = int(flagged.sum())
    share = float(percent(count, total))
    if share <= DATE_ONLY_SHARE:
        return None
    shown = (
        f"{share:.1f}% of episodes" if not (words.hidden(count) or words.hidden(total)) else "More than 20% of episodes"
    )
    sentence = (
        f"{shown} ({words.count(count)} of {words.count(total)}) in {period} have a time recorded as a date "
        "only, so durations and 72-hour checks are uncertain for them."
    )
    return _finding("date_only", sentence, "date_only", {"count": count, "total": total, "percent": share})


def period_text(start: date, end: date) -> str:
    return f"{start:%-d %b %Y} to {end:%-d %b %Y}"


def findings(
    episodes: pd.DataFrame,
    start: date,
    end: date,
    settings: ProcessControlSettings,
    suppress_below: int | None = None,
    most: int = MOST_FINDINGS,
) -> list[Finding]:
    """At most `most` findings for the period, most serious first (see the module docstring)."""
    words = Wording(suppress_below)
    first, last = trend_window(start, end)
    reported = episodes["reported_at"]
    window = episodes[
        ((reported >= pd.Timestamp(first)) & (reported < pd.Timestamp(last) + pd.Timedelta(days=1))).to_numpy()
    ]
    period = window[(window["reported_at"] >= pd.Timestamp(start)).to_numpy()]
    found: list[Finding] = []
    for name in MEASURES:
        table = process_control_table(window, name, first, last, settings, as_of=last)
        finding = signal_finding(name, table, words)
        if finding:
            found.append(finding)
    months = list(pd.period_range(pd.Timestamp(first), pd.Timestamp(last), freq="M").strftime("%Y-%m"))
    found += district_findings(window, months[-(HOME_MONTHS + 1) :], words)
    found += home_findings(window, last, words)
    date_only = date_only_finding(period, period_text(start, end), words)
    if date_only:
        found.append(date_only)
    ordered = sorted(enumerate(found), key=lambda pair: (pair[1].rank, pair[0]))
    return [finding for _, finding in ordered][:most]


def period_findings(
    every: pd.DataFrame,
    start: date,
    end: date,
    filters: dict[str, list[str]] | None,
    settings: ProcessControlSettings,
    suppress_below: int | None = None,
    most: int = MOST_FINDINGS,
) -> list[Finding]:
    """`findings` over every episode (as loaded) that passes the filters, reaching back as far as
    the rules need: what the command line, the Overview and the committee pack all call."""
    first, last = trend_window(start, end)
    return findings(select_episodes(every, first, last, filters), start, end, settings, suppress_below, most)
