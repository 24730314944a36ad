"""The analysis pages in AppTest on the tiny hand-written database of tests/test_app.py (March 2015
against February): the numbers each page shows, and the titles its charts carry."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from sqlalchemy import text

from loaders.database import connect
from loaders.store import upsert_episodes, upsert_establishments
from tests.app_support import run_page
from tests.support import build_database

MARCH = {"from": "2015-03-01", "to": "2015-03-31"}


@pytest.fixture
def database_url(tmp_path, monkeypatch) -> str:
    url = build_database(tmp_path / "pages.db")
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def tables(at) -> list[pd.DataFrame]:
    return [frame.value for frame in at.dataframe]


def table_with(at, *columns: str) -> pd.DataFrame:
    """The one table with these columns."""
    found = [t for t in tables(at) if set(columns) <= set(t.columns)]
    assert len(found) == 1, [list(t.columns) for t in tables(at)]
    return found[0]


def rows(table: pd.DataFrame, *columns: str) -> list[tuple]:
    return list(table[list(columns)].itertuples(index=False, name=None))


def chart_titles(at) -> list[str]:
    return [" ".join(json.loads(chart.proto.spec)["title"]["text"]) for chart in at.get("vega_lite_chart")]


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_repeat_runaways(database_url):
    at = run_page("ui/pages/repeat_runaways.py", params=MARCH)
    assert {
        k: metrics(at)[k] for k in ("Children", "Persistent runaways", "Share persistent", "Both missing and absent")
    } == {
        "Children": "3",
        "Persistent runaways": "1",
        "Share persistent": "33.3%",
        "Both missing and absent": "1",
    }
    repeat = table_with(at, "band", "count", "percent")
    assert rows(repeat, "band", "count", "percent") == [
        ("1-2", 2, 66.7),
        ("3-5", 1, 33.3),
        ("6-8", 0, 0.0),
        ("9-19", 0, 0.0),
        ("20+", 0, 0.0),
    ]
    # C1: 3 missing, 1 absent; C2: 1 absent; C3 (away only) is in neither count
    assert rows(table_with(at, "missing", "absent", "children"), "missing", "absent", "children") == [
        ("0", "1", 1),
        ("3", "1", 1),
    ]
    assert chart_titles(at) == [
        "66.7% of children had 1-2 episodes",
        "1 of 2 children were recorded both missing and absent",
    ]


def test_time_and_distance(database_url):
    at = run_page("ui/pages/time_distance.py", params=MARCH)
    duration, distance = (t for t in tables(at) if "group" not in t.columns)
    assert duration["count"].tolist() == [2, 1, 1, 0, 1, 0, 1]
    assert distance["count"].tolist() == [0, 0, 0, 0, 0, 0, 6]  # no postcodes: all Not known
    grouped = [t for t in tables(at) if "group" in t.columns]
    assert len(grouped) == 4  # duration and distance, each by home/care and by category
    by_home_care = grouped[0]
    by_home_care = by_home_care[by_home_care["band"].isin(["0-8 hrs", "8-16 hrs", "Not known"])]
    assert rows(by_home_care, "group", "band", "count", "percent") == [
        ("home", "0-8 hrs", 1, 100.0),
        ("home", "8-16 hrs", 0, 0.0),
        ("home", "Not known", 0, 0.0),
        ("care", "0-8 hrs", 1, 20.0),
        ("care", "8-16 hrs", 1, 20.0),
        ("care", "Not known", 1, 20.0),
    ]
    by_category = grouped[1]
    assert by_category.groupby("group", sort=False)["count"].sum().to_dict() == {"missing": 3, "absent": 2, "away": 1}
    titles = chart_titles(at)
    assert titles[0] == "33.3% of episodes lasted 0-8 hrs"
    assert "Time missing by home or care, each as a share of its own episodes" in titles
    assert len(titles) == 6


def test_return_interviews(database_url):
    at = run_page("ui/pages/return_interviews.py", params=MARCH)
    assert {k: metrics(at)[k] for k in ("Eligible episodes", "Offered", "Completed", "Declined, of those offered")} == {
        "Eligible episodes": "5",
        "Offered": "60.0%",
        "Completed": "40.0%",
        "Declined, of those offered": "33.3%",
    }
    rates = table_with(at, "group", "measure", "denominator").set_index(["group", "measure"])
    assert tuple(rates.loc[("home", "offered")]) == (1, 1, 100.0)
    assert tuple(rates.loc[("care", "offered")]) == (2, 4, 50.0)
    assert tuple(rates.loc[("all", "completed_within_72h")]) == (2, 5, 40.0)
    monthly = table_with(at, "month", "measure")
    assert rows(monthly, "month", "measure", "count", "denominator", "percent")[:2] == [
        ("2015-03", "offered", 3, 5, 60.0),
        ("2015-03", "offered_within_72h", 3, 5, 60.0),
    ]
    outcomes = next(t for t in tables(at) if list(t.columns) == ["band", "count", "percent"])
    assert dict(zip(outcomes["band"], outcomes["count"], strict=True)) == {
        "completed": 2,
        "declined": 1,
        "unable_to_contact": 0,
        "missing_again": 0,
        "pending": 0,
        "not_offered": 0,
        "Not recorded": 2,
    }
    assert chart_titles(at)[0] == "An interview was offered after 60.0% of returns, 60.0% within 72 hours"


def test_demographics(database_url):
    at = run_page("ui/pages/demographics.py", params=MARCH)
    sex, ethnic, age, locality = (t for t in tables(at) if "band" in t.columns)
    assert dict(zip(sex["band"], sex["count"], strict=True)) == {"female": 2, "male": 1, "other": 0, "Not known": 0}
    assert dict(zip(ethnic["band"], ethnic["count"], strict=True)) == {
        "White": 1,
        "Mixed": 0,
        "Asian": 1,
        "Black": 1,
        "Other": 0,
        "Not known": 0,
    }
    assert dict(zip(age["band"], age["count"], strict=True)) == {
        "under 10": 0,
        "10-12": 1,
        "13-15": 2,
        "16-17": 0,
        "Not known": 0,
    }
    assert locality["count"].tolist()[-1] == 6
    trend = table_with(at, "month", "category")
    assert rows(trend, "month", "category", "episodes", "children") == [
        ("2015-03", "missing", 3, 1),
        ("2015-03", "absent", 2, 2),
        ("2015-03", "away", 1, 1),
    ]
    assert chart_titles(at)[:3] == [
        "66.7% of children were female",
        "White: 33.3% of children",
        "66.7% of children were aged 13-15",
    ]


def add_establishments(url: str) -> None:
    """Four more March episodes from two children's homes (one named)."""
    episodes = pd.DataFrame(
        {
            "episode_id": ["E21", "E22", "E23", "E24"],
            "child_id": ["C1", "C2", "C2", "C3"],
            "category": "missing",
            "missing_from": "care",
            "reported_at": pd.to_datetime(
                ["2015-03-03 10:00", "2015-03-04 10:00", "2015-03-05 10:00", "2015-03-06 10:00"]
            ),
            "returned_at": pd.to_datetime(
                ["2015-03-03 12:00", "2015-03-04 12:00", "2015-03-05 12:00", "2015-03-06 12:00"]
            ),
            "establishment_id": ["H1", "H1", "H1", "H2"],
        }
    )
    engine = connect(url)
    with engine.begin() as connection:
        upsert_establishments(
            connection, pd.DataFrame({"establishment_id": ["H1", "H2"], "establishment_name": ["Oak House", None]})
        )
        upsert_episodes(connection, episodes)
    engine.dispose()


