"""Every import rule: a bad value gives its exact message at its row and column; good values pass."""

from __future__ import annotations

import csv
from datetime import datetime

import pandas as pd
import pytest

from loaders import canonical
from loaders.validation import ERROR, RULES, WARNING, validate

NOW = datetime(2016, 4, 1, 12, 0)
DROP = object()  # a case value meaning "leave this column out of the file"

BASE = {
    "episode_id": "E0001",
    "child_id": "C0001",
    "category": "missing",
    "reported_at": "2015-03-01 14:30",
    "returned_at": "2015-03-02 10:00",
    "missing_from": "care",
    "placement_type": "residential",
    "out_of_area": "Y",
    "from_postcode": "B23 6AA",
    "found_postcode": "B1 1AA",
    "sex": "female",
    "date_of_birth": "2001-05-01",
    "ethnicity": "WBRI",
    "safe_and_well_at": "2015-03-02 12:00",
    "rhi_offered_at": "2015-03-03",
    "rhi_outcome": "completed",
    "rhi_completed_at": "2015-03-04 11:00",
    "cse_concern": "N",
}


def messages_for(tmp_path, rows: list[dict]) -> list[str]:
    """Write rows (each overriding BASE) to a CSV, read, parse and validate it as `f.csv`."""
    rows = [{**BASE, "episode_id": f"E{n + 1:04d}", **row} for n, row in enumerate(rows)]
    header = [c for c in dict.fromkeys(k for row in rows for k in row) if all(row.get(c) is not DROP for row in rows)]
    path = tmp_path / "f.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows([[row.get(c, "") for c in header] for row in rows])
    parsed = canonical.parse(canonical.read_table(path))
    return [str(m) for m in validate(parsed, "f.csv", now=NOW)]


