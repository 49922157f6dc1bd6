"""Defaults of the whole app, each in one place with the reason for its value."""
from __future__ import annotations

import os
import tempfile
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
# The class's settings (also st.secrets["training"]["max_images"] / ["max_epochs"]): caps
# on what one run may use, so a class's runs fit the lesson (README, "For instructors"),
# e.g. CNNLAB_TRAIN_MAX_IMAGES=1500 and CNNLAB_TRAIN_MAX_EPOCHS=10. The pages show them.
# Tests use a few hundred images for runs of a few seconds. Unset: all images, 200 epochs.
TRAIN_MAX_IMAGES = int(os.environ.get("CNNLAB_TRAIN_MAX_IMAGES") or 0) or None
TRAIN_MAX_EPOCHS = int(os.environ.get("CNNLAB_TRAIN_MAX_EPOCHS") or 0) or None
# How long a training job keeps running after its browser tab closed (the session is
# gone). Tests set CNNLAB_ORPHAN_GRACE_S to a few seconds.
ORPHAN_GRACE_S = float(os.environ.get("CNNLAB_ORPHAN_GRACE_S") or 30.0)
# The run library (core/engine/library.py): finished runs kept under their identity.
# The server writes its own here, bounded; the app ships read-only ones in assets/runs/
# (python -m core seed-runs). Tests point CNNLAB_LIBRARY_DIR at a folder of their own.
LIBRARY_DIR = Path(os.environ.get("CNNLAB_LIBRARY_DIR") or
                   Path(tempfile.gettempdir()) / "cnnlab-library")
LIBRARY_MB = int(os.environ.get("CNNLAB_LIBRARY_MB") or 500)
SHIPPED_RUNS = ROOT / "assets" / "runs"
# The training page's live view of the first layer's filters (core/training/live_filters.py):
# the worker sends them when fit begins and after each epoch. CNNLAB_LIVE_FILTERS=0 turns
# it off (benchmarks/live_filters.py compares a run with and without it).
LIVE_FILTERS = os.environ.get("CNNLAB_LIVE_FILTERS", "1") != "0"
# The instructor's key (also st.secrets["instructor"]["key"]): with one set, a password
# field in the sidebar unlocks the instructor's lane (runs go first) and the server-wide
# actions (the CIFAR-100 download, seeding the run library). Unset: everyone may do both.
INSTRUCTOR_KEY = os.environ.get("CNNLAB_INSTRUCTOR_KEY") or None
# A Ray cluster to train on (core/engine/ray_backend.py), e.g. "10.0.0.5:6379" (also
# st.secrets["ray"]["address"]). Unset: training runs in this server's worker processes.
RAY_ADDRESS = os.environ.get("CNNLAB_RAY_ADDRESS") or None
RAY_CPUS = int(os.environ.get("CNNLAB_RAY_CPUS") or 2)  # CPUs a job gets on the cluster
RAY_GPUS = float(os.environ.get("CNNLAB_RAY_GPUS") or 0)  # GPUs a job gets (0.5: half of one)
RAY_SLOTS = int(os.environ.get("CNNLAB_RAY_SLOTS") or 0) or None  # jobs at once; unset: as
#                                                     many as the cluster's CPUs and GPUs fit
