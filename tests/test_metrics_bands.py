import pandas as pd
import pytest

import config
from metrics.bands import distance_bands, duration_bands, locality_bands, persistent_children, repeat_bands
from metrics.filters import DISTANCE_BANDS, DURATION_BANDS, locality_names, with_derived
from tests.support import make_episodes

LAD_CODES = config.settings().authority.lad_codes  # the shipped settings: Birmingham


def duration_band(reported, returned):
    frame = with_derived(make_episodes({"reported_at": reported, "returned_at": returned}), LAD_CODES)
    return str(frame["duration_band"].iloc[0])


@pytest.mark.parametrize(
    ("returned", "band"),
    [
        ("2015-03-02 10:00", "0-8 hrs"),
        ("2015-03-02 17:59", "0-8 hrs"),
        ("2015-03-02 18:00", "8-16 hrs"),
        ("2015-03-03 01:59", "8-16 hrs"),
        ("2015-03-03 02:00", "16-24 hrs"),
        ("2015-03-03 09:59", "16-24 hrs"),
        ("2015-03-03 10:00", "24-48 hrs"),
        ("2015-03-04 09:59", "24-48 hrs"),
        ("2015-03-04 10:00", "2-7 days"),
        ("2015-03-09 09:59", "2-7 days"),
        ("2015-03-09 10:00", "7+ days"),
        ("2015-06-01 10:00", "7+ days"),
        (None, "Not known"),
    ],
)
def test_duration_band_edges_with_times(returned, band):
    assert duration_band("2015-03-02 10:00", returned) == band


@pytest.mark.parametrize(
    ("reported", "returned", "band"),
    [
        ("2015-03-02", "2015-03-02", "Not known"),  # anything from 0 to 24 hours
        ("2015-03-02", "2015-03-03", "Not known"),
        ("2015-03-02", "2015-03-04", "Not known"),  # 24 to 72 hours
        ("2015-03-02", "2015-03-05", "2-7 days"),  # 48 to 96 hours
        ("2015-03-02", "2015-03-08", "2-7 days"),  # 120 to 168 hours, 168 itself impossible
        ("2015-03-02", "2015-03-09", "Not known"),  # 144 to 192 hours
        ("2015-03-02", "2015-03-10", "7+ days"),  # 8 days apart
        ("2015-03-02 10:00", "2015-03-05", "2-7 days"),  # 62 to 86 hours
        ("2015-03-01 00:00", "2015-03-02", "24-48 hrs"),  # 24 up to (not including) 48 hours
        ("2015-03-02 00:00", "2015-03-02", "Not known"),  # 0 up to 24 hours
        ("2015-03-02 00:00", "2015-03-09", "7+ days"),  # 168 up to 192 hours
        ("2015-03-02 16:00", "2015-03-03", "Not known"),  # 8 to 32 hours
        ("2015-03-02", "2015-03-02 07:00", "0-8 hrs"),  # at most 7 hours, whenever that day it began
        ("2015-03-02", "2015-03-02 08:00", "Not known"),  # 0 to 8 hours inclusive
        ("2015-03-02", "2015-03-04 00:00", "Not known"),  # over 24 up to 48 hours inclusive
        ("2015-03-02", "2015-03-04 23:59", "Not known"),  # over 47h59 up to 71h59
        ("2015-03-02", "2015-03-05 00:00", "2-7 days"),  # over 48 up to 72 hours
    ],
)
def test_duration_band_with_date_only_values(reported, returned, band):
    assert duration_band(reported, returned) == band


def test_duration_table_lists_every_band_in_order_with_percent_of_episodes():
    frame = make_episodes(
        {"returned_at": "2015-03-02 11:00"},
        {"returned_at": "2015-03-02 12:00"},
        {"returned_at": "2015-03-12 10:00"},
        {"returned_at": None},
    )
    table = duration_bands(frame)
    assert table.columns.tolist() == ["band", "count", "percent"]
    assert table["band"].tolist() == list(DURATION_BANDS)
    assert table["count"].tolist() == [2, 0, 0, 0, 0, 1, 1]
    assert table["percent"].tolist() == [50.0, 0.0, 0.0, 0.0, 0.0, 25.0, 25.0]


def test_band_table_of_no_episodes_has_zero_counts_and_blank_percents():
    table = duration_bands(make_episodes({"returned_at": None}).iloc[0:0])
    assert table["count"].tolist() == [0] * 7
    assert table["percent"].isna().all()


def distance_band(dx_metres, dy_metres=0.0):
    frame = make_episodes({"from_postcode": "B23 6AA", "found_postcode": "B27 6BB"})
    frame["from_easting"], frame["from_northing"] = 400000.0, 300000.0
    frame["found_easting"], frame["found_northing"] = 400000.0 + dx_metres, 300000.0 + dy_metres
    return str(with_derived(frame, LAD_CODES)["distance_band"].iloc[0])


