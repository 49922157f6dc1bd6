"""Look inside a trained model (feature maps, first-layer filters) and try it on your own image.

Both need the model itself, so they load TensorFlow in the server: only once the
student switches them on, with a spinner while it loads.
"""
from __future__ import annotations

import streamlit as st

from core.training import look_inside as inspect_model
from core import st_cache
from core.training import figures as train_figures
from core.data.explore import upscale
from core.engine.contract import Snapshot
from ui.training.runs import number, outputs

BIG = 8  # a 32x32 image shown as 256x256


def _model(snapshot: Snapshot, t):
    path = snapshot.out_dir / "model.keras"
    with st.spinner(t("train.inspect.loading")):
        return st_cache.trained_model(str(path), path.stat().st_mtime)


def inspect_ui(snapshot: Snapshot, dataset, same_data: bool, t) -> None:
    """The switch, then feature maps and filters of the chosen run's model."""
    if not st.toggle(t("train.inspect.switch"), key="train_inspect_on",
                     help=t("train.inspect.switch.help")):
        st.caption(t("train.inspect.off"))
        return
    model = _model(snapshot, t)
    names = snapshot.config.data.class_names
    probs, labels = outputs(snapshot)
    if not same_data:
        st.info(t("train.wrong.other_data"))
    else:
        _feature_maps(model, dataset.x_test, probs, labels, names, t)
    _filters(model, snapshot, t)
    st.subheader(t("train.own.title"))
    own_image_ui(model, names, t)


def _feature_maps(model, images, probs, labels, names, t) -> None:
    st.subheader(t("train.inspect.maps"))
    st.markdown(t("train.inspect.maps.why"))
    last = len(labels) - 1
    if not 0 <= st.session_state.get("train_inspect_index", 0) <= last:
        st.session_state["train_inspect_index"] = 0
    left, right = st.columns([1, 3])
    with left:
        index = st.number_input(t("train.inspect.index", last=last), 0, last, step=1,
                                key="train_inspect_index")
        st.image(upscale(images[index], BIG), output_format="PNG",
                 caption=t("train.inspect.caption", true=names[labels[index]],
                           predicted=names[int(probs[index].argmax())],
                           p=100 * float(probs[index].max())))
    maps = inspect_model.feature_maps(model, images[index])
    if not maps:
        right.info(t("train.inspect.no_conv"))
        return
    with right:
        options = list(range(len(maps)))
        if st.session_state.get("train_inspect_layer") not in options:
            st.session_state["train_inspect_layer"] = 0
        chosen = st.selectbox(t("train.inspect.layer"), options, key="train_inspect_layer",
                              format_func=lambda i: f"{maps[i].name}  {maps[i].maps.shape}")
        layer = maps[chosen]
        st.plotly_chart(train_figures.feature_map_figure(layer.maps, {
            "x": t("train.inspect.axis_x"), "y": t("train.inspect.axis_y"),
            "filter": t("train.inspect.filter"), "value": t("train.inspect.value")}),
            key="train_feature_maps")
        shown = min(layer.maps.shape[-1], 32)
        st.caption(t("train.inspect.maps.notice", shown=shown, total=layer.maps.shape[-1]))


def _filters(model, snapshot: Snapshot, t) -> None:
    st.subheader(t("train.inspect.filters"))
    tiles = inspect_model.first_filters(model)
    if tiles is None:
        st.info(t("train.inspect.no_conv"))
        return
    st.plotly_chart(train_figures.filters_figure(tiles, {
        "x": t("train.inspect.filters.axis_x"), "y": t("train.inspect.filters.axis_y")}),
        key="train_filters")
    st.caption(t("train.inspect.filters.notice", n=len(tiles), run=f"#{number(snapshot)}",
                 size="x".join(map(str, tiles.shape[1:3]))))


def uploaded_image(key: str, t):
    """A student's own image from the uploader with widget key `key`: (32x32x3 image,
    (width, height) as sent), or None with nothing sent or a refusal shown."""
    upload = st.file_uploader(t("train.own.upload"), type=["png", "jpg", "jpeg"], key=key,
                              max_upload_size=inspect_model.MAX_UPLOAD_BYTES // 2**20)
    if upload is None:
        return None
    try:
        return inspect_model.decode_upload(upload.getvalue())
    except inspect_model.ImageError as err:
        details = {k: (f"{v:.1f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int)
                       else v) for k, v in err.details.items()}
        st.error(t(f"train.upload.{err.code}", **details), icon=":material/broken_image:")
        return None


def own_image_ui(model, names, t) -> None:
    st.markdown(t("train.own.why", n=len(names), classes=", ".join(names)))
    uploaded = uploaded_image("train_upload", t)
    if uploaded is None:
        return
    image, (width, height) = uploaded
    probs = inspect_model.classify(model, image)
    left, right = st.columns([1, 2])
    left.image(upscale(image, BIG), output_format="PNG",
               caption=t("train.own.caption", width=width, height=height))
    right.plotly_chart(train_figures.probability_figure(probs, names, {
        "probability": t("train.axis.probability"), "class": t("train.axis.class")}),
        key="train_upload_probs")
    right.markdown(t("train.own.answer", name=names[int(probs.argmax())],
                     p=100 * float(probs.max())))
