"""This session's training runs: which jobs are ours, and how a run is named on screen."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from core import st_cache
from ui import lost_runs

JOB_IDS = "train_job_ids"  # session_state: ids of the jobs this session started, in order
# Choice widgets whose option labels are translated. Streamlit 1.67 sends a choice's
# label, not its value, to the browser and does not resend it when only format_func
# changes, so after a language switch the browser kept showing the old language (or,
# for a radio, no choice at all) until the value is set again.
TRANSLATED_CHOICES = ("train_model", "train_target", "train_run", "train_compare_runs",
                      "train_compare_metric")


def session_jobs() -> list:
    """The jobs this session started (core.training.job.Job), oldest first."""
    ids = st.session_state.get(JOB_IDS, [])
    mine = {job.id: job for job in st_cache.job_manager().jobs_of(st_cache.session_id())}
    return [mine[i] for i in ids if i in mine]


def relabel_after_language_switch() -> None:
    """Set the translated choices again once after the language changed (see above)."""
    state, lang = st.session_state, st_cache.language()
    if state.get("train_lang") != lang:
        for key in TRANSLATED_CHOICES:
            if key in state:
                state[key] = state[key]
        state["train_lang"] = lang


def remember(job) -> None:
    st.session_state.setdefault(JOB_IDS, []).append(job.id)
    lost_runs.remember(job)


def run_label(snapshot: dict, t) -> str:
    """'#3 Stride model · superclasses · adam 0.001 · 20 epochs'."""
    config = snapshot["config"]
    return t("train.run_label", id=snapshot["id"], model=t(f"train.model.{config['model']}"),
             target=t(f"train.target.{config['target']}"), optimizer=config["optimizer"],
             learning_rate=f"{config['learning_rate']:g}", epochs=config["epochs"])


def has_outputs(snapshot: dict) -> bool:
    """A run that ended with a saved model and test-set probabilities."""
    out = Path(snapshot["out_dir"])
    return (snapshot["state"] in ("done", "stopped") and (out / "model.keras").is_file()
            and (out / "test_probs.npy").is_file())


def outputs(snapshot: dict):
    """core.training.evaluation.Outputs of a finished run (cached per file version)."""
    probs = Path(snapshot["out_dir"]) / "test_probs.npy"
    return st_cache.job_outputs(snapshot["out_dir"], probs.stat().st_mtime)


def pick_run(snapshots: list[dict], key: str, t) -> dict:
    """A selectbox over runs (newest first); the chosen snapshot. A run that has just
    ended is chosen for the student."""
    by_id = {s["id"]: s for s in snapshots}
    ids = sorted(by_id, reverse=True)
    state, known = st.session_state, f"{key}_known"
    if state.get(key) not in ids or ids[0] not in state.get(known, []):
        state[key] = ids[0]
    state[known] = ids
    chosen = st.selectbox(t("train.pick_run"), ids, key=key,
                          format_func=lambda i: run_label(by_id[i], t))
    return by_id[chosen]