# (rule, rows, exact messages)
BAD_CASES = [
    ("required_column_missing", [{"episode_id": DROP}], ["f.csv::episode_id: error: required column is missing"]),
    ("duplicate_column", [{" Category ": "absent"}], ["f.csv::category: error: column appears more than once"]),
    ("required_blank", [{"child_id": ""}], ["f.csv:2:child_id: error: required field is blank"]),
    ("required_blank", [{}, {"reported_at": "  "}], ["f.csv:3:reported_at: error: required field is blank"]),
    (
        "unknown_vocabulary",
        [{"category": "lost"}],
        ["f.csv:2:category: error: unknown value 'lost' (expected one of: missing, absent, away)"],
    ),
    (
        "unknown_vocabulary",
        [{"rhi_outcome": "done", "rhi_completed_at": ""}],
        [
            (
                "f.csv:2:rhi_outcome: error: unknown value 'done' (expected one of: completed, declined, "
                "unable_to_contact, missing_again, pending, not_offered)"
            )
        ],
    ),
    (
        "unknown_vocabulary",
        [{"missing_from": "school", "placement_type": ""}],
        ["f.csv:2:missing_from: error: unknown value 'school' (expected one of: home, care)"],
    ),
    (
        "unparseable_date",
        [{"reported_at": "31/02/2015 10:00"}],
        [
            "f.csv:2:reported_at: error: unparseable date '31/02/2015 10:00' (expected YYYY-MM-DD HH:MM or "
            "DD/MM/YYYY HH:MM)"
        ],
    ),
    (
        "unparseable_date",
        [{"strategy_meeting_at": "1/3/15"}],
        [
            "f.csv:2:strategy_meeting_at: error: unparseable date '1/3/15' (expected YYYY-MM-DD HH:MM or DD/MM/YYYY "
            "HH:MM)"
        ],
    ),
    (
        "unparseable_date",
        [{"date_of_birth": "yesterday"}],
        ["f.csv:2:date_of_birth: error: unparseable date 'yesterday' (expected YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM)"],
    ),
    (
        "unparseable_boolean",
        [{"out_of_area": "maybe"}],
        ["f.csv:2:out_of_area: error: unparseable boolean 'maybe' (expected Y/N, yes/no, true/false or 1/0)"],
    ),
    (
        "returned_before_reported",
        [{"returned_at": "2015-03-01 14:29"}],
        ["f.csv:2:returned_at: error: returned_at '2015-03-01 14:29' is before reported_at '2015-03-01 14:30'"],
    ),
    (
        "returned_before_reported",
        [{"returned_at": "28/02/2015"}],
        ["f.csv:2:returned_at: error: returned_at '28/02/2015' is before reported_at '2015-03-01 14:30'"],
    ),
    (
        "before_return",
        [{"safe_and_well_at": "2015-03-02 09:59"}],
        [
            "f.csv:2:safe_and_well_at: error: safe_and_well_at '2015-03-02 09:59' is before returned_at '2015-03-02 "
            "10:00'"
        ],
    ),
    (
        "before_return",
        [{"rhi_offered_at": "01/03/2015"}],
        ["f.csv:2:rhi_offered_at: error: rhi_offered_at '01/03/2015' is before returned_at '2015-03-02 10:00'"],
    ),
    (
        "before_return",
        [{"rhi_completed_at": "2015-03-02 08:00"}],
        [
            "f.csv:2:rhi_completed_at: error: rhi_completed_at '2015-03-02 08:00' is before returned_at '2015-03-02 "
            "10:00'"
        ],
    ),
    (
        "completed_without_date",
        [{"rhi_completed_at": ""}],
        ["f.csv:2:rhi_completed_at: error: rhi_outcome is completed but rhi_completed_at is blank"],
    ),
    (
        "completed_without_date",
        [{"rhi_outcome": "Completed", "rhi_completed_at": DROP}],
        ["f.csv:2:rhi_completed_at: error: rhi_outcome is completed but rhi_completed_at is blank"],
    ),
    (
        "future_date",
        [{"strategy_meeting_at": "2016-04-01 12:01"}],
        ["f.csv:2:strategy_meeting_at: error: date '2016-04-01 12:01' is in the future"],
    ),
    (
        "future_date",
        [{"strategy_meeting_at": "02/04/2016"}],
        ["f.csv:2:strategy_meeting_at: error: date '02/04/2016' is in the future"],
    ),
    (
        "aged_18_or_over",
        [{"date_of_birth": "1997-03-01"}],
        ["f.csv:2:date_of_birth: error: child is 18 or over at reported_at (aged 18)"],
    ),
    (
        "aged_18_or_over",
        [{"date_of_birth": "01/01/1980"}],
        ["f.csv:2:date_of_birth: error: child is 18 or over at reported_at (aged 35)"],
    ),
    (
        "reported_before_birth",
        [{"date_of_birth": "2015-03-02"}],
        ["f.csv:2:reported_at: error: reported_at '2015-03-01 14:30' is before date_of_birth '2015-03-02'"],
    ),
    (
        "malformed_postcode",
        [{"from_postcode": "B23 6A"}],
        ["f.csv:2:from_postcode: error: malformed postcode 'B23 6A'"],
    ),
    (
        "malformed_postcode",
        [{"found_postcode": "not known"}],
        ["f.csv:2:found_postcode: error: malformed postcode 'not known'"],
    ),
    (
        "duplicate_episode_id",
        [{}, {}, {"episode_id": "E0001"}],
        ["f.csv:4:episode_id: error: episode_id 'E0001' repeated (first at row 2)"],
    ),
    ("unknown_column", [{"Notes": "x"}], ["f.csv::notes: warning: unknown column (ignored)"]),
    (
        "unknown_postcode",
        [{"found_postcode": "b99 9zz"}],
        ["f.csv:2:found_postcode: warning: postcode 'B99 9ZZ' is not in the ONS postcode directory"],
    ),
    (
        "child_details_differ",
        [{}, {"sex": "male"}],
        ["f.csv:3:sex: warning: child C0001 sex 'male' differs from 'female' at row 2"],
    ),
    (
        "child_details_differ",
        [{}, {}, {"ethnicity": "APKN"}],
        ["f.csv:4:ethnicity: warning: child C0001 ethnicity 'APKN' differs from 'WBRI' at row 2"],
    ),
    (
        "child_details_differ",
        [{}, {"date_of_birth": "02/05/2001"}],
        ["f.csv:3:date_of_birth: warning: child C0001 date_of_birth '02/05/2001' differs from '2001-05-01' at row 2"],
    ),
    (
        "placement_type_for_home",
        [{"missing_from": "home"}],
        ["f.csv:2:placement_type: warning: placement_type given for a home episode"],
    ),
    (
        "too_long",
        [{"establishment_name": "H" * 201}],
        [
            "f.csv:2:establishment_name: error: the value has 201 characters, more than the 200 a establishment_name "
            "may hold"
        ],
    ),
    (
        "name_like_child_id",
        [{"child_id": "John Smith"}],
        ["f.csv:2:child_id: warning: child_id 'John Smith' looks like a person's name: ids must be pseudonymous"],
    ),
    (
        "unknown_multi_value",
        [{"disclosures": "cse;grooming"}],
        [
            (
                "f.csv:2:disclosures: error: unknown value 'grooming' in 'cse;grooming' (several values separated by "
                "';', "
                "each one of: cse, cce_county_lines, trafficking, self_harm, sexual_assault, physical_harm, "
                "substance_misuse, "
                "criminal_activity, none)"
            )
        ],
    ),
    (
        "unknown_multi_value",
        [{}, {"rhi_conducted_by": "youth worker"}],
        [
            (
                "f.csv:3:rhi_conducted_by: error: unknown value 'youth worker' in 'youth worker' (several values "
                "separated by ';', each one of: independent_provider, social_worker, early_help, police, other)"
            )
        ],
    ),
    (
        "unknown_multi_value",
        [{"rhi_late_reason": "staff_capacity, notified_late"}],
        [
            (
                "f.csv:2:rhi_late_reason: error: unknown value 'staff_capacity, notified_late' in 'staff_capacity, "
                "notified_late' (several values separated by ';', each one of: child_declined_then_accepted, "
                "could_not_contact, placed_out_of_area, staff_capacity, notified_late, other)"
            )
        ],
    ),
    (
        "unknown_multi_value",
        [{"push_factors": "school;Peer pressure;bullying"}],
        [
            (
                "f.csv:2:push_factors: error: unknown value 'peer pressure' in 'school;Peer pressure;bullying' "
                "(several "
                "values separated by ';', each one of: family_conflict, neglect_abuse, placement_unhappy, school, "
                "bullying, "
                "mental_health, substance_misuse, other)"
            )
        ],
    ),
    (
        "unknown_multi_value",
        [{"pull_factors": "gangs"}],
        [
            (
                "f.csv:2:pull_factors: error: unknown value 'gangs' in 'gangs' (several values separated by ';', "
                "each one "
                "of: friends_peers, boyfriend_girlfriend, family, parties_adults, drugs, other)"
            )
        ],
    ),
    (
        "unknown_multi_value",
        [{"follow_up": ";"}],
        [
            (
                "f.csv:2:follow_up: error: unknown value '' in ';' (several values separated by ';', each one of: "
                "mash_referral, safety_plan_updated, police_intelligence, strategy_meeting, support_service, none)"
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("rule_name", "rows", "expected"), BAD_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD_CASES)]
)
def test_bad_value_gives_exact_message(tmp_path, rule_name, rows, expected):
    assert messages_for(tmp_path, rows) == expected


# Values that must pass: (column, value) set on one otherwise good row.
GOOD_CASES = [
    ("category", "MISSING"),
    ("category", " Absent "),
    ("ethnicity", "wbri"),
    ("rhi_outcome", "COMPLETED"),
    ("placement_type", "Semi_Independent"),
    ("police_risk", "No_Apparent_Risk"),
    ("rag", "Red"),
    ("sex", "Other"),
    ("reported_at", "01/03/2015 14:30"),
    ("reported_at", "2015-03-01 14:30:59"),
    ("reported_at", "2015-03-01T14:30"),
    ("reported_at", "2015-3-1 9:05"),
    ("reported_at", "01/03/2015"),
    ("reported_at", "2015-03-02"),
    ("returned_at", "01/03/2015"),  # date-only on the same day as reported_at: compared by date
    ("returned_at", ""),
    ("safe_and_well_at", "02/03/2015"),
    ("rhi_offered_at", "2015-03-02 10:00"),
    ("out_of_area", "yes"),
    ("out_of_area", "NO"),
    ("out_of_area", "True"),
    ("out_of_area", "0"),
    ("out_of_area", "1"),
    ("out_of_area", "n"),
    ("out_of_area", ""),
    ("from_postcode", "b236aa"),
    ("from_postcode", " B23  6AA "),
    ("from_postcode", ""),
    ("found_postcode", "b1 1aa"),
    ("date_of_birth", "1997-03-02"),
    ("date_of_birth", ""),
    ("strategy_meeting_at", "2016-04-01 12:00"),
    ("strategy_meeting_at", "01/04/2016"),
    ("rhi_outcome", ""),
    ("Episode_ID ", "E0001"),
    ("disclosures", "CSE; Self_Harm"),
    ("disclosures", "none"),
    ("push_factors", "school;"),
    ("pull_factors", ""),
    ("rhi_conducted_by", "independent_provider"),
    ("rhi_late_reason", "staff_capacity;other"),
    ("follow_up", "mash_referral;strategy_meeting;mash_referral"),
]


@pytest.mark.parametrize(
    ("cell", "stored"),
    [("Self_Harm; CSE", "cse;self_harm"), ("none", "none"), ("cse;cse;", "cse"), ("", None), ("cse;grooming", None)],
)
def test_content_is_stored_in_vocabulary_order(tmp_path, cell, stored):
    """Several values are kept `;`-joined in vocabulary order whatever order and case they came in."""
    path = tmp_path / "f.csv"
    path.write_text(f"episode_id,disclosures\nE1,{cell}\n")
    value = canonical.parse(canonical.read_table(path)).typed["disclosures"].iloc[0]
    assert (None if pd.isna(value) else value) == stored


@pytest.mark.parametrize(("column", "value"), GOOD_CASES)
def test_good_value_passes(tmp_path, column, value):
    row = {column: value}
    if column == "Episode_ID ":
        row["episode_id"] = DROP
    if column == "rhi_outcome" and not value:
        row["rhi_completed_at"] = ""
    assert messages_for(tmp_path, [row]) == []


def test_partial_update_needs_only_episode_id(tmp_path):
    """A file with episode_id and some columns (e.g. a return-interview tracker) is a partial update."""
    rows = [{c: DROP for c in ("child_id", "category", "reported_at", "missing_from")}]
    assert messages_for(tmp_path, rows) == []


def test_consistent_child_details_across_rows_pass(tmp_path):
    assert (
        messages_for(tmp_path, [{}, {"sex": "Female", "ethnicity": "wbri", "date_of_birth": "01/05/2001"}, {"sex": ""}])
        == []
    )


def test_every_rule_has_metadata_and_a_case():
    names = [r.code for r in RULES]
    assert len(names) == len(set(names))
    for r in RULES:
        assert r.severity in (ERROR, WARNING), r.code
        assert r.message and r.description and r.fields, r.code
        assert all(c in canonical.CANONICAL_COLUMNS for c in r.fields), r.code
    assert set(names) == {case[0] for case in BAD_CASES}


def test_messages_come_in_spreadsheet_order(tmp_path):
    found = messages_for(tmp_path, [{"Notes": "x"}, {"category": "x", "child_id": ""}, {"sex": "male"}])
    assert [m.split(": ")[0] for m in found] == ["f.csv::notes", "f.csv:3:child_id", "f.csv:3:category", "f.csv:4:sex"]


@pytest.mark.parametrize(
    ("text", "expected", "date_only"),
    [
        ("2015-03-01 14:30", "2015-03-01 14:30:00", False),
        ("2015-03-01 14:30:15", "2015-03-01 14:30:15", False),
        ("01/03/2015 14:30", "2015-03-01 14:30:00", False),
        ("01/03/2015", "2015-03-01 00:00:00", True),
        ("2015-03-01", "2015-03-01 00:00:00", True),
        ("2015-03-01T07:05", "2015-03-01 07:05:00", False),
        ("03/01/2015 14:30:00", "2015-01-03 14:30:00", False),
    ],
)
def test_parse_datetimes(text, expected, date_only):
    values, flags = canonical.parse_datetimes(canonical.pd.Series([text]))
    assert str(values[0]) == expected
    assert bool(flags[0]) is date_only
