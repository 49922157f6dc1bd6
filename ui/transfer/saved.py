"""Steps 2 and 3: what a saved extractor holds, and loading it back to prove it is the same.

What a file holds comes from core.transfer.checkpoints.inspect_keras (its JSON config, read
without loading anything) and the shape engine; loading it back is
core.transfer.roundtrip, in this server, only when the student asks.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.transfer import lesson
from core.transfer import roundtrip as transfer_roundtrip
from core.calculator.summary import summary
from core.transfer.checkpoints import MAX_KERAS_BYTES
from core.config import INPUT_SHAPE
from core.data.dataset import DataError
from core.data.explore import upscale
from core.i18n import error_message
from core.st_cache import language
from ui.transfer import state

PROOF_KEY = "transfer_proof"  # session_state: the last load-back result and what it compared
PROOF_IMAGES = 8  # test images run through both models
TABLE_COLUMNS = ("index", "layer", "output_shape", "params", "trainable", "non_trainable")
THUMB = 3  # 32x32 test images shown at 96x96, each pixel a 3x3 block: 8 in a row


def contents_ui(extractor: state.Extractor, t, key: str) -> None:
    """Size, layers, parameters and the archive's members; the layer table."""
    info, data = extractor.info, extractor.path.read_bytes()
    cols = st.columns(4)
    cols[0].metric(t("transfer.file.size"), f"{info.size_bytes / 1024:,.0f} KB")
    cols[1].metric(t("transfer.file.layers"), len(info.layers))
    cols[2].metric(t("calc.total.params"), f"{info.params:,}",
                   help=t("transfer.file.params.help",
                                           non_trainable=f"{info.non_trainable_params:,}"))
    cols[3].metric(t("transfer.file.output"), "×".join(map(str, info.output_shape)))
    members = ", ".join(f"`{name}` ({size / 1024:,.1f} KB)"
                        for name, size in lesson.archive_listing(data))
    st.caption(t("transfer.file.members", members=members, version=info.keras_version))
    frame = pd.DataFrame(summary(INPUT_SHAPE, info.layers).records)[list(TABLE_COLUMNS)]
    counts = {c: st.column_config.NumberColumn(t(f"calc.col.{c}"), format="localized")
              for c in ("params", "trainable", "non_trainable")}  # 2,320 as the calculator
    st.dataframe(frame.rename(columns={c: t(f"calc.col.{c}") for c in TABLE_COLUMNS}),
                 hide_index=True, key=f"{key}_table", height=38 + 35 * len(frame),
                 column_config={t(f"calc.col.{c}"): counts[c] for c in counts})


def save_ui(pretrained: state.Extractor | None, t) -> None:
    """Step 2: the file the worker saved, what is in it, and the download."""
    st.markdown(t("transfer.step2.why"))
    st.code('extractor.save("extractor.keras")  # Keras 3: a .keras zip\n'
            "# shared_model.save('shared_model')  # the notebook: ValueError in Keras 3",
            language="python")
    if pretrained is None:
        st.caption(t("transfer.step2.none"))
        return
    contents_ui(pretrained, t, "transfer_saved")
    path = pretrained.path
    st.download_button(t("transfer.download"), data=lambda: path.read_bytes(),
                       file_name=f"extractor-w{pretrained.info.output_shape[-1]}.keras",
                       mime="application/octet-stream", key="transfer_download",
                       icon=":material/download:", on_click="ignore")
    st.caption(t("transfer.download.notice"))


def _source_labels(found: dict, t) -> dict[str, str]:
    """Radio labels that stay the same while the student uploads (a label that changed
    would make a new widget)."""
    labels = {source: t(f"transfer.source.{source}") for source in ("pretrained", "upload")}
    if "bundled" in found:
        labels["bundled"] = t("transfer.source.bundled", name=found["bundled"].path.name)
    return labels


def choose_ui(found: dict, t) -> state.Extractor | None:
    """The radio of extractors on offer (and the uploader); the one steps 4-5 use."""
    options = [s for s in state.SOURCES if s in found or s == "upload"]
    session = st.session_state
    wanted = session.get(state.WANTED_KEY)
    if wanted in found:
        session["transfer_source"] = session.pop(state.WANTED_KEY)
    elif session.get("transfer_source") not in options:
        session["transfer_source"] = options[0]
    labels = _source_labels(found, t)
    source = st.radio(t("transfer.source"), options, key="transfer_source",
                      format_func=labels.get)
    if source != "upload":
        return found.get(source)
    upload_ui(t)
    chosen = state.uploaded()
    if chosen is not None:
        st.caption(t("transfer.source.upload_named", name=chosen.meta["name"]))
    return chosen


