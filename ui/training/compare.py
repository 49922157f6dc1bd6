"""Compare this session's runs: any of them overlaid on one chart, smoothed like TensorBoard."""
from __future__ import annotations

import streamlit as st

from core.training import evaluation
from core.training import figures as train_figures
from core.engine.contract import Snapshot
from core.training.regularise import GAPS, gap
from ui.training.regularise import controls_label
from ui.training.runs import number, run_label

METRICS = ("batch_loss", "loss", "val_loss", "accuracy", "val_accuracy",  # what can be overlaid
           *GAPS)  # training vs validation: what the controls against overfitting change
DEFAULT_SMOOTHING = 0.6  # TensorBoard's default weight


def _series(snapshot: Snapshot, metric: str):
    """(x, y) of one run for a metric: per batch against fractional epochs, else per epoch."""
    if metric == "batch_loss":
        frame = evaluation.batches_frame(snapshot.batches, snapshot.steps)
        return frame["epoch"], frame["loss"]
    frame = evaluation.epochs_frame(snapshot.epochs)
    if metric in GAPS:
        return frame["epoch"], gap(frame, metric)
    scale = 100 if "accuracy" in metric else 1
    return frame["epoch"], frame[metric] * scale


def _short_name(snapshot: Snapshot, t) -> str:
    settings = snapshot.settings
    return (f"#{number(snapshot)} {t('train.model.' + settings.model)}, "
            f"{t('train.target.' + settings.target)}") + controls_label(settings, t)


@st.cache_resource(max_entries=64, show_spinner=False)
def _overlay(ids: tuple, metric: str, smoothing: float, smoothed: bool, names: tuple,
             axes: tuple, _runs: list[Snapshot]):
    """The overlay of these ended runs (which no longer change), or None if none has the
    metric; built once for all sessions that choose the same (a class sharing one run
    reruns this page at the moment it ends); read-only."""
    series = [(name, *_series(run, metric)) for name, run in zip(names, _runs)]
    series = [(name, x, y) for name, x, y in series if y.notna().any()]
    if not series:
        return None
    return train_figures.overlay_figure(series, {"x": axes[0], "y": axes[1]},
                                        smoothing=smoothing, smoothed=smoothed,
                                        last_format="{:.1f}%" if "accuracy" in metric
                                        else "{:.3f}")


def compare_ui(snapshots: list[Snapshot], t) -> None:
    runs = [s for s in snapshots if s.batches]
    if len(runs) < 1:
        st.caption(t("train.compare.empty"))
        return
    by_id = {s.id: s for s in runs}
    state = st.session_state
    known = state.get("train_compare_known", [])  # runs offered before: new ones join in
    state["train_compare_runs"] = ([i for i in state.get("train_compare_runs", []) if i in by_id]
                                   + [i for i in by_id if i not in known])
    state["train_compare_known"] = list(by_id)
    cols = st.columns([3, 2])
    labels = {i: run_label(by_id[i], t) for i in by_id}  # AppTest formats values outside the run
    ids = cols[0].multiselect(t("train.compare.runs"), list(by_id), key="train_compare_runs",
                              format_func=labels.get)
    metric = cols[1].selectbox(t("train.compare.metric"), METRICS, key="train_compare_metric",
                               format_func=lambda m: t(f"train.metric.{m}"))
    cols = st.columns([3, 2], vertical_alignment="bottom")
    st.session_state.setdefault("train_smoothing", DEFAULT_SMOOTHING)
    smoothing = cols[0].slider(t("train.compare.smoothing"), 0.0, 0.99, step=0.01,
                               key="train_smoothing", help=t("train.compare.smoothing.help"))
    st.session_state.setdefault("train_smoothed", True)
    smoothed = cols[1].toggle(t("train.compare.smoothed"), key="train_smoothed")
    unit = t("train.axis.accuracy") if "accuracy" in metric else t("train.axis.loss")
    unit = t(f"train.axis.{metric}") if metric in GAPS else unit
    figure = _overlay(tuple(ids), metric, smoothing, smoothed,
                      tuple(_short_name(by_id[i], t) for i in ids),
                      (t("train.axis.epoch"), unit), [by_id[i] for i in ids])
    if figure is None:
        st.info(t("train.compare.no_data"))
        return
    st.plotly_chart(figure, key="train_compare_chart")
    st.caption(t("train.compare.notice"))
    if metric in GAPS:
        st.caption(t("train.compare.gap.notice"))
