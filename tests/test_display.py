"""ui.display: what viewers see (suppressed tables, masked charts, hidden unchecked tables),
downloads that are audited when taken, meeting mode without controls.

The page under test is a small script showing the real duration bands of March
2015 from the tiny database of tests/test_app.py (counts 2, 1, 1, 0, 1, 0, 1).
"""

from __future__ import annotations

import time

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from loaders.database import connect
from tests.support import build_database
from ui import display
from ui.auth import SignedIn


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    url = build_database(tmp_path / "app.db")
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def bands_page():
    """Two charts of the same name, an unchecked table and an aggregate-safe one."""
    from datetime import date

    import altair as alt
    import pandas as pd

    from metrics.bands import duration_bands
    from metrics.filters import select_episodes
    from ui import data, display

    march = select_episodes(data.episodes(), date(2015, 3, 1), date(2015, 3, 31))
    table = duration_bands(march)

    def build(frame):
        return alt.Chart(frame).mark_bar().encode(x="band:N", y="count:Q")

    display.show_chart(build, table, name="Time missing", kind="duration", table_open=True)
    display.show_chart(build, table, name="Time missing", kind="duration")
    display.show_table(march[["episode_id", "category"]], name="Episodes listed")
    display.show_table(pd.DataFrame({"file": ["a.csv"], "rows": [3]}), name="Files", aggregate_safe=True)


def open_as(role: str, meeting: bool = False) -> AppTest:
    at = AppTest.from_function(bands_page, default_timeout=60)
    at.session_state["user"] = SignedIn(f"test-{role}", role, time.time())
    at.session_state["meeting"] = meeting
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def chart_values(at: AppTest, index: int = 0) -> list[dict]:
    """The rows a drawn chart carries (Streamlit sends its datasets as Arrow)."""
    [dataset] = at.get("vega_lite_chart")[index].proto.datasets
    frame = pa.ipc.open_stream(dataset.data.data).read_pandas()
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


@pytest.mark.usefixtures("database")
def test_an_analyst_sees_every_number_and_every_table():
    at = open_as("analyst")
    first = at.dataframe[0].value
    assert first["count"].tolist() == [2, 1, 1, 0, 1, 0, 1]
    assert len(at.dataframe) == 4  # both charts' tables, the episode list, the files
    assert display.SUPPRESSION_NOTE not in [c.value for c in at.caption]
    assert [row["count"] for row in chart_values(at)] == [2, 1, 1, 0, 1, 0, 1]


@pytest.mark.usefixtures("database")
def test_a_viewer_sees_small_numbers_suppressed_and_no_unchecked_table():
    at = open_as("viewer")
    first = at.dataframe[0].value
    assert first["count"].tolist() == ["<5", "<5", "<5", "0", "<5", "0", "<5"]
    assert set(first["percent"]) <= {"*", "0.0"}
    assert display.SUPPRESSION_NOTE in [c.value for c in at.caption]
    assert "episode_id" not in set().union(*(frame.value.columns for frame in at.dataframe))
    assert any("Not shown to viewers" in i.value for i in at.info)
    assert any(list(frame.value.columns) == ["file", "rows"] for frame in at.dataframe)  # aggregate-safe
    # the chart is drawn from the masked table: hidden counts are blank, true zeros stay 0
    assert [row["count"] for row in chart_values(at)] == [None, None, None, 0, None, 0, None]


def test_publication_view_turns_marked_columns_into_text_keeping_labels():
    table = pd.DataFrame({"band": ["a", "b"], "count": ["<5", 12], "percent": ["*", 85.714], "other": [1, 2]})
    shown, config = display.publication_view(table, {"count": "Count", "band": "Band"})
    assert shown["count"].tolist() == ["<5", "12"]
    assert shown["percent"].tolist() == ["*", "85.7"]
    assert shown["other"].tolist() == [1, 2]
    assert config["band"] == "Band" and config["count"]["label"] == "Count"
    assert "other" not in config


