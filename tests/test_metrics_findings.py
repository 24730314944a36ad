"""Written findings (domain.md section 9): each rule on a hand-worked case, the ranking, and a
property test that no publication sentence carries a count from 1 to 4."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.findings import findings
from metrics.process_control import ProcessControlSettings
from tests.support import EPISODE_COLUMNS

YEAR = (date(2015, 4, 1), date(2016, 3, 31))  # its trend window: April 2014 to March 2016
MONTHS = [str(p) for p in pd.period_range("2014-04", "2016-03", freq="M")]
FIXED = ProcessControlSettings(baseline_months=12)  # limits from April 2014 to March 2015
COLUMNS = [
    *EPISODE_COLUMNS,
    "establishment_id",
    "establishment_name",
    "from_district",
    "returned_at_date_only",
]


def episodes(per_month: dict[str, int], hours: float = 1, **values) -> pd.DataFrame:
    """`per_month[month]` away-from-home episodes in each month, one child a month (so children
    and persistent runaways stay flat), each `hours` long; other columns from `values`."""
    rows = []
    for month, count in per_month.items():
        for i in range(count):
            reported = pd.Timestamp(f"{month}-01 10:00") + pd.Timedelta(hours=i)
            rows.append(
                {
                    "episode_id": f"E{month}-{i}",
                    "child_id": f"C{month}",
                    "category": "away",
                    "missing_from": "home",
                    "reported_at": reported,
                    "returned_at": reported + pd.Timedelta(hours=hours),
                    "returned_at_date_only": False,
                    **values,
                }
            )
    return typed(pd.DataFrame(rows).reindex(columns=COLUMNS))


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Datetime columns as datetimes and the date-only flag as booleans, as load_episodes gives them."""
    for column in ("reported_at", "returned_at", "rhi_offered_at", "rhi_completed_at"):
        frame[column] = pd.to_datetime(frame[column])
    frame["returned_at_date_only"] = frame["returned_at_date_only"].fillna(False).astype(bool)
    return frame


def both(*frames: pd.DataFrame) -> pd.DataFrame:
    return typed(pd.concat(frames, ignore_index=True).sort_values("reported_at", ignore_index=True))


def sentences(found, kind=None):
    return [f.sentence for f in found if kind is None or f.kind == kind]


ALTERNATING = {month: 10 + 2 * (i % 2) for i, month in enumerate(MONTHS[:-1])}  # mean 11, limits 5.68 to 16.32


def test_a_point_beyond_the_upper_limit():
    found = findings(episodes({**ALTERNATING, "2016-03": 30}), *YEAR, FIXED)
    assert sentences(found) == [
        "Episodes, 30 in March 2016, are above the upper process limit (16.3): a real rise, not noise, higher than "
        "usual."
    ]
    assert (found[0].kind, found[0].measure, found[0].link, found[0].numbers["value"]) == (
        "signal",
        "episodes",
        "trends",
        30,
    )


def test_no_signal_no_finding():
    assert findings(episodes({**ALTERNATING, "2016-03": 16}), *YEAR, FIXED) == []


def test_a_measure_going_the_wrong_way_comes_first():
    # March's 30 episodes all last two days: over-24-hour episodes (lower is better) rise from none
    found = findings(both(episodes(ALTERNATING), episodes({"2016-03": 30}, hours=48)), *YEAR, FIXED)
    assert [(f.measure, f.rank) for f in found] == [("over_24_hours", 0), ("episodes", 1)]
    assert found[0].sentence == (
        "Episodes that may have lasted over 24 hours, 30 in March 2016, are above the upper process limit (0.0): "
        "a real rise, not noise, worse than usual."
    )


def test_a_shift_names_its_run():
    # limits from the first year (11 +- 5.32); July 2015 on the mean; then 8 months at 14, inside the limits
    counts = {**{m: ALTERNATING[m] for m in MONTHS[:15]}, MONTHS[15]: 11, **{m: 14 for m in MONTHS[16:]}}
    found = findings(episodes(counts), *YEAR, FIXED)
    assert sentences(found) == [
        (
            "Episodes have been above their mean (11.0) for 8 months in a row to March 2016 (14): a real rise, "
            "not noise, higher than usual."
        )
    ]


def districts(last_month_b23: int, usual_b23: int) -> pd.DataFrame:
    """Ten districts with 5 episodes a month and B23 with `usual_b23`, then `last_month_b23` in March 2016."""
    months = MONTHS[-13:]
    frames = [episodes({m: 5 for m in months}, from_district=f"D{d:02d}") for d in range(1, 11)]
    frames.append(episodes({**{m: usual_b23 for m in months[:-1]}, months[-1]: last_month_b23}, from_district="B23"))
    return both(*frames)


def test_a_district_entering_the_ten_busiest_at_1_5_times_its_mean():
    found = findings(districts(6, 1), *YEAR, FIXED)
    assert sentences(found, "district") == [
        "Postcode district B23 entered the ten busiest in March 2016 with 6 episodes, 6.0 times its monthly mean of "
        "1.0."
    ]
    assert found[-1].link == "hotspots"


def test_a_district_entering_the_ten_busiest_below_1_5_times_its_mean_is_no_finding():
    # B23 was 11th with 4 a month; with 5 it enters the ten (ties by name) but 5 < 1.5 x 4
    assert sentences(findings(districts(5, 4), *YEAR, FIXED), "district") == []


HOME = {"establishment_id": "H1", "establishment_name": "Oak House"}


