"""A tab's runs after a refresh, and after a server restart.

Runs live in the server's memory and belong to a browser session. A refresh (F5) opens a
new session; so the page's address carries the server's id and the session's unguessable
token (`?run=3f9a01c2-<token>`), and a new session opened with it takes the runs over
(core.engine.sessions), with what the pages remembered about them. When the server
itself restarted (a Community Cloud app that went to sleep and woke, an instructor's
reboot, a crash), the runs are gone: a page opened with another server's id says so and
what to do.
"""
import copy
import re

import streamlit as st

from core import st_cache

PARAM = "run"
VALUE = re.compile(r"([0-9a-f]{8})-([A-Za-z0-9_-]{22})")  # anything else is ignored


def keep(key: str) -> None:
    """Remember session_state[key] across a refresh, and put this tab's token in the URL."""
    sessions = st_cache.job_manager().sessions
    token = sessions.remember(st_cache.session_id(), key, st.session_state[key])
    st.query_params[PARAM] = f"{st_cache.server_id()}-{token}"


def restore() -> str | None:
    """Take over the runs of the tab this one refreshed ("reattached"), or find that a
    restart lost them ("lost"). Call before the page reads its runs."""
    value = st.query_params.get(PARAM)
    if value is None:
        return None
    found = VALUE.fullmatch(value)
    if found is not None and found.group(1) == st_cache.server_id():
        memo = st_cache.job_manager().reattach(found.group(2), st_cache.session_id())
        if memo is None:
            return None  # this tab's own token
        for key, kept in memo.items():
            st.session_state[key] = copy.deepcopy(kept)
        return "reattached"
    del st.query_params[PARAM]  # garbage, or another server's: never shown
    return "lost" if found is not None else None


def explain(outcome: str | None, t) -> None:
    """Say what restore() found."""
    if outcome == "reattached":
        st.info(t("run.reattached"), icon=":material/history:")
    elif outcome == "lost":
        st.warning(t("run.lost_after_restart"), icon=":material/restart_alt:")
