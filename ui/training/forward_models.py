"""Which trained models a student can send an image through: this session's runs of the
training page, the transfer lesson's models, and the bundled extractor.

A `ModelChoice` is a saved `.keras` file with what the forward pass view needs beside it:
the class names of its softmax (None for an extractor, which ends in feature maps), the
run whose test-set outputs name the misclassified images (None for a file), and the
dataset it was trained on.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import streamlit as st

from core.engine.contract import Snapshot
from ui.training import runs
from ui.transfer import state as transfer_state

ROLES = ("pretrain", "scratch", "frozen", "finetune")  # the transfer lesson's jobs, in order


class ModelChoice(NamedTuple):
    key: str  # the option's value: "train-<job id>", "transfer-<role>", "bundled"
    label: str
    path: Path  # the model.keras (or the extractor's .keras)
    names: tuple | None  # class names of its softmax; None: no classifier
    snapshot: Snapshot | None  # the run, for its test-set outputs; None for a file
    fingerprint: str | None  # the dataset it was trained on (None: not known)


def _run(key: str, label: str, snapshot: Snapshot) -> ModelChoice:
    return ModelChoice(key, label, snapshot.out_dir / "model.keras",
                       snapshot.config.data.class_names, snapshot,
                       snapshot.config.data.fingerprint)


def choices(dataset, t) -> list[ModelChoice]:
    """The models on offer now: newest training run first, then the transfer lesson's,
    then the bundled extractor trained on this dataset."""
    found = []
    for job in reversed(runs.session_jobs()):
        snapshot = job.snapshot()
        if runs.has_outputs(snapshot):
            found.append(_run(f"train-{snapshot.id}", runs.run_label(snapshot, t), snapshot))
    lesson = transfer_state.jobs()
    for role in ROLES:
        job = lesson.get(role)
        snapshot = job.snapshot() if job is not None else None
        if snapshot is not None and runs.has_outputs(snapshot):
            found.append(_run(f"transfer-{role}", t(f"inside.forward.model.{role}"), snapshot))
    bundled = transfer_state.bundled_extractor(dataset)
    if bundled is not None:
        found.append(ModelChoice("bundled", t("inside.forward.model.bundled",
                                               name=bundled.path.name),
                                 bundled.path, None, None, bundled.meta.get("fingerprint")))
    return found


def pick(found: list[ModelChoice], t) -> ModelChoice:
    """A selectbox over the models; the chosen one (the first when the last is gone)."""
    by_key = {c.key: c for c in found}
    if st.session_state.get("train_forward_model") not in by_key:
        st.session_state["train_forward_model"] = found[0].key
    labels = {c.key: c.label for c in found}
    key = st.selectbox(t("inside.forward.model"), list(by_key), key="train_forward_model",
                       format_func=labels.get)
    return by_key[key]
