"""How much memory a training job's worker should reach, before it starts, and whether a
second job fits beside the running ones.

Two jobs at once finish a class's queue sooner on 2 cores (benchmarks/parallel_jobs.py),
but two super-model jobs at batch 200 together with the server reach a Community Cloud
container's 2.7 GB. So the scheduler (core.engine.manager) starts a job beside others
only when the estimates of all of them and the server's own memory stay within the
budget. A job alone always starts: there is nothing to wait for.

The estimate is the shape engine's (core.stack.shapes): the layer outputs of one image
in float32 times the batch (Keras keeps each for the backward pass, and its gradient),
four copies of the parameters (weights, gradients, Adam's two moments), the arrays (the
job's .npz read whole, its training images copied by the split and again into
TensorFlow), and what a worker holds besides (TensorFlow imported, a model built). The
constants are fitted to the peaks `python -m benchmarks.job_memory` measures, rounded
up; it prints measured beside estimated for the notebook's models.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

from core.stack import presets
from core.stack.shapes import ShapeError, summarize, totals
from core.transfer.checkpoints import CheckpointError, inspect_keras

WORKER_BASE_MB = 650  # a worker with TensorFlow imported and one model built and fitted
ACTIVATION_COPIES = 2.3  # outputs kept for the backward pass, their gradients, workspace
PARAMETER_COPIES = 4  # weights, gradients, Adam's two moments
SERVER_MB = 750  # the server with a class connected (README, "A class on one server")
BUDGET_MB = 2700  # a Community Cloud container
MB = 2**20


def layers_of(settings) -> list[dict]:
    """The layer specs the job's model is built from: a transfer recipe's extractor (read
    from its checked file when it is loaded from one) with its softmax head."""
    if settings.layers is not None:
        return list(settings.layers)
    extractor = settings.transfer.extractor_layers
    if extractor is None:
        path = Path(settings.transfer.extractor_path)
        extractor = inspect_keras(path.read_bytes(), path.name).layers
    return presets.with_head(list(extractor), settings.n_classes)


def job_mb(config) -> float:
    """The worker's expected peak resident memory for a JobConfig, in MB."""
    settings = config.settings
    try:
        sums = totals(summarize(settings.input_shape, layers_of(settings)))
    except (ShapeError, KeyError, TypeError, ValueError, OSError, CheckpointError):
        return float(BUDGET_MB)  # a model the engine cannot read: assume the worst
    try:
        data = os.path.getsize(config.data.path)  # np.savez: the arrays' own bytes
    except OSError:
        data = 0
    image = math.prod(settings.input_shape)  # uint8 until the graph casts a batch
    train = min(settings.max_train * image, data) if settings.max_train else data
    arrays = data + 2 * train
    batch = min(settings.batch_size, settings.max_train or settings.batch_size)
    work = batch * sums.activation_bytes * ACTIVATION_COPIES
    weights = sums.params * 4 * PARAMETER_COPIES
    return WORKER_BASE_MB + (work + weights + arrays) / MB


def fits(running_mb: list[float], next_mb: float, budget: float,
         server_mb: float = SERVER_MB) -> bool:
    """Whether a job of `next_mb` may start beside jobs of `running_mb`: always when none
    runs, else when the server and all of them stay within the budget."""
    return not running_mb or server_mb + sum(running_mb) + next_mb <= budget