def test_childrens_homes(database_url):
    add_establishments(database_url)
    at = run_page("ui/pages/childrens_homes.py", params=MARCH)
    assert {k: metrics(at)[k] for k in ("Establishments", "Episodes from establishments", "Busiest")} == {
        "Establishments": "2",
        "Episodes from establishments": "4",
        "Busiest": "Oak House (H1)",
    }
    ranked = next(t for t in tables(at) if "month" not in t.columns)
    assert rows(ranked, "place", "name", "episodes", "children") == [("H1", "Oak House (H1)", 3, 2), ("H2", "H2", 1, 1)]
    assert rows(table_with(at, "month", "place"), "month", "place", "name", "episodes") == [
        ("2015-03", "H1", "Oak House (H1)", 3),
        ("2015-03", "H2", "H2", 1),
    ]
    assert chart_titles(at)[0] == "The 2 establishments with the most episodes"
    at.radio(key="homes_rank").set_value("Episodes per child").run()
    assert not at.exception
    assert chart_titles(at)[0] == "The 2 establishments with the most episodes per child"


def test_childrens_homes_without_establishments_says_so(database_url):
    at = run_page("ui/pages/childrens_homes.py", params=MARCH)
    assert any("establishment recorded" in i.value for i in at.info)


@pytest.mark.parametrize(
    "page", ["repeat_runaways", "time_distance", "return_interviews", "childrens_homes", "demographics"]
)
def test_a_period_with_no_episodes_says_so(database_url, page):
    at = run_page(f"ui/pages/{page}.py", params={"from": "2016-01-01", "to": "2016-01-31"})
    assert any("No episodes in this period" in i.value for i in at.info)
    assert not at.get("vega_lite_chart")