@pytest.mark.parametrize(
    "march, expected",
    [
        (7, ["Oak House had 7 episodes in March 2016, its most in 12 months (previous highest 6)."]),
        (6, []),  # equal to its highest: not a new high
    ],
)
def test_a_home_at_its_highest_in_12_months(march, expected):
    counts = {m: 3 for m in MONTHS[-12:-1]} | {"2015-07": 6, "2016-03": march}
    assert sentences(findings(episodes(counts, **HOME), *YEAR, FIXED), "home") == expected


def test_a_home_new_high_in_publication_reads_fewer_than_5():
    counts = {m: 1 for m in MONTHS[-12:-1]} | {"2016-03": 3}
    assert sentences(findings(episodes(counts, **HOME), *YEAR, FIXED, suppress_below=5), "home") == [
        "Oak House had fewer than 5 episodes in March 2016, its most in 12 months (previous highest fewer than 5)."
    ]


@pytest.mark.parametrize(
    "date_only, expected",
    [
        (
            3,
            (
                "30.0% of episodes (3 of 10) in 1 Mar 2016 to 31 Mar 2016 have a time recorded as a date only, "
                "so durations and 72-hour checks are uncertain for them."
            ),
        ),
        (2, None),  # 20.0% is not over 20%
    ],
)
def test_date_only_share_over_20_percent(date_only, expected):
    march = both(episodes({"2016-03": date_only}, returned_at_date_only=True), episodes({"2016-03": 10 - date_only}))
    march["episode_id"] = [f"E{i}" for i in range(10)]
    found = sentences(findings(march, date(2016, 3, 1), date(2016, 3, 31), FIXED), "date_only")
    assert found == ([expected] if expected else [])


def test_date_only_share_in_publication():
    march = both(episodes({"2016-03": 3}, returned_at_date_only=True), episodes({"2016-03": 7}))
    march["episode_id"] = [f"E{i}" for i in range(10)]
    [sentence] = sentences(findings(march, date(2016, 3, 1), date(2016, 3, 31), FIXED, suppress_below=5), "date_only")
    assert sentence.startswith("More than 20% of episodes (fewer than 5 of 10) in 1 Mar 2016 to 31 Mar 2016")


def test_at_most_8_most_serious_first():
    homes = [
        episodes(
            {m: 1 for m in MONTHS[-12:-1]} | {"2016-03": 2 + h},
            establishment_id=f"H{h}",
            establishment_name=f"Home {h}",
        )
        for h in range(10)
    ]
    found = findings(both(*homes), *YEAR, FIXED)
    assert len(found) == 8
    assert [f.rank for f in found] == sorted(f.rank for f in found)
    assert found[0].kind == "signal"


# ---- no publication sentence carries a count from 1 to 4 ------------------------------------

DATES = re.compile(r"\b\d{1,2} [A-Z][a-z]{2} \d{4}\b")  # "1 Mar 2016": a date, not a count
SMALL_COUNT = re.compile(r"(?<![\w.])(?<!\d,)[1-4](?![\w%]|\.\d|,\d)")  # not in "B1", "1.5", "1,234", "4%"

episode_rows = st.lists(
    st.tuples(
        st.sampled_from(MONTHS[-14:]),  # month
        st.integers(0, 27),  # day
        st.sampled_from(["C1", "C2", "C3", "C4", "C5"]),
        st.sampled_from(["missing", "absent", "away"]),
        st.sampled_from(["home", "care"]),
        st.one_of(st.none(), st.integers(1, 100)),  # hours missing (None: still missing)
        st.one_of(st.none(), st.integers(0, 120)),  # hours from return to the interview offer
        st.booleans(),  # returned_at date-only
        st.sampled_from([None, "H1", "H2"]),
        st.sampled_from([None, "B1", "B2", "B3", "B23"]),
    ),
    max_size=60,
)


@settings(max_examples=25, deadline=None)
@given(rows=episode_rows, month_sizes=st.lists(st.integers(0, 4), min_size=24, max_size=24))
def test_no_publication_finding_carries_a_count_from_1_to_4(rows, month_sizes):
    frame = []
    for i, (month, day, child, category, home_care, hours, offer, date_only, home, district) in enumerate(rows):
        reported = pd.Timestamp(f"{month}-01 12:00") + pd.Timedelta(days=day)
        returned = None if hours is None else reported + pd.Timedelta(hours=hours)
        offered = None if returned is None or offer is None else returned + pd.Timedelta(hours=offer)
        frame.append(
            {
                "episode_id": f"R{i}",
                "child_id": child,
                "category": category,
                "missing_from": home_care,
                "reported_at": reported,
                "returned_at": returned,
                "rhi_offered_at": offered,
                "rhi_outcome": "completed" if offered is not None else None,
                "rhi_completed_at": offered,
                "establishment_id": home,
                "establishment_name": home and f"Home {home}",
                "from_district": district,
                "returned_at_date_only": bool(date_only and returned is not None),
            }
        )
    generated = typed(pd.DataFrame(frame).reindex(columns=COLUMNS))
    small_months = episodes(
        dict(zip(MONTHS, month_sizes, strict=True))
    )  # a long series of small counts: signals on them
    every = both(generated, small_months)
    for found in findings(every, *YEAR, ProcessControlSettings(), suppress_below=5):
        text = DATES.sub("", found.sentence)
        assert not SMALL_COUNT.search(text), found.sentence