@pytest.mark.parametrize(
    ("dx", "dy", "band"),
    [
        (0, 0, "0-5 miles"),
        (8046, 0, "0-5 miles"),  # 4.9995 miles
        (8046.72, 0, "5-10 miles"),  # exactly 5 miles
        (8047, 0, "5-10 miles"),
        (-8047, 0, "5-10 miles"),
        (4828.032, 6437.376, "5-10 miles"),  # 3-4-5 triangle: exactly 5 miles
        (16093, 0, "5-10 miles"),
        (16093.44, 0, "10-20 miles"),
        (32186, 0, "10-20 miles"),
        (32186.88, 0, "20-40 miles"),
        (64373, 0, "20-40 miles"),
        (64373.76, 0, "40-80 miles"),
        (128747, 0, "40-80 miles"),
        (128747.52, 0, "80+ miles"),
        (500000, 0, "80+ miles"),
    ],
)
def test_distance_band_edges(dx, dy, band):
    assert distance_band(dx, dy) == band


@pytest.mark.parametrize(
    ("from_postcode", "found_postcode", "band"),
    [
        ("B23 6AA", "B27 6BB", "0-5 miles"),  # 4.6 miles by the ONS directory
        ("B23 6AA", "B23 6AA", "0-5 miles"),
        ("B23 6AA", "WS1 1AA", "5-10 miles"),  # 9.1 miles
        ("B23 6AA", None, "Not known"),
        (None, "B23 6AA", "Not known"),
        ("B23 6AA", "B99 9ZZ", "Not known"),  # well formed, not in the directory
    ],
)
def test_distance_band_from_real_postcodes(from_postcode, found_postcode, band):
    frame = with_derived(make_episodes({"from_postcode": from_postcode, "found_postcode": found_postcode}), LAD_CODES)
    assert str(frame["distance_band"].iloc[0]) == band


def test_distance_miles_from_real_postcodes():
    frame = with_derived(make_episodes({"from_postcode": "B23 6AA", "found_postcode": "B27 6BB"}), LAD_CODES)
    # (410388, 291309) to (411778, 284041): hypot(1390, 7268) m
    assert frame["distance_miles"].iloc[0] == pytest.approx(7399.72 / 1609.344, abs=1e-4)
    assert distance_bands(frame)["band"].tolist() == list(DISTANCE_BANDS)


def children_with(episode_counts):
    rows = [{"child_id": f"C{c}"} for c, n in enumerate(episode_counts) for _ in range(n)]
    return make_episodes(*rows)


@pytest.mark.parametrize(
    ("episodes", "band"),
    [
        (1, "1-2"),
        (2, "1-2"),
        (3, "3-5"),
        (5, "3-5"),
        (6, "6-8"),
        (8, "6-8"),
        (9, "9-19"),
        (19, "9-19"),
        (20, "20+"),
        (25, "20+"),
    ],
)
def test_repeat_band_edges(episodes, band):
    table = repeat_bands(children_with([episodes]))
    assert table.set_index("band")["count"].to_dict()[band] == 1
    assert table["count"].sum() == 1


def test_repeat_bands_count_children_not_episodes():
    table = repeat_bands(children_with([1, 1, 3, 20]))
    assert table["count"].tolist() == [2, 1, 0, 0, 1]
    assert table["percent"].tolist() == [50.0, 25.0, 0.0, 0.0, 25.0]


@pytest.mark.parametrize(("episodes", "persistent"), [(3, False), (4, True), (9, True)])
def test_persistent_means_four_or_more(episodes, persistent):
    table = persistent_children(children_with([1, episodes]))
    assert (table["child_id"].tolist() == ["C1"]) is persistent


def test_persistent_children_most_episodes_first():
    table = persistent_children(children_with([4, 6, 4]))
    assert table.to_dict("list") == {"child_id": ["C1", "C0", "C2"], "episodes": [6, 4, 4]}


@pytest.mark.parametrize(
    ("from_postcode", "locality"),
    [
        ("B23 6AA", "East"),
        ("B27 6BB", "East"),
        ("B90 1AA", "Out of area"),  # Solihull, though B90 is in the locality table
        ("WS1 1AA", "Out of area"),  # Walsall
        ("B99 9ZZ", "Not known"),  # not in the directory
        (None, "Not known"),
    ],
)
def test_locality_of_from_postcode(from_postcode, locality):
    frame = with_derived(make_episodes({"from_postcode": from_postcode}), LAD_CODES)
    assert str(frame["locality"].iloc[0]) == locality


def test_locality_table_order_follows_localities_csv():
    episodes = with_derived(make_episodes({"from_postcode": "B23 6AA"}, {"from_postcode": "WS1 1AA"}), LAD_CODES)
    table = locality_bands(episodes)
    assert table["band"].tolist() == ["East", "South", "North", "West & Central", "Out of area", "Not known"]
    assert table["band"].tolist() == list(locality_names())
    assert table["count"].tolist() == [1, 0, 0, 0, 1, 0]
    assert isinstance(table["percent"].iloc[0], float)
    assert pd.api.types.is_integer_dtype(table["count"])