def audit_rows(url: str) -> list[tuple]:
    engine = connect(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT user_name, action, subject, filters FROM audit_log")).all()
    finally:
        engine.dispose()


def test_downloads_are_made_only_when_taken(database):
    """Showing the buttons audits nothing and reruns nothing; each file is made (and audited) only
    when taken: tests/test_browser_filters.py takes them in a browser and reads the audit rows."""
    at = open_as("analyst")
    buttons = at.get("download_button")
    keys = [button.key for button in buttons]
    assert len(keys) == len(set(keys)) == 8  # 2 charts x (PNG, SVG, CSV) + 2 tables
    assert audit_rows(database) == []
    buttons[0].click().run()  # AppTest cannot take a file made on demand: the click alone
    assert not at.exception
    assert audit_rows(database) == []


@pytest.mark.usefixtures("database")
def test_meeting_mode_shows_charts_and_plain_tables_without_downloads():
    at = open_as("analyst", meeting=True)
    assert not at.get("download_button")
    assert not at.expander
    assert len(at.get("vega_lite_chart")) == 2
    assert len(at.table) == 2 and not at.dataframe


def counted_chart_page():
    """One chart whose subtitle the page reads from the session, its builder counting its calls."""
    import altair as alt
    import pandas as pd
    import streamlit as st

    from ui import display

    subtitle = st.session_state["subtitle"]

    def build(frame):
        st.session_state["built"] += 1
        return (
            alt.Chart(frame, title=alt.Title(st.session_state["title"], subtitle=subtitle))
            .mark_bar()
            .encode(x="band:N", y="count:Q")
        )

    display.show_chart(build, pd.DataFrame({"band": ["a", "b"], "count": [7, 9]}), name="Counted")


def test_a_chart_is_drawn_from_what_it_reads_on_this_run():
    """Nothing about a chart is cached: a value the builder reads that changes shows on the next run."""
    import json

    at = AppTest.from_function(counted_chart_page, default_timeout=60)
    at.session_state["user"] = SignedIn("test-analyst", "analyst", time.time())
    at.session_state["title"], at.session_state["subtitle"], at.session_state["built"] = "Counted", "first", 0
    at.run()
    at.session_state["subtitle"] = "second"
    at.run()
    assert at.session_state["built"] == 2
    [chart] = at.get("vega_lite_chart")
    assert json.loads(chart.proto.spec)["title"]["subtitle"] == "second"


def trend_page():
    """The monthly trend chart of the table the session holds (a view's table)."""
    import streamlit as st

    from charts.lines import trend_chart
    from ui import display

    def build(table):
        return trend_chart(table, title="Episodes each month", subtitle="Test", source="Source: test")

    display.show_chart(build, st.session_state["table"], name="Trend")


def test_two_views_of_a_chart_send_the_same_spec_and_different_data():
    """A filter change that leaves the months and categories alone swaps only the data (sent as Arrow)."""
    months = ["2015-01", "2015-02", "2015-03"] * 2
    categories = ["missing"] * 3 + ["absent"] * 3
    every = pd.DataFrame({"month": months, "category": categories, "episodes": [4, 6, 5, 1, 2, 3]})
    from_care = every.assign(episodes=[2, 1, 3, 1, 1, 2])
    at = AppTest.from_function(trend_page, default_timeout=60)
    at.session_state["user"] = SignedIn("test-analyst", "analyst", time.time())
    sent = []
    for table in (every, from_care):
        at.session_state["table"] = table
        at.run()
        assert not at.exception
        [chart] = at.get("vega_lite_chart")
        data = {d.name: pa.ipc.open_stream(d.data.data).read_all() for d in chart.proto.datasets}
        sent.append((chart.proto.spec, data))
    (spec_every, data_every), (spec_care, data_care) = sent
    assert spec_every == spec_care
    assert data_every.keys() == data_care.keys()
    assert data_every["months"].column("episodes").to_pylist() == [4.0, 1.0, 6.0, 2.0, 5.0, 3.0]
    assert data_care["months"].column("episodes").to_pylist() == [2.0, 1.0, 1.0, 1.0, 3.0, 2.0]
