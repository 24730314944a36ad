"""Missing against absent, child by child: the Children's Society's "failure to correlate
missing and absent for individuals" (seed 001) answered with one grid.

Police record missing and absent episodes separately, so a child absent ten
times and missing once looks low-risk in either list alone. Counting both for
each child, then children in each (missing, absent) cell, shows them together
without naming anyone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CAP = 10  # counts of 10 or more share one "10+" column and row, so the grid stays readable
COUNT_LABELS = tuple(str(n) for n in range(CAP)) + (f"{CAP}+",)


def missing_absent_counts(episodes: pd.DataFrame) -> pd.DataFrame:
    """child_id,missing,absent: each child's missing and absent episodes (children with neither left out)."""
    codes, children = pd.factorize(episodes["child_id"])
    is_missing = (episodes["category"] == "missing").to_numpy(dtype=bool)
    is_absent = (episodes["category"] == "absent").to_numpy(dtype=bool)
    missing = np.bincount(codes, weights=is_missing, minlength=len(children)).astype("int64")
    absent = np.bincount(codes, weights=is_absent, minlength=len(children)).astype("int64")
    table = pd.DataFrame({"child_id": np.asarray(children, dtype=object), "missing": missing, "absent": absent})
    return table[(table["missing"] + table["absent"]) > 0].reset_index(drop=True)


def missing_absent_grid(episodes: pd.DataFrame) -> pd.DataFrame:
    """missing,absent,children: how many children had each number of missing and of absent
    episodes (labels "0".."9", "10+"); only cells with children, in count order."""
    counts = missing_absent_counts(episodes)
    missing = np.minimum(counts["missing"].to_numpy(), CAP)
    absent = np.minimum(counts["absent"].to_numpy(), CAP)
    cells = pd.DataFrame({"m": missing, "a": absent}).value_counts().sort_index()
    return pd.DataFrame(
        {
            "missing": [COUNT_LABELS[m] for m, _ in cells.index],
            "absent": [COUNT_LABELS[a] for _, a in cells.index],
            "children": cells.to_numpy(dtype="int64"),
        }
    )


def missing_absent_summary(episodes: pd.DataFrame) -> dict[str, int]:
    """Children with missing episodes only, absent only, and both."""
    counts = missing_absent_counts(episodes)
    has_missing, has_absent = counts["missing"] > 0, counts["absent"] > 0
    return {
        "missing_only": int((has_missing & ~has_absent).sum()),
        "absent_only": int((has_absent & ~has_missing).sum()),
        "both": int((has_missing & has_absent).sum()),
    }
