"""One output value, computed: the notebook's section-1 layer on a training image, one filter
at one output position, from the pixels to the number Keras writes; then ReLU, the pooling
window, and why a Conv2D needs so few weights (the same kernel at every position).

An st.fragment: its controls rerun only this view. The numbers come from
core.calculator.one_value and core.calculator.sharing; one_value_figures draws them.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.calculator import one_value as ov
from core.calculator.feature_map import output_shape, padding_amounts
from core.calculator.sharing import notebook_layers, versus_dense
from core.stack.build import layer_code
from core.stack.presets import single_conv
from core.stack.spec import PADDINGS, compact_layer
from core.st_cache import active_dataset
from ui.calculator import one_value_figures as figures
from ui.language import relabel_after_switch

KERNEL_SIZE = single_conv()[0]["kernel_size"]  # the notebook's 3x3
FILTERS = single_conv()[0]["filters"]  # 2


def _shape(shape) -> str:
    return "x".join(map(str, shape))


def _number(value: float, digits: int = 2) -> str:
    """A value as the page writes it; negatives in brackets inside a sum."""
    text = f"{value:.{digits}f}"
    if text.lstrip("-0.") == "":
        return f"{0:.{digits}f}"  # never "(-0.00)"
    return f"({text})" if value < 0 else text


def _clamp(key: str, last: int) -> None:
    """Keep a position field inside the output after strides or padding shrank it."""
    if st.session_state.get(key, 0) > last:
        st.session_state[key] = last


def _controls(dataset, t) -> tuple:
    """(image index, seed, strides, padding, filter, row, col) from the view's fields."""
    cols = st.columns(4)
    last = len(dataset.x_train) - 1
    _clamp("calc_one_index", last)  # a smaller uploaded dataset
    index = cols[0].number_input(t("inside.one.image", last=last), 0, last, value=6,
                                 key="calc_one_index")
    seed = cols[1].number_input(t("inside.one.seed"), 0, 9999, value=0, key="calc_one_seed",
                                help=t("inside.one.seed.help"))
    strides = cols[2].selectbox("`strides`", (1, 2), key="calc_one_strides")
    padding = cols[3].radio("`padding`", PADDINGS, index=1, horizontal=True,
                            key="calc_one_padding")
    h_out, w_out = output_shape(dataset.x_train.shape[1:3], KERNEL_SIZE, strides, padding)
    _clamp("calc_one_row", h_out - 1)
    _clamp("calc_one_col", w_out - 1)
    cols = st.columns(4)
    chosen = cols[0].selectbox(t("inside.one.filter"), range(FILTERS), key="calc_one_filter",
                               format_func=lambda f: t("inside.one.filter.option", n=f + 1))
    row = cols[1].number_input(t("inside.one.row", last=h_out - 1), 0, h_out - 1,
                               key="calc_one_row")
    col = cols[2].number_input(t("inside.one.col", last=w_out - 1), 0, w_out - 1,
                               key="calc_one_col")
    return int(index), int(seed), strides, padding, chosen, int(row), int(col)


def _equation(result: ov.OneValue, t) -> None:
    red, green, blue = (_number(s) for s in result.sums)
    st.markdown(t("inside.one.total", red=red, green=green, blue=blue,
                  bias=_number(result.bias), value=f"{result.value:.2f}", row=result.row,
                  col=result.col, n=result.filter + 1))
    st.markdown(t("inside.one.relu", value=_number(result.value),
                  relu=f"{result.relu:.2f}"))


