"""Constants of the whole app, each in one place with the reason for its value. What a server
may set (caps, folders, keys, a cluster) is core.settings."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the repository
COURSE_FILES = {  # role -> file name in the data folder, as the notebook spells them
    "train_images": "10_train.npy",
    "test_images": "10_test.npy",
    "train_labels": "10_tr_labels.csv",
    "test_labels": "10_ts_labels.csv",
}
SYNTHETIC_SEED = 0  # the offline dataset everyone in a class gets is the same
INPUT_SHAPE = (32, 32, 3)  # CIFAR-100 images: 32x32 pixels, 3 colour channels
# The run library the app ships read-only (python -m core seed-runs writes it).
SHIPPED_RUNS = ROOT / "assets" / "runs"
