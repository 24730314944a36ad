"""Links from any table to a child's timeline: the pseudonymous id is the link.

A link carries the period and filters of the page it is on (the view's URL
parameters), so the timeline opens on the same period with it shaded. In
meeting mode tables are drawn as plain HTML, where a link would show as a
URL: there the id is shown as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from ui import sidebar, view

TIMELINE_PAGE = "child_timeline"
CHILD_PARAM = "child"


def timeline_url(child_id: str, view_params: dict[str, str | list[str]]) -> str:
    """`child_timeline?child=<id>&from=...`: relative, so it works under any base URL path."""
    return f"{TIMELINE_PAGE}?" + urlencode({CHILD_PARAM: child_id, **view_params}, doseq=True)


def child_links(child_ids: Iterable[object]) -> pd.Series:
    """Each id as a link to its timeline (blank stays blank), or the id itself in meeting mode."""
    ids = pd.Series(list(child_ids), dtype="object")
    if sidebar.meeting_mode():
        return ids
    params = view.view_params(sidebar.current_view())
    known = ids.notna()
    urls = {child: timeline_url(str(child), params) for child in ids[known].unique()}  # once per child
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