def _pool(result: ov.OneValue, t, axes: dict) -> None:
    pool = result.pool
    if pool is None:
        st.markdown(t("inside.one.pool.none"))
        return
    h, w = (n // ov.POOL_SIZE for n in result.feature.shape)
    left, right = st.columns([2, 3])
    right.markdown(t("inside.one.pool", rows=f"{pool.top}-{pool.top + 1}",
                     cols=f"{pool.left}-{pool.left + 1}", value=f"{pool.value:.2f}",
                     out_row=pool.out_row, out_col=pool.out_col,
                     shape=_shape((h, w, FILTERS))))
    left.plotly_chart(figures.pool_figure(result, {**axes, "title": t("inside.one.pool.title")}),
                      key="calc_one_pool", config={"displayModeBar": False})


@st.fragment
def one_value_view(t) -> None:
    """The controls, where the window sits, the computation, ReLU and pooling, then sharing."""
    relabel_after_switch("calc_one", ("calc_one_filter",))  # "filter 1" is translated
    dataset = active_dataset()
    conv = single_conv()[0]
    image_shape = dataset.x_train.shape[1:]
    shared = versus_dense(image_shape, conv)
    st.markdown(t("inside.one.intro", code=layer_code(conv).removeprefix("keras.layers."),
                  params=shared.conv_params, filters=FILTERS, per_filter=shared.per_filter,
                  k=KERNEL_SIZE, channels=image_shape[-1]))
    index, seed, strides, padding, chosen, row, col = _controls(dataset, t)
    image = dataset.x_train[index]                                    # (32, 32, 3) uint8
    kernel, bias = ov.initial_weights(seed, KERNEL_SIZE, image.shape[-1], FILTERS)
    result = ov.one_value(image, kernel, bias, chosen, row, col, strides, padding)
    h_out, w_out = result.feature.shape
    pad = (*padding_amounts(image.shape[0], KERNEL_SIZE, strides, padding),
           *padding_amounts(image.shape[1], KERNEL_SIZE, strides, padding))
    axes = {"x": t("calc.axis.col"), "y": t("calc.axis.row")}
    st.plotly_chart(figures.where_figure(image, result, pad, {
        **axes, "value": t("calc.fm.value"),
        "image": t("inside.one.where.image", shape=_shape(image.shape)),
        "output": t("inside.one.where.output", n=chosen + 1,
                    shape=_shape((h_out, w_out, FILTERS)))}),
        key="calc_one_where", config={"displayModeBar": False})
    st.subheader(t("inside.one.steps"))
    st.markdown(t("inside.one.steps.why"))
    st.plotly_chart(figures.computation_figure(result, {
        "channels": (t("inside.one.red"), t("inside.one.green"), t("inside.one.blue")),
        "patch": t("inside.one.patch"), "kernel": t("inside.one.kernel"),
        "products": t("inside.one.products"), "sum": t("inside.one.sum"),
        "x": t("inside.one.axis.kernel_col"), "y": t("inside.one.axis.kernel_row")}),
        key="calc_one_steps", config={"displayModeBar": False})
    if result.is_pad.any():
        st.caption(t("inside.one.padding_note"))
    _equation(result, t)
    _pool(result, t, axes)
    st.caption(t("inside.one.notice"))
    sharing_ui(image_shape, {**conv, "strides": strides, "padding": padding}, chosen, t)


def sharing_ui(image_shape, current: dict, chosen: int, t) -> None:
    """The same kernel at every position, against a Dense layer with the same output."""
    st.subheader(t("inside.share.title"))
    mine = versus_dense(image_shape, current)
    st.markdown(t("inside.share.text", n=chosen + 1, per_filter=mine.per_filter,
                  k=KERNEL_SIZE, channels=image_shape[-1], positions=f"{mine.positions:,}",
                  map=_shape(mine.output_shape[:2]), params=f"{mine.conv_params:,}",
                  input=_shape(image_shape), output=_shape(mine.output_shape),
                  dense=f"{mine.dense_params:,}", ratio=f"{mine.ratio:,.0f}"))
    layers = notebook_layers()
    if compact_layer(current) != compact_layer(layers["single_conv"]):
        layers = {"current": current, **layers}  # strides or padding changed: a third row
    rows = []
    for name, spec in layers.items():
        shared = versus_dense(image_shape, spec)
        rows.append({"layer": t(f"inside.share.row.{name}"),
                     "code": layer_code(spec).removeprefix("keras.layers."),
                     "output": _shape(shared.output_shape), "conv": shared.conv_params,
                     "dense": shared.dense_params, "ratio": round(shared.ratio)})
    frame = pd.DataFrame(rows)
    columns = {c: t(f"inside.share.col.{c}") for c in frame.columns}
    st.dataframe(frame, hide_index=True, key="calc_share_table", column_config={
        "layer": st.column_config.TextColumn(columns["layer"], width="medium"),
        "code": st.column_config.TextColumn(columns["code"], width="large"),
        "output": st.column_config.TextColumn(columns["output"], width="small"),
        **{c: st.column_config.NumberColumn(columns[c], format="localized", width="small",
                                            help=t(f"inside.share.col.{c}.help"))
           for c in ("conv", "dense", "ratio")}})
    st.plotly_chart(figures.sharing_figure(
        list(frame["layer"]), list(frame["conv"]), list(frame["dense"]), {
            "conv": t("inside.share.conv"), "dense": t("inside.share.dense"),
            "x": t("inside.share.axis.params"), "y": t("inside.share.axis.layer")}),
        key="calc_share_chart", config={"displayModeBar": False})
    st.caption(t("inside.share.notice"))
