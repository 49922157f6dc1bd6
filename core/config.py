"""Defaults of the whole app, each in one place with the reason for its value."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the repository
# Course files and the prepared CIFAR-100 extract live here; tests point it elsewhere.
DATA_DIR = Path(os.environ.get("CNNLAB_DATA_DIR", ROOT / "data"))
COURSE_FILES = {  # role -> file name in DATA_DIR, as the notebook spells them
    "train_images": "10_train.npy",
    "test_images": "10_test.npy",
    "train_labels": "10_tr_labels.csv",
    "test_labels": "10_ts_labels.csv",
}
SYNTHETIC_SEED = 0  # the offline dataset everyone in a class gets is the same
INPUT_SHAPE = (32, 32, 3)  # CIFAR-100 images: 32x32 pixels, 3 colour channels
# Where the CIFAR-100 download comes from; None means the official source. Tests and
# mirrors set these to a tarball in the same format (e.g. one served from 127.0.0.1).
CIFAR_URL = os.environ.get("CNNLAB_CIFAR_URL") or None
CIFAR_MD5 = os.environ.get("CNNLAB_CIFAR_MD5") or None
# For tests and demos only: cap the images a training job uses (train and test split
# each), e.g. CNNLAB_TRAIN_MAX_IMAGES=300 for a run of a few seconds. Unset: all images.
TRAIN_MAX_IMAGES = int(os.environ.get("CNNLAB_TRAIN_MAX_IMAGES") or 0) or None
# How long a training job keeps running after its browser tab closed (the session is
# gone). Tests set CNNLAB_ORPHAN_GRACE_S to a few seconds.
ORPHAN_GRACE_S = float(os.environ.get("CNNLAB_ORPHAN_GRACE_S") or 30.0)