def upload_ui(t) -> None:
    """The uploader: checked by inspect_keras; a refusal says why and changes nothing."""
    st.markdown(t("transfer.upload.why"))
    upload = st.file_uploader(t("transfer.upload"), key="transfer_upload",
                              max_upload_size=MAX_KERAS_BYTES // 2**20,
                              help=t("transfer.upload.help"))
    if upload is None:
        return
    accepted = st.session_state.get(state.EXTRACTOR_UPLOAD_KEY) or {}
    if accepted.get("file_id") == upload.file_id:
        return
    try:
        state.accept_upload(upload.file_id, upload.name, upload.getvalue())
    except DataError as err:  # a refused file (CheckpointError), or a full disk
        st.error(error_message(err, language()), icon=":material/gpp_bad:")
        if accepted:
            st.caption(t("transfer.upload.kept", name=accepted["name"]))


def load_ui(found: dict, reference, dataset, t) -> state.Extractor | None:
    """Step 3: choose the extractor, load it back from disk, and compare.

    reference: this session's finished pretraining job (its model.keras holds the
    trained extractor), or None."""
    st.markdown(t("transfer.step3.why"))
    chosen = choose_ui(found, t)
    if chosen is None:
        st.info(t("transfer.source.missing"), icon=":material/upload_file:")
        return None
    if chosen.source != "pretrained":
        contents_ui(chosen, t, "transfer_chosen")
    model = reference.out_dir / "model.keras" if reference else None
    if model is not None and not model.is_file():
        model = None
    key = [str(chosen.path), chosen.path.stat().st_mtime, str(model)]
    if st.button(t("transfer.load"), key="transfer_load", icon=":material/upload:"):
        images = dataset.x_test[:PROOF_IMAGES]  # (8, 32, 32, 3)
        with st.spinner(t("transfer.load.loading")):
            result = (transfer_roundtrip.compare(model, chosen.path, images) if model
                      else transfer_roundtrip.describe(chosen.path, images))
        st.session_state[PROOF_KEY] = {"key": key, "result": result}
    proof = st.session_state.get(PROOF_KEY)
    if proof and proof["key"] == key:
        show_proof(proof["result"], chosen, dataset, reference, t)
    return chosen


def show_proof(result, chosen, dataset, reference, t) -> None:
    if isinstance(result, transfer_roundtrip.Loaded):
        st.success(t("transfer.proof.loaded", tensors=result.tensors, values=f"{result.values:,}",
                     shape="×".join(map(str, result.output_shape)),
                     weights=f"{result.max_weight_difference:.3g}",
                     features=f"{result.max_feature_difference:.3g}", n=PROOF_IMAGES),
                   icon=":material/check:")
        st.caption(t("transfer.proof.no_reference"))
        return
    if not result.same_architecture:
        st.warning(t("transfer.proof.other_architecture"), icon=":material/compare_arrows:")
        return
    same = (result.max_weight_difference == 0 and result.max_feature_difference == 0
            and (result.trained_classes == result.loaded_classes).all())
    values = dict(tensors=result.tensors, values=f"{result.values:,}",
                  weights=f"{result.max_weight_difference:.3g}",
                  features=f"{result.max_feature_difference:.3g}",
                  probs=f"{result.max_probability_difference:.3g}", n=len(result.trained_classes))
    if same:
        st.success(t("transfer.proof.same", **values), icon=":material/verified:")
    else:
        st.warning(t("transfer.proof.different", **values), icon=":material/difference:")
    names = reference.config.data.class_names
    truth = dataset.y("test", "super")[:len(result.trained_classes)]
    st.image([upscale(image, THUMB) for image in dataset.x_test[:len(truth)]],
             caption=[t("transfer.proof.caption", true=names[y], trained=names[a], loaded=names[b])
                      for y, a, b in zip(truth, result.trained_classes, result.loaded_classes)],
             width=32 * THUMB, output_format="PNG")
