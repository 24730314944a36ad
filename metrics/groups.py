"""Band tables side by side for each group (home/care, category): does the picture differ?"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from config.canonical import CATEGORIES, MISSING_FROM

GROUP_VALUES = {"missing_from": MISSING_FROM, "category": CATEGORIES}


def bands_by_group(
    episodes: pd.DataFrame,
    bands: Callable[[pd.DataFrame], pd.DataFrame],
    column: str,
    groups: Sequence[str] | None = None,
    reads: Sequence[str] | None = None,
) -> pd.DataFrame:
    """group,band,count,percent: `bands` over each group's episodes, each group's own denominator.

    Every group is listed (a group with no episodes has counts 0 and blank percents). `reads`, the
    columns `bands` needs, narrows each group's episodes to them: copying all the columns of every
    group's rows took a hundred times longer than the bands.
    """
    values = episodes[column]
    if reads is not None:
        episodes = episodes[list(reads)]
    groups = tuple(groups if groups is not None else GROUP_VALUES[column])
    tables = [bands(episodes.loc[(values == group).to_numpy()]).assign(group=group) for group in groups]
    table = pd.concat(tables, ignore_index=True)
    return table[["group", *[c for c in table.columns if c != "group"]]]
