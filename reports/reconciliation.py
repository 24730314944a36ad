"""Reconciliation items as the page and `python -m reports table reconciliation` show them (domain.md section 11).

The items are child-level (ids, dates): analysts and admins only, audited.
Their counts by kind and month name no child: the command gives them to
anyone who can run it, suppressed with `--publication` like every table.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine

from loaders.reconciliation import load_contributions, load_resolutions
from metrics.reconciliation import item_keys, items_by_kind_and_month, reconciliation_items


def all_items(engine: Engine) -> pd.DataFrame:
    """Every item of every imported record (the page works it out once per import: `ui.cached`)."""
    return reconciliation_items(load_contributions(engine))


def items_started_in(items: pd.DataFrame, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """The `items` whose earlier start falls in the period (inclusive), with `item_key` first."""
    police, council = pd.to_datetime(items["police_reported_at"]), pd.to_datetime(items["council_reported_at"])
    started = police.where(police.notna() & ~(council < police), council)  # the earlier start
    keep = pd.Series(True, index=items.index)
    if start is not None:
        keep &= started.dt.date >= start
    if end is not None:
        keep &= started.dt.date <= end
    items = items[keep.to_numpy(dtype=bool)].reset_index(drop=True)
    items.insert(0, "item_key", item_keys(items).to_numpy())
    return items


def with_resolutions(items: pd.DataFrame, resolutions: pd.DataFrame) -> pd.DataFrame:
    """`items` with resolved_by, resolved_at and note where resolved (`load_resolutions`)."""
    return items.merge(resolutions, on="item_key", how="left")


def items_in_period(
    engine: Engine, start: date | None = None, end: date | None = None, items: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The items (`all_items`, worked out when not given) whose earlier start falls in the period (inclusive),
    with `item_key` and, when resolved, resolved_by, resolved_at and note."""
    items = all_items(engine) if items is None else items
    return with_resolutions(items_started_in(items, start, end), load_resolutions(engine))


def open_items_by_kind_and_month(engine: Engine, start: date, end: date) -> pd.DataFrame:
    """`kind,month,items`: the open (unresolved) items of the period."""
    items = items_in_period(engine, start, end)
    return items_by_kind_and_month(items[items["resolved_by"].isna()])
