"""Vega-Lite specs written as plain dicts, for the charts every page draws.

Altair takes 0.1-0.3 s to build and convert a chart of a few rows (deep copies and schema look-ups
on every object); the same spec written as a dict takes well under a millisecond, so a page can build
its charts on every run, with no cache to key. A `Spec` keeps the spec apart from its tables, which
it names: a page sends the tables beside the spec as Arrow (`drawn`), so a filter change that leaves
the marks, scales and titles alone changes only the data; exports, the committee pack and tests read
`to_dict`, the spec with its data inline, as Altair writes it. tests/test_charts.py and
tests/test_chart_specs.py validate the specs against the Vega-Lite schema.
"""

from __future__ import annotations

import json
from typing import Any

import altair as alt
import pandas as pd
from altair.utils.core import infer_vegalite_type_for_pandas
from altair.utils.data import to_values

TYPES = {"N": "nominal", "Q": "quantitative", "T": "temporal", "O": "ordinal"}
ONE_ROW = pd.DataFrame({"row": [0]})  # the data of a chart that draws only text it was given


def field(shorthand: str, **properties: Any) -> dict:
    """An encoding of a field, `name:T` as Altair reads it (`N` nominal, `Q` quantitative, `T` temporal,
    `O` ordinal), with its other properties; a None property is written as null (no axis, no title)."""
    name, _, kind = shorthand.rpartition(":")
    return {"field": name, "type": TYPES[kind], **properties}


def inferred(frame: pd.DataFrame, name: str) -> dict:
    """An encoding of the column `name` typed from its values, as Altair types a bare column name."""
    kind = infer_vegalite_type_for_pandas(frame[name])
    if isinstance(kind, tuple):  # an ordered category: ordinal, in its order
        return {"field": name, "type": kind[0], "sort": list(kind[1])}
    return {"field": name, "type": kind}


def data(name: str) -> dict:
    """A reference to the spec's table `name`."""
    return {"data": {"name": name}}


class Spec:
    """A Vega-Lite spec without its data (`spec`), and the tables it names (`datasets`)."""

    def __init__(self, spec: dict, datasets: dict[str, pd.DataFrame]) -> None:
        self.spec = spec
        self.datasets = datasets

    def _themed(self) -> dict:
        """The spec under the active Altair theme, as Altair's `to_dict` writes it."""
        return {**alt.theme.get()(), **self.spec, "$schema": alt.SCHEMA_URL}  # type: ignore[misc]

    def drawn(self) -> dict:
        """The spec for `st.vega_lite_chart`: its tables as frames, which Streamlit sends as Arrow."""
        return {**self._themed(), "datasets": dict(self.datasets)}

    def to_dict(self, validate: bool = False) -> dict:
        """The spec with its data inline (JSON values, as Altair writes them), for exports and papers."""
        del validate  # the specs are validated by the tests, not on every export
        return {
            **self._themed(),
            "datasets": {name: to_values(frame)["values"] for name, frame in self.datasets.items()},
        }

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)


def text_panel(text: str, width: int, height: int = 40) -> Spec:
    """A panel holding one line of text where a chart would be (no months, every number hidden...)."""
    mark = {"type": "text", "text": text, "align": "left", "x": 0, "y": 20}
    return Spec({**data("one_row"), "mark": mark, "width": width, "height": height}, {"one_row": ONE_ROW})
