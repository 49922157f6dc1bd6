"""The server's settings that were refused, said in the sidebar of every page: a typo in
a cap or a key is never silently replaced by the default (core.settings)."""
from __future__ import annotations

import streamlit as st

from core import st_cache
from core.settings import plain


def problems(t) -> None:
    for problem in st_cache.server_settings().problems:
        accepts = t(f"settings.accepts.{problem.accepts}", low=plain(problem.low),
                    high=plain(problem.high))
        st.warning(t("settings.problem", source=problem.source,
                     value=problem.value.replace("`", "'"), accepts=accepts,
                     default=problem.default or t("settings.default.none")),
                   icon=":material/settings_alert:")