def test_viewers_see_suppressed_numbers_and_no_unchecked_table(database_url):
    at = run_page("ui/pages/repeat_runaways.py", role="viewer", params=MARCH)
    repeat = table_with(at, "band", "count", "percent")
    assert repeat["count"].tolist()[:2] == ["<5", "<5"]
    assert len(at.get("vega_lite_chart")) == 1  # the per-child grid is not checked for small numbers
    assert any("Not shown to viewers" in i.value for i in at.info)


def make_date_only(url: str, **times: str) -> None:
    """Give episodes date-only times, as an import of a date without a time would: `E2="returned_at=2015-03-06"`."""
    engine = connect(url)
    with engine.begin() as connection:
        for episode_id, change in times.items():
            column, day = change.split("=")
            upsert_episodes(
                connection,
                pd.DataFrame({"episode_id": [episode_id], column: [pd.Timestamp(day)], f"{column}_date_only": [True]}),
            )
    engine.dispose()


def test_return_interviews_say_when_no_episode_has_a_date_only_time(database_url):
    at = run_page("ui/pages/return_interviews.py", params=MARCH)
    assert "None of these 5 episodes has a date-only time, so no time limit is in doubt." in [
        c.value for c in at.caption
    ]


def test_return_interviews_say_how_many_episodes_have_a_date_only_time(database_url):
    # E5 returned on 20 March, date only; offered 15:00 that day: up to 15 hours, so still within 72
    # E1 returned 2 March 15:00, completed on 5 March, date only: up to 81 hours, so not within 72
    make_date_only(database_url, E5="returned_at=2015-03-20", E1="rhi_completed_at=2015-03-05")
    at = run_page("ui/pages/return_interviews.py", params=MARCH)
    note = (
        "2 of these 5 episodes have a date-only time (a date with no time of day): "
        "a time limit in doubt counts against the deadline and for the alert."
    )
    assert note in [c.value for c in at.caption]
    rates = table_with(at, "group", "measure", "denominator").set_index(["group", "measure"])
    assert tuple(rates.loc[("all", "offered_within_72h")]) == (3, 5, 60.0)
    assert tuple(rates.loc[("all", "completed_within_72h")]) == (1, 5, 20.0)  # E1 no longer counts
    footer = json.loads(at.get("vega_lite_chart")[0].proto.spec)["vconcat"][-1]["mark"]["text"]
    assert note in " ".join(footer)  # the chart, and so its PNG and SVG, carries the note


def test_viewers_read_fewer_than_5_in_the_date_only_note(database_url):
    make_date_only(database_url, E5="returned_at=2015-03-20")
    at = run_page("ui/pages/return_interviews.py", role="viewer", params=MARCH)
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Fewer than 5 of these 5 episodes have a date-only time") for c in captions), captions
    assert not any("1 of these" in c for c in captions)


@pytest.mark.parametrize(
    ("role", "note"),
    [
        ("analyst", "1 of these 5 episodes has a date-only time (a date with no time of day): "),
        ("viewer", "Fewer than 5 of these 5 episodes have a date-only time (a date with no time of day): "),
    ],
)
def test_overview_says_how_many_interview_episodes_have_a_date_only_time(database_url, role, note):
    """The Overview's return interview tiles carry the Return interviews page's note, in the same words."""
    make_date_only(database_url, E5="returned_at=2015-03-20")
    at = run_page("ui/pages/overview.py", role=role, params=MARCH)
    captions = [c.value for c in at.caption]
    assert any(c.startswith(note) for c in captions), captions


def benchmark_titles(at) -> list[str]:
    return [t for t in chart_titles(at) if t.startswith(("Missing:", "Away:"))]


