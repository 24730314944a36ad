"""A generated sample as a canonical import file (domain.md section 3).

For import benchmarks and tests: the importer should read back exactly what
was generated, so date-only values are written as plain dates.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sample_data.generate import CANONICAL_COLUMNS, DATETIME_COLUMNS, Sample


def canonical_frame(sample: Sample) -> pd.DataFrame:
    """The episodes as text in the canonical columns: ISO datetimes, Y/N flags, blanks for not known."""
    episodes = sample.episodes
    out = pd.DataFrame(index=episodes.index)
    for column in CANONICAL_COLUMNS:
        values = episodes[column]
        if column in DATETIME_COLUMNS:
            text = values.dt.strftime("%Y-%m-%d %H:%M")
            date_only = episodes[f"{column}_date_only"].to_numpy(dtype=bool)
            text = text.where(~date_only, values.dt.strftime("%Y-%m-%d"))
            out[column] = text.where(values.notna(), "")
        elif column == "date_of_birth":
            out[column] = values.dt.strftime("%Y-%m-%d").where(values.notna(), "")
        elif isinstance(values.dtype, pd.BooleanDtype):
            out[column] = values.map({True: "Y", False: "N"}).astype("object").where(values.notna(), "")
        else:
            out[column] = values.astype("object").where(values.notna(), "")
    return out


def write_csv(sample: Sample, path: str | Path) -> int:
    """Write the sample's episodes as a canonical CSV; returns the number of rows."""
    frame = canonical_frame(sample)
    frame.to_csv(path, index=False)
    return len(frame)
