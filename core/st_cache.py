"""The thin caching layer: the only part of core that imports streamlit.

Loaders that pages call go through `st.cache_data`/`st.cache_resource` here, so the
rest of core stays plain Python that tests and scripts import without a server.
"""
from __future__ import annotations

import streamlit as st

from core import sources
from core.dataset import Dataset

UPLOAD_KEY = "dataset_upload"  # session_state key of a user's own uploaded dataset


@st.cache_resource(show_spinner=False)
def default_data() -> sources.ActiveData:
    """The app-wide default dataset: read-only arrays, safe to share between sessions."""
    return sources.load_default()


def active_dataset() -> Dataset:
    """This session's dataset: its own upload if it made one, else the app-wide default."""
    return st.session_state.get(UPLOAD_KEY) or default_data().dataset


def language() -> str:
    """This session's language code, as the sidebar switch set it."""
    from core.i18n import normalize_language

    return normalize_language(st.session_state.get("lang"))


def translator():
    """`t(key, **values)` in this session's language."""
    from core.i18n import translator as bind

    return bind(language())
