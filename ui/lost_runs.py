"""Runs lost to a server restart: say so, instead of a training page that forgot them.

Runs live in the server's memory. When the server restarts (a Community Cloud app that
went to sleep and woke, an instructor's reboot, a crash), the browser reconnects to a
new server that has never heard of them. So the page's URL carries the server's id and
the latest run's number (`?run=3f9a01c2-7`); a page opened with an id that is not this
server's explains what happened and what to do.
"""
import re

import streamlit as st

from core import st_cache

PARAM = "run"
VALUE = re.compile(r"([0-9a-f]{8})-(\d{1,6})")  # anything else in the URL is ignored


def remember(job) -> None:
    """Put this server's id and the run's number in the page's URL."""
    st.query_params[PARAM] = f"{st_cache.server_id()}-{job.id}"


def explain(t) -> None:
    """If the URL names a run of an earlier server, say it is gone and how to get it back."""
    value = st.query_params.get(PARAM)
    if value is None:
        return
    found = VALUE.fullmatch(value)
    if found is not None and found.group(1) == st_cache.server_id():
        return  # a run of this server: the page shows it
    del st.query_params[PARAM]  # garbage is dropped unseen: it came from a URL
    if found is not None:
        st.warning(t("run.lost_after_restart", run=found.group(2)),
                   icon=":material/restart_alt:")
