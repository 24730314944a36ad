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

from metrics.filters import select_episodes
from metrics.process_control import MEASURES, ProcessControlSettings, process_control_tables
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
    """Episodes per value of `column` (rows, sorted; every value with a reported month) and month
    (columns, every month of `months`): counted on whole-number codes, not a groupby over text."""
    codes, values = pd.factorize(episodes[column])
    month = np.asarray(episodes["reported_at"], dtype="datetime64[ns]").astype("datetime64[M]")
    wanted = np.array([np.datetime64(m, "M") for m in months], dtype="datetime64[M]").astype("int64")
    column_of = pd.Index(wanted).get_indexer(month.astype("int64"))
    known = (codes >= 0) & ~np.isnat(month)
    places = np.asarray(values, dtype=object)
    present = np.unique(codes[known])
    order = present[sorted(range(len(present)), key=lambda i: places[present[i]])]  # as groupby sorts the values
    row_of = np.full(len(places), -1)
    row_of[order] = np.arange(len(order))
    counted = known & (column_of >= 0)
    cells = np.bincount(
        row_of[codes[counted]] * len(months) + column_of[counted], minlength=len(order) * len(months)
    ).reshape(len(order), len(months))
    return pd.DataFrame(
        cells.astype("int64"), index=pd.Index(places[order], name="place"), columns=pd.Index(months, name="month")
    )


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
    columns = [c for c in ("reported_at", "establishment_id", "establishment_name") if c in episodes]
    recent = episodes.loc[(episodes["reported_at"] >= pd.Timestamp(first)).to_numpy(), columns]  # not every column
    counts = _monthly_by(recent, "establishment_id", months)
    if counts.empty:
        return []
    now = counts[months[-1]]
    before = counts[months[:-1]].max(axis=1) if len(months) > 1 else now * 0
    rising = counts[(now > before) & (now > 0)]
    named = recent.loc[recent["establishment_id"].isin(rising.index).to_numpy()]  # the first row of each names it
    names = named.drop_duplicates("establishment_id").set_index("establishment_id")
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
    in_window = ((reported >= pd.Timestamp(first)) & (reported < pd.Timestamp(last) + pd.Timedelta(days=1))).to_numpy()
    window = episodes if in_window.all() else episodes[in_window]  # chosen for the window already: not copied
    found: list[Finding] = []
    tables = process_control_tables(window, MEASURES, first, last, settings, as_of=last)
    for name, table in tables.items():
        finding = signal_finding(name, table, words)
        if finding:
            found.append(finding)
    months = list(pd.period_range(pd.Timestamp(first), pd.Timestamp(last), freq="M").strftime("%Y-%m"))
    found += district_findings(window, months[-(HOME_MONTHS + 1) :], words)
    found += home_findings(window, last, words)
    flags = [f"{column}_date_only" for column in DATE_ONLY_COLUMNS if f"{column}_date_only" in window]
    period = window.loc[(window["reported_at"] >= pd.Timestamp(start)).to_numpy(), flags]  # what the finding reads
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
