"""The calculator's session state: the stack being edited, and its link in the URL.

st.session_state holds (keys are the page's, prefixed "calc_"):
    calc_stack        list of layer specs (core.stack.spec), what every view reads
    calc_input_shape  (H, W, C)
    calc_revision     bumped whenever the stack is replaced or reordered, so the
                      editor's fields reload from the specs
    calc_layer        index of the layer being edited (also a selectbox key)
    calc_url_seen     the last ?stack= value read or written, to notice a new link
    calc_link_problem (LinkError code, default stack's link) after a malformed link
    calc_origin       where the stack came from: a preset id, or FROM_LINK
"""
from __future__ import annotations

import streamlit as st

from core.calculator import link as stack_url
from core.calculator.edit import DEFAULT_PRESET, default_stack
from core.stack import presets
from core.stack.shapes import try_summarize

STACK, SHAPE, REVISION, SELECTED, URL_SEEN, LINK_PROBLEM, ORIGIN = (
    "calc_stack", "calc_input_shape", "calc_revision", "calc_layer", "calc_url_seen",
    "calc_link_problem", "calc_origin")
FROM_LINK = "link"  # the origin of a stack opened from a shared link


def stack() -> tuple[tuple, list]:
    """(input_shape, layers) being edited."""
    return st.session_state[SHAPE], st.session_state[STACK]


def load(input_shape, layers: list, select: int | None = None,
         origin: str | None = None) -> None:
    """Replace the stack; select `select`, else the failing layer, else the first.
    origin: where a new stack came from (a preset id, or FROM_LINK); None: an edit."""
    if origin is not None:
        st.session_state[ORIGIN] = origin
    st.session_state[SHAPE] = tuple(input_shape)
    st.session_state[STACK] = list(layers)
    st.session_state[REVISION] = st.session_state.get(REVISION, 0) + 1
    if select is None:
        _, error = try_summarize(input_shape, layers)
        select = error.layer_index if error is not None and error.layer_index >= 0 else 0
    st.session_state[SELECTED] = max(0, min(select, len(layers) - 1))


def set_layers(layers: list, select: int) -> None:
    """A reordered, shortened or lengthened layer list (same input shape)."""
    load(st.session_state[SHAPE], layers, select)


def origin() -> str:
    return st.session_state.get(ORIGIN, DEFAULT_PRESET)


def current_preset() -> str | None:
    """The notebook model the table holds, if the stack is exactly one of them."""
    input_shape, layers = stack()
    mine = stack_url.encode(input_shape, layers)
    return next((p for p in presets.PRESET_IDS
                 if stack_url.encode(*presets.preset(p)) == mine), None)


def selected() -> int:
    """The edited layer's index, kept inside the stack."""
    count = len(st.session_state[STACK])
    index = st.session_state.get(SELECTED, 0)
    if not (isinstance(index, int) and 0 <= index < count):
        index = max(0, count - 1)
        st.session_state[SELECTED] = index  # only ever before the selectbox is drawn
    return index


def init() -> str | None:
    """Set up a new session and read a shared link.

    Returns the LinkError code of a malformed ?stack= link, for as long as the
    default stack loaded instead is left unchanged (reruns from other widgets keep
    the message); else None.
    """
    if STACK not in st.session_state or SHAPE not in st.session_state:
        load(*default_stack(), origin=DEFAULT_PRESET)
    st.session_state.setdefault(REVISION, 0)
    link = st.query_params.get(stack_url.PARAM)
    if link is not None and link != st.session_state.get(URL_SEEN):
        st.session_state[URL_SEEN] = link
        st.session_state.pop(LINK_PROBLEM, None)
        try:
            load(*stack_url.decode(link), origin=FROM_LINK)
        except stack_url.LinkError as err:
            load(*default_stack(), origin=DEFAULT_PRESET)
            st.session_state[LINK_PROBLEM] = (err.code, stack_url.encode(*stack()))
    code, fallback = st.session_state.get(LINK_PROBLEM, (None, None))
    if code is not None and stack_url.encode(*stack()) != fallback:
        del st.session_state[LINK_PROBLEM]  # the student has moved on
        return None
    return code


def write_url() -> str:
    """Put the current stack into ?stack= (next to ?lang=); returns the encoded value."""
    value = stack_url.encode(*stack())
    if st.query_params.get(stack_url.PARAM) != value:
        st.query_params[stack_url.PARAM] = value
    st.session_state[URL_SEEN] = value
    return value