def test_benchmarks_compares_the_year_with_the_dfe(database_url):
    """The tiny database's only year is the one ending March 2015: C1's 3 missing episodes from care
    (E1-E3) and C3's away (E6); Birmingham had 2,717 looked-after children that year (SFR34/2015)."""
    at = run_page("ui/pages/benchmarks.py", params=MARCH)
    assert at.selectbox[0].options == ["2015"]
    assert "DfE figures for the same year, ending 31 March 2015." in [c.value for c in at.caption]
    assert not at.warning
    titles = benchmark_titles(at)
    assert len(titles) == 8
    assert (
        titles[0]
        == "Missing: Children with at least one incident: 1 in Birmingham City Council's own records, 65 in the "
        "DfE's figures"
    )
    assert (
        titles[3]
        == "Missing: % of looked-after children: 0.0% in Birmingham City Council's own records; England 6.2% (from "
        "DfE counts)"
    )
    local = table_with(at, "year", "category", "children", "episodes", "episodes_per_child")
    assert rows(local, "year", "category", "children", "episodes", "episodes_per_child", "looked_after") == [
        (2015, "missing", 1, 3, 3.0, 2717.0),
        (2015, "away", 1, 1, 1.0, 2717.0),
    ]
    children = next(t for t in tables(at) if "shown" in t.columns)
    assert rows(children, "area", "shown") == [
        ("Birmingham City Council (own records)", "1"),
        ("Birmingham City Council (DfE)", "65"),
        ("West Midlands", "610"),
        ("England", "6,110"),
        # Nottingham 72, Middlesbrough 11, ... Manchester 105 (SFR34/2015): 481 / 10
        ("Statistical neighbours", "mean 48.1 (9 to 105, 10 of 10)"),
    ]
    text = " ".join(m.value for m in at.markdown)
    assert "police 'absent' episodes have no dfe equivalent" in text.lower()
    assert "Open Government Licence v3.0" in " ".join(c.value for c in at.caption)
    assert at.query_params["year"] in ("2015", ["2015"])


def test_benchmarks_for_a_year_the_dfe_has_not_published_says_so(database_url):
    """An episode in the year ending March 2014, before the first DfE year shipped (2015)."""
    episodes = pd.DataFrame(
        {
            "episode_id": ["B1"],
            "child_id": ["C1"],
            "category": ["missing"],
            "missing_from": ["care"],
            "reported_at": pd.to_datetime(["2013-10-01 10:00"]),
            "returned_at": pd.to_datetime(["2013-10-01 12:00"]),
        }
    )
    engine = connect(database_url)
    with engine.begin() as connection:
        upsert_episodes(connection, episodes)
    engine.dispose()
    at = run_page("ui/pages/benchmarks.py", params={**MARCH, "year": "2014"})
    assert at.selectbox[0].value == 2014
    assert "has published no figures for the year ending 31 March 2014" in at.warning[0].value
    assert benchmark_titles(at) == []  # nothing compared until asked
    at.checkbox[0].check().run()
    titles = benchmark_titles(at)
    assert len(titles) == 8
    subtitles = [" ".join(json.loads(c.proto.spec)["title"]["subtitle"]) for c in at.get("vega_lite_chart")]
    nearest = [
        s for s in subtitles if "year ending 31 March 2014 (DfE figures: year ending March 2015, the nearest" in s
    ]
    assert len(nearest) == 8


def test_benchmarks_hides_small_own_counts_from_viewers(database_url):
    at = run_page("ui/pages/benchmarks.py", role="viewer", params=MARCH)
    titles = benchmark_titles(at)
    assert (
        titles[0]
        == "Missing: Children with at least one incident: <5 in Birmingham City Council's own records, 65 in the "
        "DfE's figures"
    )
    assert titles[2].startswith("Missing: Incidents per child who had one: * in")
    local = table_with(at, "year", "category", "children", "episodes")
    assert local["children"].tolist() == ["<5", "<5"]


def test_trends_shows_every_series_as_a_process_chart(database_url):
    at = run_page("ui/pages/trends.py", params=MARCH)
    # March alone reaches back to the 24 months April 2013 to March 2015
    assert [h.value for h in at.subheader] == [
        "Episodes",
        "Children with an episode",
        "Missing episodes",
        "Episodes from care",
        "Episodes that may have lasted over 24 hours",
        "Children with four or more episodes in the month",
        "Return interviews offered within 72 hours",
        "Return interviews completed within 72 hours",
    ]
    episodes = tables(at)[0]
    assert len(episodes) == 24 and episodes["month"].iloc[0] == "2013-04"
    assert rows(episodes.tail(2), "month", "value") == [("2015-02", 2.0), ("2015-03", 6.0)]
    assert episodes["mean"].iloc[0] == pytest.approx(8 / 24)
    assert episodes["signals"].iloc[-1] == "outside_limits; two_of_three"  # February is beyond too
    # 22 months of none: the moving ranges of 2 and 4 are screened out, leaving limits on the mean
    assert episodes["signals"].iloc[0] == "outside_limits; shift; two_of_three"
    titles = chart_titles(at)
    assert len(titles) == 8
    assert titles[0] == "Episodes: March 2015 is beyond the upper process limit, a real change, not noise"
    # rates: only the months with eligible episodes are points (February and March)
    offered = tables(at)[6]
    assert rows(offered, "month", "value") == [("2015-02", 50.0), ("2015-03", 60.0)]  # E8 of E7, E8; E1, E2, E5 of 5
    assert titles[6] == "Return interviews offered within 72 hours each month"  # 2 points: no limits


