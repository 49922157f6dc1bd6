"""What a worker reports, one event per JSON line, in the order it happens."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union, get_args

import math

from core.engine.contract.records import ContractError, Record, event_name, from_line
from core.engine.contract.states import Phase


@dataclass(frozen=True)
class PhaseEvent(Record):
    phase: Phase


@dataclass(frozen=True)
class ReadyEvent(Record):
    """The worker waits for an Assignment: TensorFlow just imported, or a job just done."""
    import_seconds: float  # 0 for a worker that has trained before
    jobs_done: int  # jobs this worker trained already


@dataclass(frozen=True)
class StartEvent(Record):
    """The model is built and fit begins."""
    params: int  # all of the model's parameters
    trainable: int  # those the optimizer changes now
    train_size: int  # images per epoch after the validation split and caps
    val_size: int
    test_size: int
    steps: int  # batches per epoch
    epochs: int
    device: str  # where it trains: "CPU", or the GPU TensorFlow found ("GPU:0 (name)")


@dataclass(frozen=True)
class BatchEvent(Record):
    """One batch's own loss and accuracy (Keras reports running means; see the worker)."""
    epoch: int  # from 0
    step: int  # from 0
    loss: float
    accuracy: float
    seen: int  # images of this epoch so far
    t: float  # seconds since the first batch of the run


@dataclass(frozen=True)
class EpochEvent(Record):
    epoch: int  # from 0
    t: float
    partial: bool  # a Stop ended it before its last batch
    loss: float
    accuracy: float
    val_loss: float | None = None  # None without a validation split
    val_accuracy: float | None = None


@dataclass(frozen=True)
class UnfreezeEvent(Record):
    """Fine-tuning's second phase began at `epoch` with `trainable` parameters."""
    epoch: int
    trainable: int


@dataclass(frozen=True)
class DoneEvent(Record):
    stopped: bool  # Stop ended it early
    test_accuracy: float  # (predict(x_test).argmax(1) == y_test).mean()


@dataclass(frozen=True)
class FiltersEvent(Record):
    """The first Conv2D's filters and one fixed test image's feature maps from it, when fit
    begins (epoch 0: the initial weights) and after every epoch, so the training page shows
    features forming (core.training.live_filters). Values to 4 significant digits."""
    epoch: int  # epochs done; 0: before the first
    layer: str  # the Conv2D's Keras name
    filters: int  # the layer's filters; the first kernel_shape[3] are sent
    image_index: int  # the test image: an index into the job's test set
    kernel_shape: tuple[int, int, int, int]  # (k_h, k_w, C_in, F sent)
    kernels: tuple[float, ...]  # flat, in kernel_shape's (C) order
    map_shape: tuple[int, int, int]  # (H, W, maps sent)
    maps: tuple[float, ...]  # flat, in map_shape's (C) order

    def __post_init__(self):
        if (len(self.kernels) != math.prod(self.kernel_shape)
                or len(self.maps) != math.prod(self.map_shape)):
            raise ContractError("filters: the values do not fill their shapes")


JOB_ERRORS = ("crash", "worker_died", "nonfinite_loss", "cancelled", "stopped_by_server",
              "disk_full", "bad_config", "cluster_lost")  # each has train.job_error.<code>


@dataclass(frozen=True)
class ErrorEvent(Record):
    code: str  # one of JOB_ERRORS
    message: str


Event = Union[PhaseEvent, ReadyEvent, StartEvent, BatchEvent, EpochEvent, UnfreezeEvent,
              DoneEvent, ErrorEvent, FiltersEvent]
EVENTS = {event_name(kind): kind for kind in get_args(Event)}


def parse_event(line: str) -> Event:
    """The event a worker printed; ContractError for anything else."""
    return from_line(line, EVENTS)
