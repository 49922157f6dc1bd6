"""The instructor's lane: with a key set (CNNLAB_INSTRUCTOR_KEY or the app's secrets), a
password field in the sidebar unlocks it for this session. The instructor's runs then
start before the queue's, and server-wide actions (the CIFAR-100 download, which changes
every session's dataset) are theirs alone. Without a key the app behaves as on a personal
machine: everyone may do everything. A wrong key grants nothing; the field is emptied at
once, and what was typed is never shown, stored or logged.
"""
from __future__ import annotations

import hmac

import streamlit as st

from core import st_cache

UNLOCKED = "instructor_unlocked"  # session_state: True once the right key was given
FIELD = "instructor_key_field"  # the password widget's key
WRONG = "instructor_wrong"  # session_state: the last try was wrong (shown once)


def _check() -> None:
    """on_change of the password field: compare, empty the field, remember the verdict."""
    typed = st.session_state.get(FIELD) or ""
    st.session_state[FIELD] = ""  # never kept, so never sent back to the browser
    key = st_cache.instructor_key()
    right = key is not None and hmac.compare_digest(typed.encode(), key.encode())
    st.session_state[UNLOCKED] = right or st.session_state.get(UNLOCKED, False)
    st.session_state[WRONG] = bool(typed) and not right
    if right:
        st_cache.job_manager().sessions.set_priority(st_cache.session_id(), True)


def _lock() -> None:
    st.session_state[UNLOCKED] = False
    st_cache.job_manager().sessions.set_priority(st_cache.session_id(), False)


def unlocked() -> bool:
    return bool(st.session_state.get(UNLOCKED))


def may_act_for_everyone() -> bool:
    """Server-wide actions: anyone without a key, only the instructor with one."""
    return st_cache.instructor_key() is None or unlocked()


def sidebar(t) -> None:
    """The lane's switch, shown only when a key is set."""
    if st_cache.instructor_key() is None:
        return
    if unlocked():
        st.success(t("instructor.on"), icon=":material/school:")
        st.caption(t("instructor.tip"))
        st.button(t("instructor.lock"), key="instructor_lock", on_click=_lock)
        return
    with st.expander(t("instructor.title"), icon=":material/lock:"):
        st.text_input(t("instructor.field"), type="password", key=FIELD, on_change=_check,
                      help=t("instructor.help"))
        if st.session_state.pop(WRONG, False):
            st.error(t("instructor.wrong"), icon=":material/key_off:")
