"""The settings file read into typed sections: defaults, each wrong value named by file, section and key."""

from __future__ import annotations

import pytest

import config
from config.sections import (
    AssociateSettings,
    AuthoritySettings,
    AuthSettings,
    EscalationThresholds,
    OidcSettings,
    PublicationSettings,
    Settings,
    SettingsError,
    parse_settings,
)
from tests.commands import run_module


@pytest.mark.parametrize(
    ("table", "section", "expected"),
    [
        ({}, "publication", PublicationSettings(suppress_below=5)),
        ({}, "associates", AssociateSettings(found_window_hours=24, listed_days=7)),
        ({"publication": {"suppress_below": 10}}, "publication", PublicationSettings(suppress_below=10)),
        ({"publication": {}}, "publication", PublicationSettings()),
        ({"escalation": {"longer_hours": 12}}, "escalation", EscalationThresholds(longer_hours=12.0)),
        (
            {"authority": {"name": "Test Council", "lad_codes": ["E1", "E2"]}},
            "authority",
            AuthoritySettings(name="Test Council", lad_codes=("E1", "E2")),
        ),
        ({"auth": {"secure_cookie": True}}, "auth", AuthSettings(secure_cookie=True)),
        (
            {"auth": {"oidc": {"enabled": True, "groups": {"Analysts": "analyst"}}}},
            "auth",
            AuthSettings(oidc=OidcSettings(enabled=True, groups={"Analysts": "analyst"})),
        ),
    ],
)
def test_settings_are_typed_with_their_defaults(table, section, expected):
    parsed = parse_settings(table, "settings.toml")
    assert getattr(parsed, section) == expected
    assert isinstance(parsed.escalation.longer_hours, float)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"publication": {"suppress_below": "5"}},
            "s.toml: [publication] suppress_below must be a whole number, not '5'.",
        ),
        (
            {"publication": {"suppress_below": True}},
            "s.toml: [publication] suppress_below must be a whole number, not True.",
        ),
        ({"escalation": {"gap_ratio": "half"}}, "s.toml: [escalation] gap_ratio must be a number, not 'half'."),
        ({"triggers": {"missing_count": -3}}, "s.toml: [triggers] missing_count must not be negative, not -3."),
        ({"authority": {"name": 330}}, "s.toml: [authority] name must be text in quotes, not 330."),
        (
            {"authority": {"lad_codes": "E08000025"}},
            's.toml: [authority] lad_codes must be a list of text, e.g. ["a", "b"], not \'E08000025\'.',
        ),
        ({"auth": {"oidc": {"enabled": "yes"}}}, "s.toml: [auth.oidc] enabled must be true or false, not 'yes'."),
        (
            {"auth": {"oidc": {"groups": {"Analysts": 1}}}},
            's.toml: [auth.oidc] groups must be a table of "name" = "text", not {\'Analysts\': 1}.',
        ),
        (
            {"auth": {"secure_cookie": "sometimes"}},
            "s.toml: [auth] secure_cookie must be one of \"auto\", true, false, not 'sometimes'.",
        ),
        (
            {"benchmarks": {"neighbour_grouping": 2025}},
            's.toml: [benchmarks] neighbour_grouping must be one of "2025", "2021", not 2025.',
        ),
        ({"map": 3}, "s.toml: [map] must be a table of settings, not 3."),
        (
            {"triggers": {"missing_cnt": 2}},
            "s.toml: [triggers] has no setting 'missing_cnt' (it has: missing_count, missing_window_days, "
            "absent_count, absent_window_days, missing_over_hours, strategy_meeting_working_days, location_count, "
            "location_window_days).",
        ),
        (
            {"publicaton": {"suppress_below": 10}},
            "s.toml: the file has no section 'publicaton' (it has: authority, triggers, missing_together, "
            "associates, escalation, benchmarks, publication, auth, map, process_control).",
        ),
    ],
)
def test_a_wrong_setting_is_named_by_file_section_and_key(table, message):
    with pytest.raises(SettingsError) as raised:
        parse_settings(table, "s.toml")
    assert str(raised.value) == message


def test_the_shipped_settings_file_parses():
    shipped = config.settings()
    assert isinstance(shipped, Settings)
    assert shipped.authority.lad_codes == ("E08000025",) and shipped.publication.suppress_below == 5


def test_settings_are_frozen():
    with pytest.raises(AttributeError):
        config.settings().publication.suppress_below = 1  # type: ignore[misc]


def test_the_command_line_stops_on_a_wrong_setting_with_its_place(tmp_path):
    wrong = tmp_path / "settings.toml"
    wrong.write_text('[publication]\nsuppress_below = "five"\n')
    done = run_module(
        "reports",
        "table",
        "duration",
        "--from",
        "2015-01-01",
        "--to",
        "2015-12-31",
        database_url=f"sqlite:///{tmp_path / 'missing.db'}",
        env={"MISSING_SETTINGS": str(wrong)},
    )
    assert done.returncode == 1
    assert f"error: {wrong}: [publication] suppress_below must be a whole number, not 'five'." in done.stderr
    assert "Traceback" not in done.stderr