def test_trends_for_a_viewer_hides_small_months(database_url):
    at = run_page("ui/pages/trends.py", role="viewer", params=MARCH)
    episodes = tables(at)[0]
    assert episodes.loc[episodes["month"] == "2015-02", "value"].tolist() == ["<5"]


def findings_text(at) -> list[str]:
    return [m.value for m in at.markdown if "process limit" in m.value or "ten busiest" in m.value]


def test_overview_opens_with_the_written_findings(database_url):
    at = run_page("ui/pages/overview.py", params=MARCH)
    assert next(h.value for h in at.subheader) == "Findings"
    [text] = findings_text(at)
    lines = text.splitlines()
    # over-24-hour episodes (lower is better) rising comes first; each line links to its page
    first = "- Episodes that may have lasted over 24 hours, 2 in March 2015, are above the upper process limit"
    assert lines[0].startswith(first)  # E4 (72 h) and E6 (still away at the end of March)
    assert "[Trends](trends?" in lines[0] and "from=2015-03-01" in lines[0]
    assert 1 <= len(lines) <= 8


def test_overview_findings_for_a_viewer_say_fewer_than_5(database_url):
    at = run_page("ui/pages/overview.py", role="viewer", params=MARCH)
    [text] = findings_text(at)
    assert text.splitlines()[0].startswith("- Episodes that may have lasted over 24 hours, fewer than 5 in March 2015")
    assert not re.search(r"(?<![\w.])[1-4] in March", text)


def test_overview_findings_in_meeting_mode_are_large_and_at_most_5(database_url):
    at = run_page("ui/pages/overview.py", params={**MARCH, "meeting": "1"})
    [text] = [m.value for m in at.markdown if 'class="findings"' in m.value]
    assert "font-size:1.6rem" in text and 1 <= text.count("<li>") <= 5
    assert "](trends?" not in text


def test_return_interviews_show_what_the_interviews_found(database_url):
    """E1 (care) and E5 (home) are March's completed interviews; E8's content is in February."""
    engine = connect(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE episodes SET rhi_conducted_by = 'independent_provider', disclosures = 'cse;self_harm', "
                "push_factors = 'placement_unhappy', follow_up = 'mash_referral;police_intelligence' WHERE "
                "episode_id = 'E1'"
            )
        )
        connection.execute(
            text("UPDATE episodes SET rhi_conducted_by = 'early_help', disclosures = 'none' WHERE episode_id = 'E5'")
        )
        connection.execute(text("UPDATE episodes SET disclosures = 'cse' WHERE episode_id = 'E8'"))
    engine.dispose()
    at = run_page("ui/pages/return_interviews.py", params=MARCH)
    titles = chart_titles(at)
    assert len(titles) == 10  # rates, month by month, outcome, six kinds of content, disclosures by month
    assert "Who held the interview: independent provider in 50% of completed interviews" in titles
    assert "Disclosures: sexual exploitation (CSE) in 50% of completed interviews" in titles
    assert "Why late interviews were late: nothing recorded that can be shown" in titles
    by_group = [t for t in tables(at) if list(t.columns) == ["group", "band", "count", "percent"]]
    assert len(by_group) == 6
    disclosures = next(t for t in by_group if "self_harm" in set(t["band"])).set_index(["group", "band"])
    assert tuple(disclosures.loc[("all", "cse")]) == (1, 50.0)
    assert tuple(disclosures.loc[("care", "self_harm")]) == (1, 100.0)
    assert tuple(disclosures.loc[("home", "none")]) == (1, 100.0)
    assert tuple(disclosures.loc[("all", "Not recorded")]) == (0, 0.0)
    monthly = next(t for t in tables(at) if list(t.columns) == ["month", "band", "count", "percent"])
    assert set(monthly["month"]) == {"2015-03"}
    assert rows(monthly[monthly["band"] == "cse"], "count", "percent") == [(1, 50.0)]


def test_viewer_sees_interview_content_suppressed(database_url):
    engine = connect(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE episodes SET disclosures = 'cse' WHERE episode_id IN ('E1', 'E5')"))
    engine.dispose()
    at = run_page("ui/pages/return_interviews.py", role="viewer", params=MARCH)
    assert not [t for t in tables(at) if "band" in t and (t["count"].astype(str).isin(["1", "2", "3", "4"])).any()]
