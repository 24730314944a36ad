"""Return interview content tables (domain.md section 11), worked by hand."""

from __future__ import annotations

import pytest

from config.canonical import MULTI_VALUE_VOCABULARIES
from metrics.interview_content import (
    CONTENT_LABELS,
    CONTENT_SECTIONS,
    CONTENT_TABLES,
    content_bands,
    content_bands_by_group,
    content_bands_by_month,
    content_title,
    most_recorded,
)
from metrics.tables import TABLES
from tests.support import make_episodes

RETURNED = {"returned_at": "2015-03-02 10:00", "rhi_offered_at": "2015-03-02 12:00"}
DONE = {**RETURNED, "rhi_outcome": "completed", "rhi_completed_at": "2015-03-03 10:00"}


def episodes_with(disclosures: list[str | None], rows: list[dict]):
    return make_episodes(*rows).assign(disclosures=disclosures)


def table_of(table) -> list[tuple]:
    return list(table.itertuples(index=False, name=None))


def test_counts_completed_interviews_recording_each_value():
    """Four completed interviews (one recording two values, one none), plus episodes that do not count:
    declined, away (not eligible), not returned."""
    frame = episodes_with(
        ["cse;self_harm", "cse", "none", None, "cse", "cse", "cse"],
        [
            DONE,
            DONE,
            DONE,
            DONE,
            {**RETURNED, "rhi_outcome": "declined"},
            {**DONE, "category": "away"},
            {"rhi_outcome": "completed"},
        ],
    )
    table = content_bands(frame, "disclosures")
    assert list(table.columns) == ["band", "count", "percent"]
    assert table["band"].tolist() == [*MULTI_VALUE_VOCABULARIES["disclosures"], "Not recorded"]
    counts = dict(zip(table["band"], zip(table["count"], table["percent"], strict=True), strict=True))
    assert counts["cse"] == (2, 50.0)
    assert counts["self_harm"] == (1, 25.0)
    assert counts["none"] == (1, 25.0)
    assert counts["Not recorded"] == (1, 25.0)
    assert counts["trafficking"] == (0, 0.0)
    assert table["count"].sum() == 5  # more than the 4 interviews: one recorded two values


def test_no_completed_interview_gives_every_band_zero_and_no_percent():
    table = content_bands(episodes_with([None], [RETURNED]), "follow_up")
    assert table["count"].tolist() == [0] * 7
    assert table["percent"].isna().all()


def test_by_group_all_is_home_plus_care_and_each_percent_of_its_own_group():
    frame = episodes_with(
        ["cse", "cse;cce_county_lines", None],
        [DONE, {**DONE, "missing_from": "home"}, {**DONE, "missing_from": "home"}],
    )
    table = content_bands_by_group(frame, "disclosures").set_index(["group", "band"])
    assert tuple(table.loc[("all", "cse")]) == (2, 66.7)
    assert tuple(table.loc[("care", "cse")]) == (1, 100.0)
    assert tuple(table.loc[("home", "cse")]) == (1, 50.0)
    assert tuple(table.loc[("home", "Not recorded")]) == (1, 50.0)
    assert tuple(table.loc[("care", "Not recorded")]) == (0, 0.0)


def test_by_month_of_reported_at():
    frame = episodes_with(
        ["cse", "none"],
        [
            DONE,
            {
                "reported_at": "2015-04-01 10:00",
                "returned_at": "2015-04-02 10:00",
                "rhi_outcome": "completed",
                "rhi_completed_at": "2015-04-03 10:00",
            },
        ],
    )
    table = content_bands_by_month(frame, "disclosures")
    assert sorted(set(table["month"])) == ["2015-03", "2015-04"]
    march = table[table["month"] == "2015-03"].set_index("band")
    assert tuple(march.loc["cse"]) == ("2015-03", 1, 100.0)
    assert tuple(march.loc["none"]) == ("2015-03", 0, 0.0)


def test_a_frame_without_the_column_counts_every_interview_as_not_recorded():
    table = content_bands(make_episodes(DONE), "push_factors")
    assert table_of(table)[-1] == ("Not recorded", 1, 100.0)


@pytest.mark.parametrize("name", list(CONTENT_TABLES))
def test_every_content_table_is_registered(name):
    column = CONTENT_TABLES[name]
    assert TABLES[name](make_episodes(DONE))["band"].tolist() == [*MULTI_VALUE_VOCABULARIES[column], "Not recorded"]
    assert (name, column) in {(n, c) for n, c, _ in CONTENT_SECTIONS}
    assert all(value in CONTENT_LABELS for value in MULTI_VALUE_VOCABULARIES[column])


def test_most_recorded_leaves_out_none_and_not_recorded():
    frame = episodes_with(["none", "none", "self_harm"], [DONE, DONE, DONE])
    assert most_recorded(content_bands(frame, "disclosures")) == ("self_harm", 33.3)
    assert most_recorded(content_bands(episodes_with(["none"], [DONE]), "disclosures")) is None


@pytest.mark.parametrize(
    ("disclosures", "expected"),
    [
        ("cse", "Disclosures: sexual exploitation (CSE) in 100% of completed interviews"),
        ("none", "Disclosures: nothing recorded that can be shown"),
    ],
)
def test_content_title_states_the_message(disclosures, expected):
    assert content_title(content_bands(episodes_with([disclosures], [DONE]), "disclosures"), "Disclosures") == expected


def test_content_title_keeps_an_acronym():
    frame = make_episodes(DONE).assign(follow_up="mash_referral")
    assert content_title(content_bands(frame, "follow_up"), "Follow-up").startswith("Follow-up: MASH referral in 100%")
