"""Choice widgets after a language switch.

Streamlit 1.67 sends a choice's label, not its value, to the browser and does not
resend it when only format_func changes. After a language switch the browser went on
showing the old language's label (or, for a radio, no choice at all) until the value
was set again; so each page sets its translated choices again, once per switch.
"""
from __future__ import annotations

import streamlit as st

from core import st_cache


def relabel_after_switch(page: str, keys) -> bool:
    """Set the session_state values of `keys` again if the language changed since this
    page last ran; True if it did."""
    state, lang, seen = st.session_state, st_cache.language(), f"{page}_lang"
    switched = state.get(seen) != lang
    if switched:
        for key in keys:
            if key in state:
                state[key] = state[key]
        state[seen] = lang
    return switched
