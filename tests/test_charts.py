"""Chart builders: spec-level checks (marks, order, zero baseline, titles, dashes, NaN) and image export."""

from __future__ import annotations

import json
import math

import altair as alt
import pandas as pd
import pytest

import config
from charts import bars, lines
from charts.export import png_bytes
from charts.theme import DASHES, FONT
from charts.titles import source_line

TEXT = {
    "title": "Most episodes end within a day",
    "subtitle": "Episodes by time missing, Birmingham, 2015",
    "source": "Source: police and council records, Test Council from 1 Mar 2015 to 31 Mar 2015",
}
BANDS = pd.DataFrame({"band": ["0-8 hrs", "8-16 hrs", "Not known"], "count": [5, 3, 0], "percent": [62.5, 37.5, 0.0]})
PLACES = pd.DataFrame({"place": ["B1", "B2", "B3"], "episodes": [2, 9, 5], "children": [1, 4, 3]})
TREND = pd.DataFrame(
    {
        "month": ["2015-01", "2015-03", "2015-01", "2015-02", "2015-03"],
        "category": ["missing", "missing", "absent", "absent", "absent"],
        "episodes": [4, 6, 1, 2, 3],
        "children": [3, 5, 1, 2, 3],
    }
)
RATES = pd.DataFrame(
    [(g, m, 1, 2, 50.0) for g in ("all", "home", "care") for m in bars.MEASURE_LABELS],
    columns=["group", "measure", "count", "denominator", "percent"],
)


