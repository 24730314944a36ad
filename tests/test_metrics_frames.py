"""The episode frames the metrics tests build (tests.support.make_episodes) have exactly the shape
`load_episodes` gives: real postcode facts, typed columns, date-only flags.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.support import make_episodes


def test_frame_has_load_episodes_dtypes_and_real_postcode_facts():
    frame = make_episodes({"from_postcode": "b236aa", "reported_at": "2015-03-02", "category": "absent"})
    assert frame.loc[0, "from_postcode"] == "B23 6AA"
    assert frame.loc[0, "from_district"] == "B23"
    assert frame.loc[0, "from_easting"] == pytest.approx(410388.0)
    assert bool(frame.loc[0, "reported_at_date_only"]) is True
    assert isinstance(frame["category"].dtype, pd.CategoricalDtype)
    assert str(frame["reported_at"].dtype) == "datetime64[ns]"
