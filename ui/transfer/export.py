"""Take it home: the transfer-learning lesson with the page's settings as one Keras 3
script to read and download (core.transfer.export)."""
from __future__ import annotations

import streamlit as st

from core.transfer.export import lesson_script
from core.transfer.lesson import Settings


def script_ui(settings: Settings, n_fine: int, t) -> None:
    script = lesson_script(settings, n_fine)
    with st.expander(t("transfer.script"), icon=":material/terminal:"):
        st.markdown(t("transfer.script.why"))
        st.download_button(t("transfer.script.download"), script,
                           file_name=f"cnnlab_transfer_w{settings.width}.py",
                           mime="text/x-python", key="transfer_script",
                           icon=":material/download:", on_click="ignore")
        st.code(script, language="python")
