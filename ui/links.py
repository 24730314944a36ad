"""Links from any table to a child's timeline: the pseudonymous id is the link.

A link carries the period and filters of the page it is on (the view's URL
parameters), so the timeline opens on the same period with it shaded. In
meeting mode tables are drawn as plain HTML, where a link would show as a
URL: there the id is shown as text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import quote_plus, urlencode

import numpy as np
import pandas as pd
import streamlit as st

from ui import sidebar, view

TIMELINE_PAGE = "child_timeline"
CHILD_PARAM = "child"


def timeline_url(child_id: str, view_params: dict[str, str | list[str]]) -> str:
    """`child_timeline?child=<id>&from=...`: relative, so it works under any base URL path."""
    return _timeline_url(child_id, urlencode(view_params, doseq=True))


def _timeline_url(child_id: str, encoded_view: str) -> str:
    """The same URL from the view's parameters encoded once (a table of thousands of children
    encoded them again for each child)."""
    return f"{TIMELINE_PAGE}?{CHILD_PARAM}={quote_plus(child_id)}" + (f"&{encoded_view}" if encoded_view else "")


def child_links(child_ids: Iterable[object]) -> pd.Series:
    """Each id as a link to its timeline (blank stays blank), or the id itself in meeting mode."""
    return timeline_links(child_ids, link_view())


def child_linker() -> Callable[[Iterable[object]], pd.Series]:
    """`child_links` for this page run's view, to call later (a download made when it is clicked)."""
    encoded_view = link_view()
    return lambda child_ids: timeline_links(child_ids, encoded_view)


def link_view() -> str | None:
    """The view's parameters as the links on this page carry them (None in meeting mode: ids as text)."""
    return None if sidebar.meeting_mode() else urlencode(view.view_params(sidebar.current_view()), doseq=True)


def timeline_links(child_ids: Iterable[object], encoded_view: str | None) -> pd.Series:
    """child_links for the view `link_view` gave: outside a page run too (a download made when clicked).

    Each distinct id is made a link once and the links taken by position: a table of 150,000
    rows read its ids one by one from the arrow-backed column and mapped them through a dict.
    """
    values = child_ids.to_numpy(dtype=object) if isinstance(child_ids, pd.Series) else list(child_ids)
    ids = pd.Series(values, dtype="object")
    if encoded_view is None:
        return ids
    codes, uniques = pd.factorize(ids)  # a blank id gets -1: the None after the links
    urls = np.array([_timeline_url(str(child), encoded_view) for child in uniques] + [None], dtype=object)
    return pd.Series(urls[codes], dtype="object")


def child_column(label: str = "Child", help: str | None = None) -> object:
    """The column config that shows a timeline link as the child id it is for."""
    if sidebar.meeting_mode():
        return st.column_config.TextColumn(label, help=help)
    return st.column_config.LinkColumn(
        label,
        help=help or "Opens this child's timeline (in a new tab).",
        display_text=rf"{CHILD_PARAM}=([^&]*)",
    )
