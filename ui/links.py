"""Links from any table to a child's timeline: the pseudonymous id is the link.

A link carries the period and filters of the page it is on (the view's URL
parameters), so the timeline opens on the same period with it shaded. In
meeting mode tables are drawn as plain HTML, where a link would show as a
URL: there the id is shown as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote_plus, urlencode

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


def link_view() -> str | None:
    """The view's parameters as the links on this page carry them (None in meeting mode: ids as text)."""
    return None if sidebar.meeting_mode() else urlencode(view.view_params(sidebar.current_view()), doseq=True)


def timeline_links(child_ids: Iterable[object], encoded_view: str | None) -> pd.Series:
    """child_links for the view `link_view` gave: outside a page run too (a download made when clicked)."""
    ids = pd.Series(list(child_ids), dtype="object")
    if encoded_view is None:
        return ids
    known = ids.notna()
    urls = {child: _timeline_url(str(child), encoded_view) for child in ids[known].unique()}  # once per child
    return ids.map(urls).where(known, None)


def child_column(label: str = "Child", help: str | None = None) -> object:
    """The column config that shows a timeline link as the child id it is for."""
    if sidebar.meeting_mode():
        return st.column_config.TextColumn(label, help=help)
    return st.column_config.LinkColumn(
        label,
        help=help or "Opens this child's timeline (in a new tab).",
        display_text=rf"{CHILD_PARAM}=([^&]*)",
    )
