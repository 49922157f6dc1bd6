"""Take it home: a run's whole lab (load the course files, build, compile, fit, evaluate,
save, load back) as one Keras 3 script to read and download (core.training.export)."""
from __future__ import annotations

import streamlit as st

from core.engine.contract import RunSettings
from core.training.export import run_script


def script_ui(settings: RunSettings, t, key: str, expected: float | None = None) -> None:
    """The script of these settings in an expander, with a download button (`key`: the
    widget key; expected: the page's test accuracy of this run, when it has one)."""
    name = f"cnnlab_{settings.model}_{settings.target}"
    script = run_script(settings, name=name, expected=expected)
    with st.expander(t("train.script"), icon=":material/terminal:"):
        st.markdown(t("train.script.why"))
        st.download_button(t("train.script.download"), script, file_name=f"{name}.py",
                           mime="text/x-python", key=key, icon=":material/download:",
                           on_click="ignore")
        st.code(script, language="python")
