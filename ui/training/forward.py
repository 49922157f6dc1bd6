"""One image through the whole network: every layer's output in order, for a trained model
(a run of this page, a model of the transfer lesson, or the bundled extractor) and an image
(a test image, one the model got wrong, or the student's own).

The models come from ui.training.forward_models; the pass is core.training.forward, run in
this server under look_inside's lock (so a switch loads TensorFlow first); the pictures
are core.training.forward_figures. An st.fragment: its controls rerun only this section.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from core import st_cache
from core.calculator.summary import keras_shape
from core.data.explore import upscale
from core.training import evaluation
from core.training import figures as train_figures
from core.training import forward_figures as pictures
from core.training import look_inside as inspect_model
from core.training.forward import Pass, forward
from ui.language import relabel_after_switch
from ui.training import forward_models
from ui.training.look_inside import BIG, uploaded_image
from ui.training.runs import outputs

# Choice widgets whose option labels are translated (see ui.language).
TRANSLATED_CHOICES = ("train_forward_model", "train_forward_source", "train_forward_wrong")
MAX_WRONG = 50  # misclassified test images offered, most confidently wrong first
LARGE_MAPS = 64  # feature maps in the large view of one layer


@st.cache_data(max_entries=6, show_spinner=False)
def _pass(path: str, mtime: float, image: np.ndarray) -> Pass:
    """The forward pass of one image through one saved model (cached per file version)."""
    model = st_cache.trained_model(path, mtime)
    return forward(model, image, inspect_model._KERAS_LOCK)


def _shape(shape) -> str:
    return "×".join(map(str, shape))


def _image(choice, dataset, same_data: bool, t):
    """(image (32, 32, 3) uint8, caption) from the chosen source, or None."""
    sources = ["test"] + (["wrong"] if choice.snapshot is not None and same_data else [])
    sources.append("upload")
    if st.session_state.get("train_forward_source") not in sources:
        st.session_state["train_forward_source"] = "test"
    source = st.radio(t("inside.forward.source"), sources, horizontal=True,
                      key="train_forward_source",
                      format_func=lambda s: t(f"inside.forward.source.{s}"))
    if source == "upload":
        return _upload(t)
    if source == "wrong":
        probs, labels = outputs(choice.snapshot)
        wrong = evaluation.misclassified(probs, labels, limit=MAX_WRONG)
        if wrong.empty:
            st.info(t("inside.forward.no_wrong"))
            return None
        names = choice.names
        rows = {int(r.index): r for r in wrong.itertuples()}
        index = st.selectbox(t("inside.forward.wrong"), list(rows), key="train_forward_wrong",
                             format_func=lambda i: t(
                                 "inside.forward.wrong.option", index=i,
                                 true=names[rows[i].label], predicted=names[rows[i].predicted],
                                 p=100 * rows[i].confidence))
        return dataset.x_test[index], _truth(choice, dataset, index, t)
    last = len(dataset.x_test) - 1
    if not 0 <= st.session_state.get("train_forward_index", 0) <= last:
        st.session_state["train_forward_index"] = 0
    index = st.number_input(t("inside.forward.index", last=last), 0, last, step=1,
                            key="train_forward_index")
    return dataset.x_test[index], _truth(choice, dataset, int(index), t)


def _truth(choice, dataset, index: int, t) -> str:
    row = dataset.test_labels.iloc[index]
    return t("inside.forward.truth", index=index, fine=row.fine_labels, coarse=row.coarse_labels)


def _upload(t):
    uploaded = uploaded_image("train_forward_upload", t)
    if uploaded is None:
        if st.session_state.get("train_forward_upload") is None:  # not a refused file
            st.caption(t("inside.forward.upload.none"))
        return None
    image, (width, height) = uploaded
    return image, t("train.own.caption", width=width, height=height)


def _overview(result: Pass, t) -> None:
    """Every layer in order: its name, shape against the calculator's row, a preview."""
    for layer in result.layers:
        left, right = st.columns([2, 5], vertical_alignment="center")
        calc = (t("inside.forward.calc.same", shape=keras_shape(layer.row.output_shape))
                if layer.same_as_calculator else
                t("inside.forward.calc.other", shape=keras_shape(layer.row.output_shape))
                if layer.row is not None else t("inside.forward.calc.none"))
        left.markdown(f"**{layer.index + 1}. {layer.name}** · `{layer.type}`  \n"
                      f"{t('inside.forward.output', shape=_shape(layer.values.shape))}  \n"
                      f"{calc}")
        right.image(pictures.preview(layer.values), output_format="PNG", caption=t(
            "inside.forward.preview.maps" if layer.maps else "inside.forward.preview.vector",
            shown=min(pictures.PREVIEW_MAPS, layer.values.shape[-1]),
            total=layer.values.shape[-1], size=layer.values.size,
            low=f"{layer.values.min():.3g}", high=f"{layer.values.max():.3g}"))


