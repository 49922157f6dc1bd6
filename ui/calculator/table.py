"""The calculator's summary: the layer table, totals, why a stack fails, warnings, and the
selected layer's formulas. Everything it shows comes from core.calculator.summary and
core.calculator.explain; here it is only laid out and translated.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.calculator.summary import COLUMNS, Summary
from core.calculator.explain import error_text, fix_key, fmt_bytes, formulas, warning_text

NUMBER_COLUMNS = ("params", "trainable", "non_trainable", "macs")
# Pixels; together about the width of the page next to the sidebar on a 1366 px screen.
WIDTHS = {"index": 36, "layer": 232, "output_shape": 125, "params": 75, "trainable": 75,
          "non_trainable": 95, "macs": 85, "receptive_field": 100, "memory": 75}
ROW_COLOURS = {  # status -> CSS for the whole row
    "error": "background-color: rgba(255, 75, 75, 0.25); font-weight: bold",
    "warning": "background-color: rgba(255, 189, 69, 0.22)",
    "not_reached": "color: rgba(128, 128, 128, 0.8)",
    "ok": "",
}


def _frame(summary: Summary, t) -> pd.io.formats.style.Styler:
    frame = pd.DataFrame(summary.records, columns=COLUMNS)
    status = [record["status"] for record in summary.records]
    # Where the output shape would be, say why there is none; mark warned layers.
    for i, state in enumerate(status):
        if state in ("error", "not_reached"):
            frame.loc[i, "output_shape"] = t(f"calc.status.{state}")
        elif state == "warning":
            frame.loc[i, "layer"] = "⚠ " + frame.loc[i, "layer"]
    frame["receptive_field"] = frame["receptive_field"].replace("image", t("calc.rf_image"))
    frame = frame.rename(columns={c: t(f"calc.col.{c}") for c in COLUMNS})
    styled = frame.style.apply(lambda row: [ROW_COLOURS[status[row.name]]] * len(row), axis=1)
    number_labels = [t(f"calc.col.{c}") for c in NUMBER_COLUMNS]
    return styled.format("{:,.0f}", subset=number_labels, na_rep="")


def table(summary: Summary, t) -> None:
    """One row per layer, as model.summary() prints it plus the cost columns."""
    if not summary.records:
        st.info(t("calc.table.empty"))
        return
    config = {t(f"calc.col.{c}"): st.column_config.Column(width=w) for c, w in WIDTHS.items()}
    st.dataframe(_frame(summary, t), hide_index=True, key="calc_table", column_config=config,
                 height=min(38 + 35 * len(summary.records), 720), placeholder="")
    st.caption(t("calc.table.help"))


def totals(summary: Summary, t) -> None:
    """Total / trainable / non-trainable parameters, work and memory, Keras' way."""
    total = summary.totals
    columns = st.columns(5)
    columns[0].metric(t("calc.total.params"), f"{total.params:,}")
    columns[1].metric(t("calc.total.trainable"), f"{total.trainable_params:,}")
    columns[2].metric(t("calc.total.non_trainable"), f"{total.non_trainable_params:,}")
    columns[3].metric(t("calc.total.macs"), f"{total.macs:,}")
    columns[4].metric(t("calc.total.memory"), fmt_bytes(total.activation_bytes))
    if summary.error is not None:
        st.caption(t("calc.total.partial"))


def problems(summary: Summary, t) -> None:
    """Why the stack fails and what to try; then each warning."""
    err = summary.error
    if err is not None:
        key, values = error_text(err)
        values["source"] = t(f"calc.source.{values['source']}")
        st.error(f"**{t('calc.error.title')}** {t(key, **values)}\n\n"
                 f"{t('calc.fix.title')} {t(fix_key(err), **values)}", icon=":material/error:")
    for index, warning in summary.warnings:
        key, values = warning_text(index, warning)
        st.warning(t(key, **values), icon=":material/warning:")


def formula(summary: Summary, index: int, input_shape, layers: list, t) -> None:
    """How the selected layer's output and parameters are computed, numbers filled in."""
    if not layers:
        return
    rows = summary.rows
    if index > len(rows):  # after the failing layer: its input is unknown
        st.caption(t("calc.formula.unknown"))
        return
    before = rows[index - 1] if index > 0 else None
    shape = before.output_shape if before else input_shape
    rf, jump = (before.receptive_field, before.jump) if before else ((1, 1), (1, 1))
    if summary.error is not None and summary.error.layer_index == -1:
        st.caption(t("calc.formula.unknown"))
        return
    lines = formulas(layers[index], tuple(shape), rf, jump)
    st.subheader(t("calc.formula.title", layer=index + 1))
    st.markdown(t("calc.formula.input", shape=tuple(shape)))
    for line in lines:
        if line.caption:
            st.caption(t(line.caption))
        st.latex(line.latex)
    if not lines:
        st.caption(t("calc.formula.none"))
