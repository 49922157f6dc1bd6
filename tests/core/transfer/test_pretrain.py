"""The bundled-extractor command: it trains, writes the file and metadata, and matches
only the dataset it was trained on."""
import json

import numpy as np
import pandas as pd
import pytest

from core.transfer.checkpoints import inspect_keras
from core.data.dataset import Dataset
from core.transfer.pretrain import bundled, run_pretrain

pytestmark = pytest.mark.slow


def small_dataset(seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    fines = ["a1", "a2", "b1", "b2", "c1", "c2"]
    frame = lambda n: pd.DataFrame({"fine_labels": [fines[i % 6] for i in range(n)],
                                    "coarse_labels": [fines[i % 6][0] for i in range(n)]})
    return Dataset(rng.integers(0, 256, (120, 32, 32, 3), dtype=np.uint8),
                   rng.integers(0, 256, (30, 32, 32, 3), dtype=np.uint8),
                   frame(120), frame(30), source="course", detail="test")


def test_pretrain_writes_a_matching_checkpoint(tmp_path):
    dataset = small_dataset(0)
    path = run_pretrain(dataset, width=4, epochs=1, out=tmp_path, report=lambda line: None)
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["fingerprint"] == dataset.fingerprint and meta["width"] == 4
    assert meta["command"].startswith("python -m core pretrain")
    assert 0 <= meta["test_accuracy"] <= 1
    assert inspect_keras(path.read_bytes(), path.name).output_shape == (2, 2, 4)
    matching, other = bundled(dataset, tmp_path)
    assert [p for p, _ in matching] == [path] and other == []
    matching, other = bundled(small_dataset(1), tmp_path)
    assert matching == [] and [p for p, _ in other] == [path]
