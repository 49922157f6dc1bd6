"""The notebook's pooling comparison done fairly: what the notebook did, one click that
trains both ideas with the same settings, and the runs table that sets them side by side.
The numbers come from core.training.runs_table."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import st_cache
from core.training import plan as train_plan
from core.engine.contract import Snapshot
from core.training.runs_table import (
    FAIR_MODELS, RunRow, fair_pair, fair_result, notebook_facts, run_row,
)
from ui import jobs
from ui.training import runs
from ui.training.regularise import controls_label

FAIR_KEY = "train_fair_pair"  # session_state: (stride job id, pooling job id), the last pair


def _plans(choices: dict, dataset, stack):
    """model -> Plan of the fair pair with the page's settings, or None if they are invalid."""
    try:
        max_images, max_epochs = st_cache.class_caps()
        return {model: train_plan.plan(chosen, len(dataset.x_train), stack, max_images,
                                       max_epochs)
                for model, chosen in fair_pair(choices).items()}
    except train_plan.ConfigError:
        return None


def fair_ui(choices: dict, dataset, stack, busy: bool, t) -> None:
    """What the notebook compared, and the button that trains the fair comparison."""
    st.subheader(t("train.fair"))
    with st.expander(t("train.notebook"), icon=":material/bug_report:"):
        st.markdown(t("train.notebook.text", **notebook_facts()))
    st.markdown(t("train.fair.why"))
    plans = _plans(choices, dataset, stack)
    if st.button(t("train.fair.start"), key="train_fair", icon=":material/balance:",
                 disabled=busy or plans is None):
        pair = []
        for planned in plans.values():
            estimate = planned.seconds_per_epoch * planned.settings.epochs
            job = jobs.submit(dataset, planned.settings, "train", t, estimate_s=estimate)
            runs.remember(job)
            pair.append(job.id)
        st.session_state[FAIR_KEY] = tuple(pair)
        st.rerun()
    if plans is None:
        st.caption(t("train.fair.unavailable"))


def _epochs(row: RunRow, t) -> str:
    if row.early_stop:
        return t("train.runs.epochs.early", n=row.epochs, total=row.settings.epochs,
                 best=row.best_epoch)
    return t("train.runs.epochs", n=row.epochs, total=row.settings.epochs)


def _settings(row: RunRow, t) -> str:
    settings = row.settings
    return t("train.runs.settings", optimizer=settings.optimizer,
             learning_rate=f"{settings.learning_rate:g}", batch_size=settings.batch_size,
             split=f"{100 * settings.validation_split:g}", seed=settings.seed
             ) + controls_label(settings, t)


def table_ui(snapshots: list[Snapshot], t) -> None:
    """One row per ended run with a model; then what the last fair comparison measured."""
    by_id = {s.id: s for s in snapshots if s.result is not None}
    if by_id:
        with st.container(key="train_runs"):
            _table(by_id, t)


def _table(by_id: dict[int, Snapshot], t) -> None:
    st.subheader(t("train.runs"))
    st.markdown(t("train.runs.why"))
    rows = {i: run_row(s) for i, s in by_id.items()}
    column = lambda key: t(f"train.runs.col.{key}")
    frame = pd.DataFrame([{
        column("run"): f"#{runs.number(by_id[i])} {t('train.model.' + r.settings.model)} · "
                       f"{t('train.target.' + r.settings.target)}",
        column("test"): "–" if r.test_accuracy is None else f"{100 * r.test_accuracy:.1f}%",
        column("params"): f"{r.params:,}", column("macs"): f"{r.macs:,}",
        column("seconds"): "–" if r.seconds is None else f"{r.seconds:,.1f} s",
        column("epochs"): _epochs(r, t), column("settings"): _settings(r, t)}
        for i, r in rows.items()])
    st.table(frame.set_index(column("run")))  # a static table: long settings wrap
    st.caption(t("train.runs.macs.help"))
    pair = st.session_state.get(FAIR_KEY, ())
    if len(pair) == 2 and all(i in rows for i in pair):
        _fair_sentence(*(rows[i] for i in pair), *(by_id[i] for i in pair), t)


def _fair_sentence(stride: RunRow, pooling: RunRow, stride_run: Snapshot,
                   pooling_run: Snapshot, t) -> None:
    """What the fair comparison measured, or why the two runs do not compare."""
    assert (stride.settings.model, pooling.settings.model) == FAIR_MODELS
    result = fair_result(stride, pooling)
    numbers = {"a": runs.number(stride_run), "b": runs.number(pooling_run)}
    if not result.fair:
        st.warning(t("train.fair.unfair", fields=", ".join(result.differ), **numbers),
                   icon=":material/warning:")
        return
    percent = lambda value: "?" if value is None else f"{100 * value:.1f}"
    st.info(t("train.fair.result", stride=percent(stride.test_accuracy),
              pool=percent(pooling.test_accuracy),
              points="?" if result.accuracy_points is None else f"{result.accuracy_points:+.1f}",
              macs=f"{result.macs_ratio:.1f}",
              seconds="?" if result.seconds_ratio is None else f"{result.seconds_ratio:.1f}",
              **numbers), icon=":material/balance:")
