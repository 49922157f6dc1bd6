"""Two notes beside the calculator's table that keep the lesson exact: the words Keras 3
prints for a window that outgrows its input (and the TensorFlow 2 words the notebook
printed), and why a receptive field can be larger than the image.
"""
from __future__ import annotations

import streamlit as st

from core.calculator.summary import Summary
from core.stack.keras_errors import keras_error
from core.stack.spec import pair_text


def keras_says(input_shape, layers: list, t) -> None:
    """Under the error: the line Keras 3 raises for this stack, then the notebook's TF 2 line."""
    said = keras_error(input_shape, layers)
    if said is None:
        return
    st.markdown(t("calc.keras3.intro", layer=said.layer))
    st.code(said.keras3, language=None, wrap_lines=True)
    st.caption(t("calc.keras3.tf2", window=said.subtracting[0], size=said.subtracting[1]))


def receptive_field_note(summary: Summary, input_shape, t) -> None:
    """When a layer's receptive field outgrows the image: the first such layer, the largest
    field, and what the part outside the image is."""
    image = tuple(input_shape[:2])
    larger = [row for row in summary.rows if row.jump is not None
              and any(r > n for r, n in zip(row.receptive_field, image))]
    if not larger:
        return
    widest = max(larger, key=lambda row: row.receptive_field)
    st.caption(t("calc.rf_outside", layer=larger[0].index + 1,
                 rf=pair_text(larger[0].receptive_field), widest=pair_text(widest.receptive_field),
                 widest_layer=widest.index + 1, image=pair_text(image)))
