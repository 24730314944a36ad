"""The Reconciliation page (analysts and admins) through AppTest: items by kind with both sources' values,
resolving one with a note (audited), resolved items apart and not counted.

Viewers are refused, as by every child-level page (tests/test_child_pages.py, PAGES).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from loaders.database import connect
from tests.app_support import run_page
from tests.support import EXPORT, audit_rows, police, ssda903

PAGE = "ui/pages/reconciliation.py"
SPRING = {"from": "2015-03-01", "to": "2015-04-30"}


@pytest.fixture
def database_url(tmp_path, monkeypatch) -> str:
    """The example police export and an SSDA903 return for the same children (three items)."""
    url = f"sqlite:///{tmp_path / 'reconcile.db'}"
    engine = connect(url)
    police(engine)
    ssda903(engine)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_items_side_by_side_then_one_resolved_with_a_note(database_url):
    at = run_page(PAGE, "analyst", SPRING)
    tiles = {m.label: m.value for m in at.metric}
    assert tiles == {
        "Known to the police only": "0",
        "Known to the council (SSDA903) only": "1",
        "Category disagrees": "1",
        "Return times more than 12 hours apart": "1",
    }
    assert audit_rows(database_url)[-1][:3] == ("test-analyst", "view", "reconciliation")
    chart_table, items = at.dataframe[0].value, at.dataframe[1].value
    assert chart_table["items"].sum() == 3
    category = items[items["kind"] == "category disagrees"].iloc[0]
    assert (category["police_episode"], category["council_episode"]) == ("MP/15/0102", "903-C-101-2015-03-14")
    assert (category["police_category"], category["council_category"]) == ("absent", "missing")

    at.selectbox[0].set_value("category|MP/15/0102|903-C-101-2015-03-14")
    at.button[0].click().run()  # no note: refused
    assert "Say what was found" in at.error[0].value
    at.selectbox[0].set_value("category|MP/15/0102|903-C-101-2015-03-14")
    at.text_area[0].input("Police upgraded to missing on 15/03.")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Category disagrees"] == "0"
    assert at.subheader[0].value == "Open items (2)" and at.subheader[1].value == "Resolved (1)"
    resolved = at.dataframe[-1].value
    assert resolved[["police_episode", "resolved_by", "note"]].values.tolist() == [
        ["MP/15/0102", "test-analyst", "Police upgraded to missing on 15/03."]
    ]
    actions = [row[1:3] for row in audit_rows(database_url)]
    assert ("resolve", "reconciliation category|MP/15/0102|903-C-101-2015-03-14") in actions


def test_a_long_list_is_shown_a_page_at_a_time_and_downloaded_whole(tmp_path, monkeypatch):
    """Beyond ui.paged.ROWS_SHOWN open items the table and the list to resolve from hold one page of them
    (by child, then date), a note says which rows of how many, a page number moves on, and the download
    has them all."""
    header = EXPORT.read_text().splitlines()[0]
    first = datetime(2014, 4, 1, 8, 0)
    rows = [
        f"MP/14/{n:04d},C-101,Missing Person,{first + timedelta(hours=6 * n):%d/%m/%Y %H:%M},"
        f"{first + timedelta(hours=6 * n + 1):%d/%m/%Y %H:%M},Local Authority Care,Children's Home,B23 6AA,,"
        "Low Risk,F,01/05/2001,WBRI,,N,N"
        for n in range(1_005)
    ]
    export = tmp_path / "long.csv"
    export.write_text("\n".join([header, *rows]) + "\n")
    url = f"sqlite:///{tmp_path / 'long.db'}"
    engine = connect(url)
    police(engine, export)
    ssda903(engine)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)

    at = run_page(PAGE, "analyst", {"from": "2014-04-01", "to": "2015-04-30"})
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Known to the police only"] == "1,005"
    total = sum(int(value.replace(",", "")) for value in tiles.values())
    assert at.subheader[0].value == f"Open items ({total:,})"
    items = at.dataframe[1].value
    assert len(items) == 1_000 and items["police_episode"].iloc[0] == "MP/14/0000"  # C-101's first, in time order
    assert f"Showing rows 1 to 1,000 of {total:,}" in " ".join(c.value for c in at.caption)
    assert len(at.selectbox[0].options) == 1_000
    assert [b.label for b in at.get("download_button")].count("Download table (CSV)") >= 1
    at.number_input[0].set_value(2).run()
    items = at.dataframe[1].value
    assert len(items) == total - 1_000 and items["police_episode"].iloc[0] == "MP/14/1000"
    assert f"Showing rows 1,001 to {total:,} of {total:,}" in " ".join(c.value for c in at.caption)
    assert len(at.selectbox[0].options) == total - 1_000
