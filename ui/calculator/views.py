"""See the convolution: a kernel sliding over a small grid, and one filter on a real image.

Each view is an st.fragment, so moving its own controls reruns only the view.
The numbers come from core.calculator.slide and core.calculator.feature_map; ui.calculator.figures draws them.
"""
from __future__ import annotations

import streamlit as st

from core.calculator import slide as conv_anim
from core.calculator import feature_map
from core.calculator.explain import formulas
from core.stack.spec import PADDINGS
from core.st_cache import active_dataset
from ui.calculator import figures as calc_figures


def _axis_labels(t) -> dict:
    return {"x": t("calc.axis.col"), "y": t("calc.axis.row")}


# Building a Plotly figure validates every frame (~0.4 s); drawing a built one takes ms.
# The figures are never changed after building, so one copy serves every session.
@st.cache_resource(max_entries=64, show_spinner=False)
def _slide_figure(size: int, kernel_size: int, strides: int, padding: str, labels: tuple):
    """The animation for one choice of numbers (labels: the translated texts' items)."""
    slide = conv_anim.slide(size, kernel_size, strides, padding)
    return calc_figures.slide_figure(slide, dict(labels))


@st.cache_resource(max_entries=64, show_spinner=False)
def _feature_figure(image, kernel, strides: int, padding: str, labels: tuple):
    """Input, feature map and pooled map of one image (uint8 (H, W, 3)) and 3x3 kernel."""
    maps = feature_map.feature_maps(image, kernel, strides, padding)
    return calc_figures.feature_figure(image, maps, dict(labels))


@st.fragment
def animation(t) -> None:
    """Pick a grid, kernel, stride and padding; play or step the kernel over the grid."""
    st.markdown(t("calc.anim.intro"))
    cols = st.columns(4)
    size = cols[0].selectbox(t("calc.anim.size"), conv_anim.GRID_SIZES, key="calc_anim_size")
    kernel_size = cols[1].selectbox("`kernel_size`", conv_anim.KERNEL_SIZES, index=2,
                                    key="calc_anim_kernel")
    strides = cols[2].selectbox("`strides`", conv_anim.STRIDES, key="calc_anim_strides")
    padding = cols[3].radio("`padding`", PADDINGS, index=1, horizontal=True,
                            key="calc_anim_padding")
    if padding == "valid" and kernel_size > size:  # unreachable with today's choices
        st.error(t("calc.anim.too_big"))
        return
    before, after = conv_anim.padding_amounts(size, kernel_size, strides, padding)
    out = (size + before + after - kernel_size) // strides + 1
    labels = {**_axis_labels(t), "play": t("calc.anim.play"), "pause": t("calc.anim.pause"),
              "step": t("calc.anim.step"), "caption": t("calc.anim.caption"),
              "input_title": t("calc.anim.input_title", size=size, before=before, after=after),
              "output_title": t("calc.anim.output_title", out=out)}
    figure = _slide_figure(size, kernel_size, strides, padding, tuple(sorted(labels.items())))
    st.plotly_chart(figure, key="calc_anim_chart", config={"displayModeBar": False})
    conv = {"type": "Conv2D", "filters": 1, "kernel_size": kernel_size, "strides": strides,
            "padding": padding}
    st.latex(formulas(conv, (size, size, 1))[0].latex)
    st.caption(t("calc.anim.notice"))


def _kernel(t):
    """The chosen 3x3 kernel, or None (with a message) if the typed one is unreadable."""
    names = (*feature_map.KERNELS, "custom")
    cols = st.columns([1, 2])
    name = cols[0].selectbox(t("calc.fm.kernel"), names, key="calc_fm_kernel",
                             format_func=lambda n: t(f"calc.fm.kernel.{n}"))
    if name != "custom":
        kernel = feature_map.KERNELS[name]
        cols[1].caption(t("calc.fm.kernel_values"))
        cols[1].code("\n".join("  ".join(f"{v:6.2f}" for v in row) for row in kernel),
                     language=None)
        return kernel
    text = cols[1].text_input(t("calc.fm.custom"), value="0 -1 0 -1 5 -1 0 -1 0",
                              key="calc_fm_custom")
    kernel = feature_map.parse_kernel(text)
    if kernel is None:
        cols[1].error(t("calc.fm.custom_bad"))
    return kernel


@st.fragment
def feature_maps(t) -> None:
    """One training image through one 3x3 filter and a 2x2 max-pool, with every shape."""
    dataset = active_dataset()
    st.markdown(t("calc.fm.intro"))
    cols = st.columns(3)
    index = cols[0].number_input(t("calc.fm.index", last=len(dataset.x_train) - 1),
                                 min_value=0, max_value=len(dataset.x_train) - 1, value=6,
                                 step=1, key="calc_fm_index")
    strides = cols[1].selectbox("`strides`", (1, 2), key="calc_fm_strides")
    padding = cols[2].radio("`padding`", PADDINGS, index=1, horizontal=True,
                            key="calc_fm_padding")
    kernel = _kernel(t)
    if kernel is None:
        return
    image = dataset.x_train[index]                                     # (32, 32, 3) uint8
    feature_shape = feature_map.output_shape(image.shape[:2], 3, strides, padding)
    pooled_shape = feature_map.output_shape(feature_shape, 2, 2, "valid")
    labels = {**_axis_labels(t), "value": t("calc.fm.value"),
              "input": t("calc.fm.input", shape=_shape(image.shape)),
              "feature": t("calc.fm.feature", shape=_shape((*feature_shape, 1))),
              "pooled": t("calc.fm.pooled", shape=_shape((*pooled_shape, 1)))}
    figure = _feature_figure(image, kernel, strides, padding, tuple(sorted(labels.items())))
    st.plotly_chart(figure, key="calc_fm_chart", config={"displayModeBar": False})
    row = dataset.train_labels.iloc[index]
    label = t("calc.fm.label", index=index, fine=row.fine_labels, coarse=row.coarse_labels)
    if dataset.synthetic:
        label += " " + t("calc.fm.synthetic")
    st.caption(label)
    st.caption(t("calc.fm.notice"))


def _shape(shape: tuple) -> str:
    return "x".join(map(str, shape))
