"""After a run: test accuracy as the notebook computes it, the confusion matrix, accuracy per
class, the misclassified test images with their top-3 guesses, and the downloads."""
from __future__ import annotations

import streamlit as st

from core.training import evaluation
from core.training import figures as train_figures
from core import st_cache
from core.engine.contract import Snapshot
from ui.explorer.cache import image_tiles
from ui.training.runs import number, outputs

GALLERY = 12  # misclassified images shown: two rows on a laptop screen
PER_ROW = 6  # images per gallery row: 128 px each fits a laptop screen


def evaluation_ui(snapshot: Snapshot, dataset, same_data: bool, t) -> None:
    """Everything computed from the run's test_probs.npy / test_labels.npy."""
    probs, labels = outputs(snapshot)
    names = snapshot.config.data.class_names
    accuracy = evaluation.accuracy(probs, labels)
    left, right = st.columns([1, 3], vertical_alignment="center")
    left.metric(t("train.test_accuracy"), f"{100 * accuracy:.1f}%",
                help=t("train.test_accuracy.help", n=len(labels)))
    right.code(f"(model.predict(x_test).argmax(1) == y_test).mean()  # {accuracy:.4f}",
               language="python")
    st.markdown(t("train.expect." + snapshot.settings.target))
    matrix = evaluation.confusion_matrix(labels, probs.argmax(1), len(names))
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("train.confusion"))
        texts = {"true": t("train.axis.true"), "predicted": t("train.axis.predicted"),
                 "count": t("train.axis.count")}
        st.plotly_chart(_confusion(snapshot.id, str(snapshot.out_dir), tuple(texts.items()),
                                   matrix, names), key="train_confusion")
        st.caption(t("train.confusion.notice"))
    with right:
        st.subheader(t("train.per_class"))
        st.dataframe(evaluation.per_class_table(matrix, names), hide_index=True,
                     key="train_per_class", column_config={
                         "class": t("train.column.class"),
                         "images": st.column_config.NumberColumn(t("train.column.images")),
                         "correct": st.column_config.NumberColumn(t("train.column.correct")),
                         "accuracy": st.column_config.ProgressColumn(
                             t("train.column.accuracy"), format="percent", min_value=0,
                             max_value=1)})
    _misclassified(probs, labels, names, dataset if same_data else None, t)
    _downloads(snapshot, t)


@st.cache_resource(max_entries=32, show_spinner=False)
def _confusion(job_id: int, out_dir: str, texts: tuple, _matrix, _names):
    """The confusion matrix figure of an ended run, built once for all who look at it (a
    class sharing one run reruns this page at the moment it ends); read-only."""
    return train_figures.confusion_figure(_matrix, _names, dict(texts))


def _misclassified(probs, labels, names, dataset, t) -> None:
    st.subheader(t("train.wrong"))
    wrong = evaluation.misclassified(probs, labels, limit=GALLERY)
    if wrong.empty:
        st.success(t("train.wrong.none"))
        return
    if dataset is None:
        st.info(t("train.wrong.other_data"))
        return
    st.markdown(t("train.wrong.why"))
    rows = list(wrong.itertuples())
    # PNG bytes encoded once per dataset and images, shared by every session: a class
    # watching one run reruns this at the same moment when it ends.
    tiles = image_tiles(st_cache.fingerprint(dataset), dataset, "test",
                        tuple(int(row.index) for row in rows))
    for start in range(0, len(rows), PER_ROW):
        for column, row, tile in zip(st.columns(PER_ROW), rows[start:start + PER_ROW],
                                     tiles[start:start + PER_ROW]):
            column.image(tile, output_format="PNG")
            guesses = "  \n".join(f"{names[c]} {100 * p:.0f}%"
                                   for c, p in zip(row.top_classes, row.top_probs))
            column.caption(t("train.wrong.caption", index=row.index, true=names[row.label],
                             guesses=guesses))


def _downloads(snapshot: Snapshot, t) -> None:
    out = snapshot.out_dir
    left, right = st.columns(2)
    left.download_button(t("train.download_model"), data=lambda: (out / "model.keras").read_bytes(),
                         file_name=f"cnnlab-run{number(snapshot)}.keras",
                         mime="application/octet-stream", key="train_download_model",
                         icon=":material/download:", on_click="ignore")
    right.download_button(t("train.download_history"),
                          data=lambda: evaluation.history_csv(snapshot.epochs),
                          file_name=f"cnnlab-run{number(snapshot)}-history.csv", mime="text/csv",
                          key="train_download_history", icon=":material/table:",
                          on_click="ignore")
    st.caption(t("train.download.notice"))
