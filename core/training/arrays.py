"""What a worker trains on: one dataset and target written as an .npz the worker reads.

The server writes it once per (dataset fingerprint, target) and every job reuses it;
images stay uint8 (N, 32, 32, 3), labels are the Dataset's integer encoding.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from core.data.course_files import atomic_write
from core.data.dataset import Dataset


def export_arrays(dataset: Dataset, target: str, folder: Path) -> Path:
    """The .npz path for (dataset, target), written atomically if not there yet."""
    path = Path(folder) / f"data-{dataset.fingerprint}-{target}.npz"
    if not path.exists():
        arrays = {"x_train": dataset.x_train, "y_train": dataset.y("train", target),
                  "x_test": dataset.x_test, "y_test": dataset.y("test", target)}
        atomic_write(path, lambda out: np.savez(out, **arrays))
    return path