def _large(result: Pass, names, t) -> None:
    """The picked layer's output, large: its maps, or its vector, or the class bars."""
    options = [layer.index for layer in result.layers]
    if st.session_state.get("train_forward_layer") not in options:
        st.session_state["train_forward_layer"] = 0
    index = st.selectbox(t("inside.forward.layer"), options, key="train_forward_layer",
                         format_func=lambda i: f"{i + 1}. {result.layers[i].name} "
                                               f"({_shape(result.layers[i].values.shape)})")
    layer = result.layers[index]
    if layer.maps:
        st.plotly_chart(train_figures.feature_map_figure(layer.values, {
            "x": t("train.inspect.axis_x"), "y": t("train.inspect.axis_y"),
            "filter": t("inside.forward.channel"), "value": t("train.inspect.value")},
            max_maps=LARGE_MAPS), key="train_forward_large")
        st.caption(t("train.inspect.maps.notice", shown=min(LARGE_MAPS, layer.values.shape[-1]),
                     total=layer.values.shape[-1]))
    elif layer.logits is not None:
        st.plotly_chart(pictures.class_figure(layer.logits, layer.values, names, {
            "logits_title": t("inside.forward.logits"), "probs_title": t("inside.forward.softmax"),
            "logit": t("inside.forward.axis.logit"), "probability": t("train.axis.probability"),
            "class": t("train.axis.class")}), key="train_forward_large")
        st.caption(t("inside.forward.softmax.notice"))
    else:
        st.plotly_chart(pictures.vector_figure(layer.values, {
            "title": t("inside.forward.vector", name=layer.name, size=layer.values.size),
            "x": t("inside.forward.axis.position"), "y": t("train.inspect.value")}),
            key="train_forward_large")


def _answer(result: Pass, names, t) -> None:
    if result.probabilities is None:
        st.info(t("inside.forward.no_head"), icon=":material/info:")
        return
    best = int(result.probabilities.argmax())
    name = names[best] if names is not None else str(best)
    st.markdown(t("train.own.answer", name=name, p=100 * float(result.probabilities[best])))


@st.fragment
def forward_ui(dataset, t) -> None:
    """The section: the switch, the model and the image, then the pass, layer by layer."""
    st.markdown(t("inside.forward.why"))
    relabel_after_switch("train_forward", TRANSLATED_CHOICES)
    choices = forward_models.choices(dataset, t)
    if not choices:
        st.caption(t("inside.forward.none"))
        return
    if not st.toggle(t("inside.forward.switch"), key="train_forward_on",
                     help=t("train.inspect.switch.help")):
        st.caption(t("inside.forward.off"))
        return
    choice = forward_models.pick(choices, t)
    same_data = choice.fingerprint in (None, st_cache.fingerprint(dataset))
    picked = _image(choice, dataset, same_data, t)
    if picked is None:
        return
    image, caption = picked
    with st.spinner(t("train.inspect.loading")):
        result = _pass(str(choice.path), choice.path.stat().st_mtime, image)
    left, right = st.columns([1, 3])
    left.image(upscale(image, BIG), output_format="PNG", caption=caption)
    with right:
        _answer(result, choice.names, t)
        st.markdown(t("inside.forward.read"))
    st.subheader(t("inside.forward.layers"))
    _overview(result, t)
    st.subheader(t("inside.forward.large"))
    _large(result, choice.names, t)
