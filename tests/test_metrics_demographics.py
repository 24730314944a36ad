import pytest

from metrics.demographics import age_bands, ethnic_group_bands, ethnicity_bands, home_care_bands, sex_bands
from tests.support import make_episodes


def counts(table):
    return dict(zip(table["band"], table["count"], strict=True))


def test_sex_counts_distinct_children_with_not_known():
    frame = make_episodes(
        {"child_id": "C1", "sex": "female"},
        {"child_id": "C1", "sex": "female"},
        {"child_id": "C2", "sex": "male"},
        {"child_id": "C3", "sex": None},
        {"child_id": "C4", "sex": "female"},
    )
    table = sex_bands(frame)
    assert table["band"].tolist() == ["female", "male", "other", "Not known"]
    assert table["count"].tolist() == [2, 1, 0, 1]
    assert table["percent"].tolist() == [50.0, 25.0, 0.0, 25.0]


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("WBRI", "White"),
        ("WROM", "White"),
        ("MWBC", "Mixed"),
        ("MOTH", "Mixed"),
        ("AIND", "Asian"),
        ("AOTH", "Asian"),
        ("BCRB", "Black"),
        ("BOTH", "Black"),
        ("CHNE", "Other"),
        ("OOTH", "Other"),
        ("REFU", "Not known"),
        ("NOBT", "Not known"),
        (None, "Not known"),
    ],
)
def test_ethnic_group_of_each_kind_of_code(code, group):
    table = ethnic_group_bands(make_episodes({"ethnicity": code}))
    assert table["band"].tolist() == ["White", "Mixed", "Asian", "Black", "Other", "Not known"]
    assert counts(table)[group] == 1 and table["count"].sum() == 1


def test_detailed_ethnicity_table_has_every_code_and_not_known():
    table = ethnicity_bands(
        make_episodes({"child_id": "C1", "ethnicity": "APKN"}, {"child_id": "C2", "ethnicity": None})
    )
    assert len(table) == 21 and table["band"].iloc[-1] == "Not known"
    assert counts(table)["APKN"] == 1 and counts(table)["Not known"] == 1


def test_age_band_is_taken_at_the_childs_first_episode_in_the_period():
    frame = make_episodes(
        {"child_id": "C1", "date_of_birth": "2005-03-10", "reported_at": "2015-03-12 10:00"},  # 10
        {"child_id": "C1", "date_of_birth": "2005-03-10", "reported_at": "2015-03-01 10:00"},  # 9, first
        {"child_id": "C2", "date_of_birth": "2002-03-01", "reported_at": "2015-03-01 10:00"},  # 13
        {"child_id": "C3", "date_of_birth": "1999-03-02", "reported_at": "2015-03-01 10:00"},  # 15
        {"child_id": "C4", "date_of_birth": "1999-03-01", "reported_at": "2015-03-01 10:00"},  # 16
        {"child_id": "C5", "date_of_birth": "1997-03-02", "reported_at": "2015-03-01 10:00"},  # 17
        {"child_id": "C6", "date_of_birth": None},
        {"child_id": "C7", "date_of_birth": "2003-03-01", "reported_at": "2015-03-01 10:00"},  # 12
    )
    table = age_bands(frame)
    assert table["band"].tolist() == ["under 10", "10-12", "13-15", "16-17", "Not known"]
    assert table["count"].tolist() == [1, 1, 2, 2, 1]


def test_home_or_care_is_taken_from_the_childs_latest_episode():
    frame = make_episodes(
        {"child_id": "C1", "missing_from": "home", "reported_at": "2015-03-01 10:00"},
        {"child_id": "C1", "missing_from": "care", "reported_at": "2015-03-20 10:00"},
        {"child_id": "C2", "missing_from": "care", "reported_at": "2015-03-01 10:00"},
        {"child_id": "C2", "missing_from": "home", "reported_at": "2015-03-05 10:00"},
        {"child_id": "C3", "missing_from": "home", "reported_at": "2015-03-05 10:00"},
    )
    table = home_care_bands(frame)
    assert table[["band", "count"]].values.tolist() == [["home", 2], ["care", 1]]
    assert table["percent"].tolist() == [66.7, 33.3]
