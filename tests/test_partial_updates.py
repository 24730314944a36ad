"""Partial updates and joining sources: police export, return-interview tracker and SSDA903 for the same children."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from config.canonical import MULTI_VALUE_VOCABULARIES
from loaders.episodes import episodes_query, typed_episodes
from loaders.importer import import_file, import_files

ROOT = Path(__file__).resolve().parent.parent
EXPORT, MAPPING = ROOT / "examples" / "police_export.csv", ROOT / "examples" / "police_mapping.toml"
TRACKER = ROOT / "examples" / "rhi_tracker.csv"
SSDA903 = [ROOT / "tests" / "fixtures" / "ssda903" / f"{t}.csv" for t in ("missing", "header", "episodes")]


def police(engine):
    return import_file(engine, EXPORT, "police", mapping=MAPPING)


def tracker(engine):
    return import_file(engine, TRACKER)


def ssda903(engine):
    return import_files(engine, SSDA903, "ssda903")


def load_episodes(engine: Engine) -> pd.DataFrame:
    """Episodes read row by row in this process: the frame `loaders.episodes.load_episodes` gives.

    (That one reads SQLite through ADBC in a child process, seconds a call: too slow after every import here.)
    """
    with engine.connect() as connection:
        return typed_episodes(pd.read_sql(episodes_query(), connection))


def stored(engine) -> pd.DataFrame:
    return load_episodes(engine).set_index("episode_id")


def test_tracker_updates_only_its_columns(sqlite_engine):
    police(sqlite_engine)
    before = stored(sqlite_engine)
    result = tracker(sqlite_engine)
    assert result.outcome == "landed" and result.messages == []
    assert (result.inserted, result.updated, result.unchanged) == (0, 4, 0)
    after = stored(sqlite_engine)
    rhi = [
        "rhi_offered_at",
        "rhi_offered_at_date_only",
        "rhi_outcome",
        "rhi_completed_at",
        "rhi_completed_at_date_only",
        *MULTI_VALUE_VOCABULARIES,
    ]
    pd.testing.assert_frame_equal(after.drop(columns=rhi), before.drop(columns=rhi))
    first = after.loc["MP/15/0101"]
    assert (first["rhi_offered_at"], first["rhi_outcome"]) == (pd.Timestamp("2015-03-03 09:00"), "completed")
    assert after.loc["MP/15/0103", "rhi_offered_at_date_only"] and after["source"].eq("police").all()
    assert after.loc["MP/15/0103", "disclosures"] == "cse"
    assert after.loc["MP/15/0103", "pull_factors"] == "boyfriend_girlfriend;parties_adults"
    assert after.loc["MP/15/0103", "follow_up"] == "mash_referral;police_intelligence;strategy_meeting"
    assert after.loc["MP/15/0101", "rhi_conducted_by"] == "independent_provider"
    assert pd.isna(after.loc["MP/15/0102", "push_factors"])
    assert tracker(sqlite_engine).unchanged == 4


PROVIDER_HEADERS = {
    "episode_id": "Police Ref",
    "rhi_offered_at": "Offered On",
    "rhi_outcome": "Interview Outcome",
    "rhi_completed_at": "Held On",
    "rhi_conducted_by": "Conducted By",
    "push_factors": "Push Factors",
}


def provider_date(cell: str) -> str:
    """01/03/2015 14:30 as the provider writes it, 01-Mar-2015 14:30 (a date alone stays a date)."""
    if not cell:
        return cell
    if " " in cell:
        return datetime.strptime(cell, "%d/%m/%Y %H:%M").strftime("%d-%b-%Y %H:%M")
    return datetime.strptime(cell, "%d/%m/%Y").strftime("%d-%b-%Y")


def provider_file(folder: Path) -> tuple[Path, Path]:
    """The tracker as a provider's own system writes it: its own headers, outcomes and dates, and a mapping."""
    rows = pd.read_csv(TRACKER, dtype=str, keep_default_na=False)
    rows = rows.rename(columns=PROVIDER_HEADERS)
    rows["Interview Outcome"] = rows["Interview Outcome"].replace({"completed": "Seen", "declined": "Refused"})
    for column in ("Offered On", "Held On"):
        rows[column] = rows[column].map(provider_date)
    path, mapping = folder / "provider.csv", folder / "provider_mapping.toml"
    rows.to_csv(path, index=False)
    columns = "\n".join(f'"{theirs}" = "{ours}"' for ours, theirs in PROVIDER_HEADERS.items())
    mapping.write_text(
        f'[columns]\n{columns}\n\n[values.rhi_outcome]\nSeen = "completed"\nRefused = "declined"\n\n'
        '[dates]\nformats = ["%d-%b-%Y %H:%M", "%d-%b-%Y"]\n'
    )
    return path, mapping


