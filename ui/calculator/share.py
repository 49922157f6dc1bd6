"""Take the stack elsewhere: as Keras code, as a link, or to the training page."""
from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from core.stack.build import keras_code
from core.stack.spec import ShapeError
from core.calculator.link import PARAM
from ui.steps import TRAINING_PAGE

TRAIN_STACK = "train_stack"  # session_state key the training page reads
GO_TRAIN = "calc_go_train"  # set by the button's callback: switch page on this run


def code(input_shape, layers: list, failing: bool, t) -> None:
    """The Keras code that builds this stack, to copy or download."""
    st.markdown(t("calc.code.intro"))
    try:
        source = keras_code(input_shape, layers, error_comment=t("calc.code.error_here"))
    except ShapeError:  # an argument or input shape no Keras call can even be written with
        st.info(t("calc.code.unavailable"), icon=":material/code_off:")
        return
    if failing:
        st.caption(t("calc.code.failing"))
    with st.expander(t("calc.code.show", lines=source.count("\n")), icon=":material/code:"):
        st.code(source, language="python")  # folded: a projector shows the page, not all code
    st.download_button(t("calc.code.download"), source, file_name="cnn_lab_model.py",
                       mime="text/x-python", key="calc_download",
                       icon=":material/download:", on_click="ignore")


def link(encoded: str, t) -> None:
    """The link that reopens this stack: relative, and in full when the host is known."""
    query = urlencode({PARAM: encoded, "lang": st.session_state.get("lang", "en")})
    st.markdown(t("calc.link.intro"))
    base = st.context.url  # None outside a browser session (e.g. in AppTest)
    st.code(f"{base}?{query}" if base else f"?{query}", language=None, wrap_lines=True)
    st.caption(t("calc.link.help", chars=len(encoded)))


def _send(input_shape, layers: list) -> None:
    """on_click: hand the stack over; the script then switches page (not allowed here)."""
    st.session_state[TRAIN_STACK] = {"input_shape": tuple(input_shape), "layers": list(layers)}
    st.session_state[GO_TRAIN] = True


def follow_train_request() -> None:
    """Switch to the training page if the train button was just pressed."""
    if st.session_state.pop(GO_TRAIN, False):
        st.switch_page(TRAINING_PAGE)


def train_button(input_shape, layers: list, failing: bool, t) -> None:
    """Train this stack on the training page."""
    st.button(t("calc.train.button"), key="calc_train", icon=":material/monitoring:",
              type="primary", disabled=failing or not layers, on_click=_send,
              args=(input_shape, layers))
    st.caption(t("calc.train.failing") if failing else t("calc.train.help"))
