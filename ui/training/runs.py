"""This session's training runs: which jobs are ours, and how a run is named on screen."""
from __future__ import annotations

import streamlit as st

from core import st_cache
from core.engine.contract import ENDED_WITH_OUTPUTS, JobState, Snapshot
from ui import lost_runs
from ui.language import relabel_after_switch
from ui.training.regularise import controls_label

JOB_IDS = "train_job_ids"  # session_state: ids of the jobs this session started, in order
# Choice widgets whose option labels are translated (see ui.language).
TRANSLATED_CHOICES = ("train_model", "train_target", "train_run", "train_compare_runs",
                      "train_compare_metric")


def session_jobs() -> list:
    """The jobs this session started (core.engine.job.Job), oldest first."""
    ids = st.session_state.get(JOB_IDS, [])
    mine = {job.id: job for job in st_cache.job_manager().jobs_of(st_cache.session_id())}
    return [mine[i] for i in ids if i in mine]


def relabel_after_language_switch() -> None:
    relabel_after_switch("train", TRANSLATED_CHOICES)


def remember(job) -> None:
    ids = st.session_state.setdefault(JOB_IDS, [])
    if job.id in ids:  # the same run again (a shared run rejoined): now the latest
        ids.remove(job.id)
    ids.append(job.id)
    lost_runs.keep(JOB_IDS)


def number(snapshot: Snapshot) -> int:
    """The run's number in this session (1 for the student's first run), whatever the
    server's count: runs are shared between sessions and count across the server."""
    ids = st.session_state.get(JOB_IDS, [])
    return ids.index(snapshot.id) + 1 if snapshot.id in ids else snapshot.id


def run_label(snapshot: Snapshot, t) -> str:
    """'#3 Stride model · superclasses · adam 0.001 · 20 epochs', or for a run stopped
    early '... · stopped after 3 of 20 epochs': the epochs it ran, not those asked for."""
    settings = snapshot.settings
    values = dict(id=number(snapshot), model=t(f"train.model.{settings.model}"),
                  target=t(f"train.target.{settings.target}"), optimizer=settings.optimizer,
                  learning_rate=f"{settings.learning_rate:g}", epochs=settings.epochs)
    ran = len(snapshot.full_epochs)
    if snapshot.state == JobState.STOPPED and ran < settings.epochs:
        return t("train.run_label.stopped", ran=ran, **values) + controls_label(settings, t)
    return t("train.run_label", **values) + controls_label(settings, t)


def has_outputs(snapshot: Snapshot) -> bool:
    """A run that ended with a saved model and test-set probabilities."""
    out = snapshot.out_dir
    return (snapshot.state in ENDED_WITH_OUTPUTS and (out / "model.keras").is_file()
            and (out / "test_probs.npy").is_file())


def outputs(snapshot: Snapshot):
    """core.training.evaluation.Outputs of a finished run (cached per file version)."""
    probs = snapshot.out_dir / "test_probs.npy"
    return st_cache.job_outputs(str(snapshot.out_dir), probs.stat().st_mtime)


def pick_run(snapshots: list[Snapshot], key: str, t) -> Snapshot:
    """A selectbox over runs (newest first); the chosen snapshot. A run that has just
    ended is chosen for the student."""
    by_id = {s.id: s for s in snapshots}
    ids = sorted(by_id, reverse=True)
    state, known = st.session_state, f"{key}_known"
    if state.get(key) not in ids or ids[0] not in state.get(known, []):
        state[key] = ids[0]
    state[known] = ids
    labels = {i: run_label(by_id[i], t) for i in ids}  # AppTest formats values outside the run
    chosen = st.selectbox(t("train.pick_run"), ids, key=key, format_func=labels.get)
    return by_id[chosen]