def test_a_tracker_under_its_own_headers_comes_through_a_mapping(sqlite_engine, tmp_path):
    """A provider file whose required columns are named otherwise: the mapping applies to partial updates too."""
    police(sqlite_engine)
    before = stored(sqlite_engine)
    path, mapping = provider_file(tmp_path)
    result = import_file(sqlite_engine, path, mapping=mapping)
    assert result.outcome == "landed" and result.messages == [], [str(m) for m in result.messages]
    assert (result.inserted, result.updated) == (0, 4)
    after = stored(sqlite_engine)
    assert after.loc["MP/15/0101", "rhi_offered_at"] == pd.Timestamp("2015-03-03 09:00")
    assert (
        after.loc["MP/15/0101", "rhi_outcome"] == "completed" and after.loc["MP/15/0102", "rhi_outcome"] == "declined"
    )
    assert after.loc["MP/15/0101", "push_factors"] == "family_conflict;school"
    assert after["source"].eq("police").all()
    untouched = ["category", "reported_at", "returned_at", "child_id", "missing_from"]
    pd.testing.assert_frame_equal(after[untouched], before[untouched])
    assert import_file(sqlite_engine, path, mapping=mapping).unchanged == 4


def test_a_mapped_tracker_names_its_own_cells_and_unknown_ids(sqlite_engine, tmp_path):
    police(sqlite_engine)
    path, mapping = provider_file(tmp_path)
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows.loc[1, "Police Ref"] = "MP/99/0001"
    rows.loc[0, "Interview Outcome"] = "Maybe"
    rows.to_csv(path, index=False)
    result = import_file(sqlite_engine, path, mapping=mapping)
    assert result.outcome == "refused"
    assert [str(m) for m in result.errors] == [
        "provider.csv:2:Interview Outcome: error: unknown value 'Maybe' (expected one of: completed, declined, "
        "unable_to_contact, missing_again, pending, not_offered); map it under [values.rhi_outcome] in "
        "provider_mapping.toml",
        "provider.csv:3:Police Ref: error: Police Ref 'MP/99/0001' is not in the database (a file without "
        "category, child_id, missing_from, reported_at only updates episodes already imported)",
    ]


def test_unknown_episode_ids_are_refused_with_row_and_column(sqlite_engine, tmp_path):
    police(sqlite_engine)
    update = tmp_path / "tracker.csv"
    update.write_text("episode_id,rhi_outcome\nMP/15/0101,declined\nMP/99/0001,declined\n")
    result = import_file(sqlite_engine, update)
    assert result.outcome == "refused"
    assert [str(m) for m in result.messages] == [
        (
            "tracker.csv:3:episode_id: error: episode_id 'MP/99/0001' is not in the database "
            "(a file without category, child_id, missing_from, reported_at only updates episodes already imported)"
        )
    ]
    assert pd.isna(stored(sqlite_engine).loc["MP/15/0101", "rhi_outcome"])


def test_partial_update_is_still_checked(sqlite_engine, tmp_path):
    police(sqlite_engine)
    update = tmp_path / "tracker.csv"
    update.write_text("episode_id,rhi_outcome,rhi_completed_at\nMP/15/0101,done,\n")
    result = import_file(sqlite_engine, update, dry_run=True)
    assert [m.column for m in result.errors] == ["rhi_outcome"]


# Each order a council might load them in: one episode per real event either way.
ORDERS = {
    "police-tracker-903": (police, tracker, ssda903),
    "903-police-tracker": (ssda903, police, tracker),
    "tracker-last-903-twice": (police, ssda903, tracker, ssda903),
}


