"""The data every page reads, cached for the whole server: the engine, the episodes, the establishments.

The episodes are loaded once per data version (an import bumps it, and
`clear_episodes` drops the old frame at once); everything else here is
worked out from that frame, so the pages run no SQL of their own.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

import config
from loaders.database import connect
from loaders.episodes import data_version, load_episodes
from loaders.importer import ImportResult
from metrics.filters import with_derived


@st.cache_resource
def engine(url: str) -> Engine:
    """One migrated engine per database URL for the whole server."""
    return connect(url)


def current_engine() -> Engine:
    return engine(config.database_url())


@st.cache_resource(show_spinner="Loading episodes…", max_entries=2)
def _episodes(url: str, version: tuple[int, int]) -> pd.DataFrame:
    """One frame for the whole server, with the derived columns worked out once.

    A resource, not cache_data: cache_data hands every page run its own
    unpickled copy (about 1 GB at a million episodes). Nothing may change
    it in place: metrics and pages take copies (pandas copy-on-write).
    """
    return with_derived(load_episodes(engine(url)), config.settings().authority.lad_codes)


def episodes() -> pd.DataFrame:
    """All episodes, reloaded only when an import changes the data version."""
    url = config.database_url()
    return _episodes(url, data_version(engine(url)))


def clear_episodes() -> None:
    """Drop the cached episodes and what is worked out from them (after an import)."""
    _episodes.clear()
    _establishments.clear()
    _latest_reported.clear()


@st.cache_data(show_spinner=False)
def _establishments(url: str, version: tuple[int, int]) -> dict[str, str]:
    frame = _episodes(url, version)[["establishment_id", "establishment_name"]].dropna(subset=["establishment_id"])
    frame = frame.drop_duplicates("establishment_id").sort_values("establishment_id")
    return {
        str(i): (str(n) if pd.notna(n) else "")
        for i, n in zip(frame["establishment_id"], frame["establishment_name"], strict=True)
    }


def establishments() -> dict[str, str]:
    """establishment_id -> name of every establishment with an episode: the Establishment filter's values."""
    url = config.database_url()
    return _establishments(url, data_version(engine(url)))


@st.cache_data(show_spinner=False)
def _latest_reported(url: str, version: tuple[int, int]) -> date | None:
    latest = _episodes(url, version)["reported_at"].max()
    return None if pd.isna(latest) else pd.Timestamp(latest).date()


def latest_reported() -> date | None:
    """The day the latest episode was reported (None with no episodes): the presets count back from its month."""
    url = config.database_url()
    return _latest_reported(url, data_version(engine(url)))


def messages_frame(result: ImportResult) -> pd.DataFrame:
    """Every message of an import as a table, errors first, in file order."""
    frame = pd.DataFrame(
        [(m.file, m.row, m.column, m.severity, m.text) for m in result.messages],
        columns=["file", "row", "column", "severity", "text"],
    )
    frame["row"] = frame["row"].astype("Int64")
    return frame.sort_values("severity", kind="stable").reset_index(drop=True)
