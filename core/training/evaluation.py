"""Evaluating a trained model from its test-set probabilities, and a run's history as a table.

Everything here is plain numpy/pandas on what a training worker saved
(`test_probs.npy` (N, K) and `test_labels.npy` (N,)) or reported (its batch and epoch
events): test accuracy as the notebook computes it, the confusion matrix, per-class
accuracy, the misclassified images with their top-3 guesses, and TensorBoard's
smoothing of a noisy curve.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd

from core.engine.contract import BatchEvent, EpochEvent

TOP_K = 3  # guesses shown per misclassified image
EPOCH_COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds")


class Outputs(NamedTuple):
    """A finished job's test-set outputs."""
    probs: np.ndarray  # (N, K) float32, each row sums to 1
    labels: np.ndarray  # (N,) int, the true classes


def load_outputs(out_dir: Path) -> Outputs | None:
    """The test probabilities and labels a worker saved in out_dir, or None if absent."""
    probs_path, labels_path = Path(out_dir) / "test_probs.npy", Path(out_dir) / "test_labels.npy"
    if not (probs_path.is_file() and labels_path.is_file()):
        return None
    return Outputs(np.load(probs_path, allow_pickle=False),
                   np.load(labels_path, allow_pickle=False).astype(np.int64))


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    """The notebook's `(model.predict(test).argmax(1) == y_test).mean()`."""
    return float((probs.argmax(1) == labels).mean()) if len(labels) else 0.0


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """(K, K) int counts: row = true class, column = predicted class."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """(K,) share of each true class predicted right (the diagonal over row sums); NaN
    for a class with no test images."""
    totals = matrix.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / np.maximum(totals, 1), np.nan)


def per_class_table(matrix: np.ndarray, class_names) -> pd.DataFrame:
    """One row per class: class, images, correct, accuracy (0-1)."""
    return pd.DataFrame({"class": list(class_names), "images": matrix.sum(1),
                         "correct": np.diag(matrix), "accuracy": per_class_accuracy(matrix)})


def top_k(probs: np.ndarray, k: int = TOP_K) -> tuple[np.ndarray, np.ndarray]:
    """(classes, probabilities), each (N, k): the k most probable classes, most probable
    first. Ties go to the lower class index, as argmax does."""
    k = min(k, probs.shape[1])
    order = np.argsort(-probs, axis=1, kind="stable")[:, :k]  # (N, k)
    return order, np.take_along_axis(probs, order, axis=1)


def misclassified(probs: np.ndarray, labels: np.ndarray, limit: int = 12,
                  k: int = TOP_K) -> pd.DataFrame:
    """The wrongly classified test images, most confidently wrong first.

    Columns: index (into the test set), label, predicted, confidence (of the
    prediction), top_classes and top_probs (lists of k). At most `limit` rows.
    """
    predicted = probs.argmax(1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probs[wrong, predicted[wrong]]
    wrong = wrong[np.argsort(-confidence, kind="stable")][:limit]
    classes, top = top_k(probs[wrong], k)
    return pd.DataFrame({
        "index": wrong, "label": labels[wrong], "predicted": predicted[wrong],
        "confidence": probs[wrong, predicted[wrong]],
        "top_classes": [list(map(int, row)) for row in classes],
        "top_probs": [list(map(float, row)) for row in top]})


# ---- history ------------------------------------------------------------------------

def epochs_frame(epochs: Sequence[EpochEvent]) -> pd.DataFrame:
    """A job's epoch events as a table: epoch (counted from 1), loss, accuracy, val_loss,
    val_accuracy (NaN without a validation split), seconds since training began."""
    frame = pd.DataFrame([e.to_dict() for e in epochs], columns=["epoch", "loss", "accuracy", "val_loss",
                                          "val_accuracy", "t"])
    frame["epoch"] = frame["epoch"] + 1
    return frame.rename(columns={"t": "seconds"})[list(EPOCH_COLUMNS)].astype(float).astype(
        {"epoch": int})


def batches_frame(batches: Sequence[BatchEvent], steps_per_epoch: int) -> pd.DataFrame:
    """A job's batch events: step (batches since the start, from 1), epoch (fractional:
    1.5 is half-way through the second), loss, accuracy, seconds."""
    frame = pd.DataFrame([b.to_dict() for b in batches], columns=["epoch", "step", "loss", "accuracy", "t"])
    steps = max(int(steps_per_epoch), 1)
    frame["position"] = frame["epoch"] * steps + frame["step"] + 1
    return pd.DataFrame({"step": frame["position"].astype(int),
                         "epoch": frame["position"] / steps,
                         "loss": frame["loss"].astype(float),
                         "accuracy": frame["accuracy"].astype(float),
                         "seconds": frame["t"].astype(float)})


def history_csv(epochs: Sequence[EpochEvent]) -> bytes:
    """The per-epoch history as CSV, as Keras' CSVLogger would write it."""
    return epochs_frame(epochs).to_csv(index=False).encode()


def ema_smooth(values, weight: float) -> np.ndarray:
    """TensorBoard's scalar smoothing: a debiased exponential moving average.

    last = last * weight + (1 - weight) * value, from last = 0; each point is
    last / (1 - weight ** n) after n finite values, so the start is not pulled
    towards 0. Non-finite values pass through unchanged and a constant series stays
    as it is, as in TensorBoard. weight in [0, 1): 0 leaves the curve raw.
    """
    values = np.asarray(values, dtype=float)
    if not 0 <= weight < 1:
        raise ValueError(f"smoothing weight must be in [0, 1), got {weight}")
    if len(values) == 0 or np.all(values == values[0]):
        return values.copy()
    out, last, count = np.empty_like(values), 0.0, 0
    for i, value in enumerate(values):
        if not np.isfinite(value):
            out[i] = value
            continue
        last = last * weight + (1 - weight) * value
        count += 1
        out[i] = last / (1 - weight ** count)
    return out