@pytest.mark.parametrize("order", ORDERS)
def test_three_sources_give_one_episode_per_event_with_the_richer_times(engine, order):
    for load in ORDERS[order]:
        result = load(engine)
        assert result.outcome == "landed" and not result.errors, [str(m) for m in result.messages]
    episodes = stored(engine)
    # 4 police episodes (one of them also in the 903 return as C-101's 01/03, one as C-103's 05/04)
    # + C-101's away period of 10/03 and C-104's, which only the 903 return has.
    assert sorted(episodes.index) == [
        "903-C-101-2015-03-10",
        "903-C-104-2015-04-18",
        "MP/15/0101",
        "MP/15/0102",
        "MP/15/0103",
        "MP/15/0104",
    ]
    same = episodes.loc["MP/15/0101"]
    # the police times are kept, not the 903 dates
    assert same["reported_at"] == pd.Timestamp("2015-03-01 14:30") and not same["reported_at_date_only"]
    assert same["returned_at"] == pd.Timestamp("2015-03-02 10:00") and not same["returned_at_date_only"]
    # the 903 return fills what the police export did not know: the establishment (URN)
    assert same["establishment_id"] == "1234567" and same["placement_type"] == "residential"
    # the police placement type stands where the 903 return says otherwise (U1 kinship)
    assert episodes.loc["MP/15/0104", "placement_type"] == "foster"
    # the tracker's columns
    assert same["rhi_outcome"] == "completed" and same["rhi_completed_at"] == pd.Timestamp("2015-03-04 11:00")
    assert same["source"] == "police" and episodes.loc["903-C-104-2015-04-18", "source"] == "ssda903"
    assert episodes.loc["903-C-104-2015-04-18", "placement_type"] == "semi_independent"
    # child details: police and 903 agree; the 903-only child has them from the header table
    assert episodes.loc["903-C-104-2015-04-18", "sex"] == "male"
    assert ssda903(engine).unchanged == 4


def test_a_903_period_on_another_day_or_of_another_child_is_its_own_episode(sqlite_engine, tmp_path):
    police(sqlite_engine)
    missing = tmp_path / "missing.csv"
    missing.write_text(
        "CHILD,DOB,MISSING,MIS_START,MIS_END\nC-101,01/05/2001,M,02/03/2015,03/03/2015\n"
        "C-999,01/05/2001,M,01/03/2015,02/03/2015\n"
    )
    result = import_files(sqlite_engine, [missing], "ssda903")
    assert (result.inserted, result.updated) == (2, 0)
    assert len(stored(sqlite_engine)) == 6


def test_tracker_dates_are_checked_against_the_stored_return(sqlite_engine, tmp_path):
    """MP/15/0101 returned 02/03/2015 10:00: an interview offered before that is refused."""
    police(sqlite_engine)
    update = tmp_path / "tracker.csv"
    update.write_text("episode_id,rhi_offered_at\nMP/15/0101,02/03/2015 09:00\nMP/15/0102,16/03/2015\n")
    result = import_file(sqlite_engine, update)
    assert [str(m) for m in result.messages] == [
        "tracker.csv:2:rhi_offered_at: error: rhi_offered_at '02/03/2015 09:00' is before returned_at '2015-03-02 "
        "10:00'"
    ]
    fixed = tmp_path / "fixed.csv"
    fixed.write_text("episode_id,rhi_offered_at\nMP/15/0101,02/03/2015 11:00\n")
    landed = import_file(sqlite_engine, fixed)
    assert landed.outcome == "landed" and landed.updated == 1
    assert stored(sqlite_engine).loc["MP/15/0101", "returned_at"] == pd.Timestamp("2015-03-02 10:00")


def two_periods_on_one_day(engine, folder: Path):
    """C-101 missing twice on 01/03/2015 (the police export's MP/15/0101 day): ended 02/03 and 05/03."""
    missing = folder / "missing.csv"
    missing.write_text(
        "CHILD,DOB,MISSING,MIS_START,MIS_END\nC-101,01/05/2001,A,01/03/2015,05/03/2015\n"
        "C-101,01/05/2001,M,01/03/2015,02/03/2015\n"
    )
    return import_files(engine, [missing, *SSDA903[1:]], "ssda903")


@pytest.mark.parametrize("order", ["police-903-903", "903-police-903"])
def test_two_903_periods_on_the_day_of_a_police_episode_are_two_episodes(engine, tmp_path, order):
    loads = {"police": police, "903": lambda e: two_periods_on_one_day(e, tmp_path)}
    for name in order.split("-"):
        result = loads[name](engine)
        assert result.outcome == "landed" and not result.errors, [str(m) for m in result.messages]
    episodes = stored(engine)
    # the period ending first is the police episode; the other is its own, never both on one id
    assert sorted(episodes.index) == [
        "903-C-101-2015-03-01-2",
        "MP/15/0101",
        "MP/15/0102",
        "MP/15/0103",
        "MP/15/0104",
    ]
    assert episodes.loc["MP/15/0101", "returned_at"] == pd.Timestamp("2015-03-02 10:00")
    assert episodes.loc["MP/15/0101", "source"] == "police"
    later = episodes.loc["903-C-101-2015-03-01-2"]
    assert (later["category"], later["returned_at"]) == ("away", pd.Timestamp("2015-03-05"))
    assert later["source"] == "ssda903"