def walk(spec):
    """Every dict inside a Vega-Lite spec."""
    if isinstance(spec, dict):
        yield spec
        for value in spec.values():
            yield from walk(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from walk(value)


def marks(spec) -> list[str]:
    found = []
    for node in walk(spec):
        mark = node.get("mark")
        if mark is not None:
            found.append(mark if isinstance(mark, str) else mark["type"])
    return found


def data_rows(spec) -> list[dict]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def footer_text(spec) -> list[str]:
    return [line for node in walk(spec) if node.get("type") == "text" and "text" in node for line in node["text"]]


def encodings(spec, channel: str) -> list[dict]:
    return [node["encoding"][channel] for node in walk(spec) if channel in node.get("encoding", {})]


def check_frame(spec, text=TEXT, notes=None):
    assert spec["title"]["text"] == [text["title"]]
    assert " ".join(spec["title"]["subtitle"]) == text["subtitle"]
    footer = " ".join(footer_text(spec))
    assert text["source"] in footer
    if notes:
        assert f"Notes: {notes}" in footer


def test_source_line_names_the_authority_and_period():
    assert source_line("1 Mar 2015 to 31 Mar 2015", "Test Council") == TEXT["source"]
    shipped = config.settings().authority.name
    assert source_line("March 2015", shipped).startswith("Source: police and council records, Birmingham City Council")


@pytest.mark.parametrize(
    ("value", "count", "percent", "label"),
    [
        (31.25, 205, True, "31.3% (205)"),  # half up, as the tables round
        (31.3, None, True, "31.3%"),
        (1204, None, False, "1,204"),
        (2.5, None, False, "2.5"),
        (math.nan, math.nan, True, "suppressed"),
        (math.nan, None, False, "suppressed"),
        (math.nan, 0, True, "–"),
    ],
)
def test_bar_label(value, count, percent, label):
    assert bars.bar_label(value, count, percent) == label


def test_band_chart_keeps_band_order_starts_at_zero_and_labels_bars():
    spec = bars.band_chart(BANDS, **TEXT, notes="Counts 1 to 4 are shown as <5.").to_dict()
    check_frame(spec, notes="Counts 1 to 4 are shown as <5.")
    assert marks(spec).count("bar") == 1 and "text" in marks(spec)
    y = encodings(spec, "y")[0]
    assert y["sort"] == ["0-8 hrs", "8-16 hrs", "Not known"] and y["scale"]["domain"] == y["sort"]
    x = encodings(spec, "x")[0]
    assert x["field"] == "percent" and x["scale"]["domain"][0] == 0 and x["scale"]["zero"] is True
    assert [row["label"] for row in data_rows(spec) if "label" in row] == ["62.5% (5)", "37.5% (3)", "0.0% (0)"]


def test_band_chart_draws_no_bar_for_a_suppressed_band():
    table = BANDS.astype({"count": "float64"})
    table.loc[1, ["count", "percent"]] = math.nan
    spec = bars.band_chart(table, **TEXT).to_dict()
    rows = [row for row in data_rows(spec) if "label" in row]
    assert rows[1]["percent"] is None and rows[1]["label"] == "suppressed" and rows[1]["label_at"] == 0
    png_bytes(bars.band_chart(table, **TEXT))


def test_band_chart_of_counts():
    spec = bars.band_chart(BANDS, **TEXT, value="count").to_dict()
    assert encodings(spec, "x")[0]["field"] == "count"
    assert [row["label"] for row in data_rows(spec) if "label" in row] == ["5", "3", "0"]


def test_grouped_band_chart_is_one_labelled_panel_per_group():
    table = pd.concat([BANDS.assign(group="home"), BANDS.assign(group="care")])
    spec = bars.grouped_band_chart(table, "group", **TEXT).to_dict()
    check_frame(spec)
    facets = [node["facet"] for node in walk(spec) if "facet" in node]
    assert facets[0]["column"]["field"] == "group" and facets[0]["column"]["sort"] == ["home", "care"]
    assert not encodings(spec, "color")  # groups told apart by panel titles, not colour


def test_place_chart_ranks_the_top_places():
    spec = bars.place_chart(PLACES, **TEXT, top=2).to_dict()
    check_frame(spec)
    assert encodings(spec, "y")[0]["sort"] == ["B2", "B3"]
    assert encodings(spec, "x")[0]["scale"]["domain"][0] == 0
    spec = bars.place_chart(PLACES, **TEXT, value="children", top=3).to_dict()
    assert encodings(spec, "y")[0]["sort"] == ["B2", "B3", "B1"]


def test_return_interview_chart_has_a_panel_per_group_and_readable_measures():
    spec = bars.return_interview_chart(RATES, **TEXT).to_dict()
    assert encodings(spec, "y")[0]["sort"] == list(bars.MEASURE_LABELS.values())
    facet = next(node["facet"] for node in walk(spec) if "facet" in node)
    assert facet["column"]["sort"] == ["All", "From home", "From care"]


def test_trend_chart_dashes_each_category_and_labels_line_ends():
    spec = lines.trend_chart(TREND, **TEXT).to_dict()
    check_frame(spec)
    assert {"line", "point", "text"} <= set(marks(spec))
    dash = encodings(spec, "strokeDash")[0]
    assert dash["scale"]["domain"] == ["missing", "absent"]
    assert dash["scale"]["range"][:2] == [list(DASHES[0]), list(DASHES[1])]
    rows = [row for row in data_rows(spec) if "category" in row]
    # February had no missing episode: drawn as 0, not skipped
    assert [r["episodes"] for r in rows if r["category"] == "missing"] == [4, 0, 6]
    assert sorted(r["end_label"] for r in rows if r["is_last"]) == ["absent 3", "missing 6"]
    assert encodings(spec, "y")[0]["scale"]["zero"] is True


def test_trend_chart_tolerates_suppressed_months_and_no_rows():
    table = TREND.astype({"episodes": "float64"})
    table.loc[0, "episodes"] = math.nan
    png_bytes(lines.trend_chart(table, **TEXT))
    png_bytes(lines.trend_chart(TREND.iloc[0:0], **TEXT))


@pytest.mark.parametrize(
    "build",
    [
        lambda: bars.band_chart(BANDS, **TEXT),
        lambda: bars.grouped_band_chart(pd.concat([BANDS.assign(g="a"), BANDS.assign(g="b")]), "g", **TEXT),
        lambda: bars.place_chart(PLACES, **TEXT),
        lambda: bars.return_interview_chart(RATES, **TEXT),
        lambda: lines.trend_chart(TREND, **TEXT),
        lambda: lines.trend_panels(TREND, **TEXT),
    ],
)
def test_every_chart_exports_as_png(build):
    chart = build()
    assert png_bytes(chart, scale=1).startswith(b"\x89PNG")
    json.loads(chart.to_json())


def lettering(font: str) -> bytes:
    """A line of text in `font`, drawn by vl-convert as exported charts and the committee pack are."""
    words = pd.DataFrame({"text": ["Wolverhampton 44.2% of episodes lasted 0-8 hrs"]})
    return png_bytes(alt.Chart(words).mark_text(font=font, fontSize=20).encode(text="text:N"), scale=1)


def test_the_theme_font_resolves_offline_to_a_font_it_names():
    """vl-convert finds no font by fontconfig alias: a list naming nothing it has falls back to another face.

    The theme's list must reach a family it names (Liberation Sans ships with vl-convert and fonts-liberation2),
    so exported images do not depend on what a machine happens to have."""
    named = [family.strip() for family in FONT.split(",") if family.strip() != "sans-serif"]
    drawn = lettering(FONT)
    assert drawn != lettering("No Such Font"), "the theme's fonts fell back to vl-convert's default"
    assert drawn in {lettering(family) for family in named}


@pytest.mark.parametrize(
    ("ends", "top", "positions"),
    [
        ({"a": 100.0, "b": 50.0}, None, {"a": 100.0, "b": 50.0}),  # far apart: at their values
        ({"a": 100.0, "b": 97.0}, None, {"a": 100.0, "b": 92.0}),  # close: the lower pushed down 8% of 100
        ({"a": 40.0, "b": 39.0, "c": 38.0}, 100.0, {"a": 40.0, "b": 32.0, "c": 24.0}),
    ],
)
def test_end_labels_never_overprint(ends, top, positions):
    frame = pd.DataFrame({"series": list(ends), "v": list(ends.values()), "is_last": True})
    placed = lines.label_positions(frame, "v", top)
    assert dict(zip(frame["series"], placed.round(6), strict=True)) == positions


def test_trend_panels_are_one_named_panel_per_series():
    spec = lines.trend_panels(TREND, **TEXT).to_dict()
    check_frame(spec)
    facet = next(node["facet"] for node in walk(spec) if "facet" in node)
    assert facet["row"]["field"] == "category" and facet["row"]["sort"] == ["missing", "absent"]
    assert {"line", "point", "text"} <= set(marks(spec))
    assert encodings(spec, "y")[0]["scale"]["domain"][0] == 0


def test_benchmark_chart_marks_the_council_by_shape_and_label_and_renders():
    from charts.benchmarks import benchmark_chart

    table = pd.DataFrame(
        {
            "area": ["Our council (own records)", "Our council (DfE)", "Region", "England", "Statistical neighbours"],
            "role": ["own records", "council (DfE)", "region", "England", "statistical neighbours"],
            "value": [12.5, float("nan"), 6.0, 8.6, 7.0],  # the council's DfE figure suppressed
            "low": [None, None, None, None, 4.0],
            "high": [None, None, None, None, 11.0],
            "shown": ["12.5%", "c", "6.0%", "8.6%", "mean 7.0% (4.0% to 11.0%, 9 of 10)"],
        }
    )
    chart = benchmark_chart(table, **TEXT, notes="Councils record missing and away differently.")
    spec = chart.to_dict()
    check_frame(spec, notes="Councils record missing and away differently.")
    rows = {row["area"]: row for row in data_rows(spec) if "area" in row}
    assert rows["Our council (own records)"]["shape"] == rows["Our council (DfE)"]["shape"] == "diamond"
    assert {rows[a]["shape"] for a in ("Region", "England", "Statistical neighbours")} == {"circle"}
    assert (
        rows["Our council (DfE)"]["label_at"] == 0.0 and rows["Our council (DfE)"]["shown"] == "c"
    )  # no dot, its symbol
    assert {"point", "rule", "text"} <= set(marks(spec))
    assert png_bytes(chart)[:8] == b"\x89PNG\r\n\x1a\n"  # Vega-Lite compiles it (mixed axes once broke it)
