"""What a worker trains on: one dataset and target written as an .npz, and the job's
config that points at it.

The server writes the file once per (dataset fingerprint, target) and every job reuses
it; images stay uint8 (N, 32, 32, 3), labels are the Dataset's integer encoding.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from core.data.dataset import Dataset
from core.data.files import atomic_write
from core.engine.contract import DataRef, JobConfig, RunSettings


def export_arrays(dataset: Dataset, target: str, folder: Path,
                  fingerprint: str | None = None) -> Path:
    """The .npz path for (dataset, target), written atomically if not there yet.
    fingerprint: dataset.fingerprint when the caller has it already (it reads every pixel)."""
    fingerprint = fingerprint or dataset.fingerprint
    path = Path(folder) / f"data-{fingerprint}-{target}.npz"
    if not path.exists():
        arrays = {"x_train": dataset.x_train, "y_train": dataset.y("train", target),
                  "x_test": dataset.x_test, "y_test": dataset.y("test", target)}
        atomic_write(path, lambda out: np.savez(out, **arrays))
    return path


def job_config(dataset: Dataset, settings: RunSettings, folder: Path,
               fingerprint: str | None = None) -> JobConfig:
    """A complete job: the settings, and the dataset's arrays for their target exported
    to `folder` (every page and script submits through here)."""
    fingerprint = fingerprint or dataset.fingerprint
    path = export_arrays(dataset, settings.target, folder, fingerprint)
    names = tuple(dataset.classes(settings.target))
    return JobConfig(settings, DataRef(str(path), fingerprint, names))
