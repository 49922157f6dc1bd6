"""The training job contract: everything that crosses the boundary between the server and
a worker, typed, checked at the door, and nowhere else spelled as a bare dict or string.

    server -> worker   one `Assignment` (a JobConfig and the folder for its outputs)
    worker -> server   `Event`s: PhaseEvent, ReadyEvent, StartEvent, BatchEvent,
                       EpochEvent, UnfreezeEvent, DoneEvent, ErrorEvent
    server -> pages    a `Snapshot` of the job: its JobState, Phase, config and events

Each travels as one JSON line (core.training.records), complete or refused: a missing,
unknown or mistyped field raises `ContractError`, never a guess. See docs/ARCHITECTURE.md.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Union, get_args

from core.training.records import ContractError, Record, event_name, from_line
from core.training.records import to_line  # noqa: F401 (the contract's users write lines)


class JobState(StrEnum):
    """Where a job is in its life. QUEUED -> STARTING -> RUNNING (-> STOPPING) -> an end."""
    QUEUED = "queued"  # waiting for a worker slot
    STARTING = "starting"  # a worker has it: importing TensorFlow, preparing data and model
    RUNNING = "running"  # fitting
    STOPPING = "stopping"  # Stop was asked for; ends within a batch
    DONE = "done"  # trained every epoch and saved its outputs
    STOPPED = "stopped"  # ended early on request (outputs saved if a batch had run)
    FAILED = "failed"  # crashed, diverged, lost its worker, or the disk was full

    @property
    def active(self) -> bool:
        """Not ended yet: queued or holding a worker."""
        return self in ACTIVE_STATES

    @property
    def running(self) -> bool:
        """Holding a worker (counts against the running limit)."""
        return self in RUNNING_STATES


RUNNING_STATES = frozenset({JobState.STARTING, JobState.RUNNING, JobState.STOPPING})
ACTIVE_STATES = RUNNING_STATES | {JobState.QUEUED}
ENDED_WITH_OUTPUTS = frozenset({JobState.DONE, JobState.STOPPED})  # may have a saved model


class Phase(StrEnum):
    """What a job's worker is doing, in the order the page shows them."""
    QUEUED = "queued"
    IMPORTING = "importing"  # TensorFlow loading in a fresh worker
    PREPARING = "preparing"  # reading the arrays, building and compiling the model
    TRAINING = "training"
    SAVING = "saving"  # model.keras and the test-set probabilities
    ENDED = "ended"


PHASE_ORDER = (Phase.QUEUED, Phase.IMPORTING, Phase.PREPARING, Phase.TRAINING, Phase.SAVING)


class Recipe(StrEnum):
    """How a transfer-learning job builds its model (core.transfer.models)."""
    PRETRAIN = "pretrain"  # fresh extractor + head, the extractor saved afterwards
    SCRATCH = "scratch"  # fresh extractor of the same architecture (the baseline)
    FROZEN = "frozen"  # loaded extractor, not trainable: only the head learns
    FINETUNE = "finetune"  # loaded extractor, frozen for head_epochs, then unfrozen


FROM_FILE = frozenset({Recipe.FROZEN, Recipe.FINETUNE})  # recipes that load a saved extractor


@dataclass(frozen=True)
class TransferRecipe(Record):
    """The transfer-learning part of a job: which recipe, and what it needs."""
    recipe: Recipe
    extractor_layers: tuple[dict, ...] | None = None  # pretrain, scratch: built fresh
    extractor_path: str | None = None  # frozen, finetune: a checked .keras file
    extractor_sha256: str | None = None  # ... and what is in it: the run's identity
    head_epochs: int | None = None  # finetune: epochs of the head alone before unfreezing
    finetune_learning_rate: float | None = None  # finetune: after unfreezing

    def __post_init__(self):
        loads = self.recipe in FROM_FILE
        has_path, has_layers = self.extractor_path is not None, self.extractor_layers is not None
        if loads != has_path or loads == has_layers or has_path != (
                self.extractor_sha256 is not None):
            raise ContractError(f"recipe {self.recipe}: give extractor_path and its sha256 "
                                "to frozen and finetune, extractor_layers to pretrain and "
                                "scratch")
        tunes = self.recipe == Recipe.FINETUNE
        if tunes != (self.head_epochs is not None) or tunes != (
                self.finetune_learning_rate is not None):
            raise ContractError("head_epochs and finetune_learning_rate belong to finetune alone")
        if tunes and (self.head_epochs < 1 or not 0 < self.finetune_learning_rate < math.inf):
            raise ContractError("finetune needs head_epochs >= 1 and a positive learning rate")


@dataclass(frozen=True)
class RunSettings(Record):
    """What a student asked to train: the model and every setting of the fit.

    Two jobs with equal settings on the same data train identically (the seed fixes
    the split, the batch order and the initial weights).
    """
    model: str  # a notebook preset id (core.training.plan.MODELS) or "calculator"
    target: str  # "super" or "fine": which labels the model learns
    input_shape: tuple[int, int, int]  # (H, W, C)
    layers: tuple[dict, ...] | None  # the layer specs (core.stack.spec); None: see transfer
    n_classes: int  # units of the softmax head
    epochs: int
    batch_size: int
    optimizer: str  # a name keras.optimizers.get knows: adam, sgd, rmsprop
    learning_rate: float
    validation_split: float  # 0..1 of the training images held out, chosen by the seed
    seed: int  # keras.utils.set_random_seed and the split
    max_train: int | None = None  # caps on the images used (tests and short demos)
    max_test: int | None = None
    transfer: TransferRecipe | None = None

    def __post_init__(self):
        if (self.layers is None) == (self.transfer is None):
            raise ContractError("a job has either layers or a transfer recipe")
        if self.target not in ("super", "fine"):
            raise ContractError(f"target {self.target!r} is not super or fine")
        if self.epochs < 1 or self.batch_size < 1 or self.n_classes < 2:
            raise ContractError("epochs and batch_size must be >= 1, n_classes >= 2")
        if not (0 <= self.validation_split < 1 and 0 < self.learning_rate < math.inf):
            raise ContractError("validation_split must be in [0, 1), learning_rate > 0")
        if self.transfer and self.transfer.recipe == Recipe.FINETUNE and (
                self.transfer.head_epochs > self.epochs):
            raise ContractError("finetune: head_epochs is more than epochs")


@dataclass(frozen=True)
class DataRef(Record):
    """The arrays a job trains on: an .npz written by core.training.arrays."""
    path: str
    fingerprint: str  # core.data.dataset.Dataset.fingerprint of the dataset it came from
    class_names: tuple[str, ...]  # index -> name, for the target's labels


@dataclass(frozen=True)
class JobConfig(Record):
    """A job as a page submits it: what to train, on which data."""
    settings: RunSettings
    data: DataRef

    def __post_init__(self):
        if len(self.data.class_names) != self.settings.n_classes:
            raise ContractError(f"{self.settings.n_classes} classes, "
                                f"{len(self.data.class_names)} names")

    def key(self) -> str:
        """Equal for two configs that train the same model the same way on the same data:
        where the files sit (the arrays, a saved extractor) is not part of it, what is in
        them is (the dataset's fingerprint, the extractor's sha256)."""
        settings = self.settings.to_dict()
        if settings["transfer"]:
            settings["transfer"]["extractor_path"] = None
        identity = {"settings": settings, "data": self.data.fingerprint}
        text = json.dumps(identity, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Assignment(Record):
    """What the server sends a worker: one job and the folder for its outputs."""
    config: JobConfig
    out_dir: str


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


JOB_ERRORS = ("crash", "worker_died", "nonfinite_loss", "cancelled", "stopped_by_server",
              "disk_full", "bad_config", "cluster_lost")  # each has train.job_error.<code>


@dataclass(frozen=True)
class ErrorEvent(Record):
    code: str  # one of JOB_ERRORS
    message: str


Event = Union[PhaseEvent, ReadyEvent, StartEvent, BatchEvent, EpochEvent, UnfreezeEvent,
              DoneEvent, ErrorEvent]
EVENTS = {event_name(kind): kind for kind in get_args(Event)}


def parse_event(line: str) -> Event:
    """The event a worker printed; ContractError for anything else."""
    return from_line(line, EVENTS)


def parse_assignment(line: str) -> Assignment:
    return from_line(line, {None: Assignment})


@dataclass(frozen=True)
class Snapshot:
    """A consistent copy of a job's record, for drawing (core.training.job.Job.snapshot)."""
    id: int
    state: JobState
    phase: Phase
    config: JobConfig
    out_dir: Path
    created: float
    started: float | None = None  # left the queue
    ended: float | None = None
    import_seconds: float | None = None  # of the worker that ran it (None: already warm)
    start: StartEvent | None = None
    unfreeze: UnfreezeEvent | None = None
    batches: tuple[BatchEvent, ...] = ()
    epochs: tuple[EpochEvent, ...] = ()
    result: DoneEvent | None = None
    error: ErrorEvent | None = None
    watchers: int = 1  # sessions watching it train (a shared run has several)
    origin: str = "trained"  # or "library": an identical run trained earlier
    engine: str = "local"  # trained by this server's workers, or on a "ray" cluster

    @property
    def settings(self) -> RunSettings:
        return self.config.settings

    @property
    def active(self) -> bool:
        return self.state.active

    @property
    def steps(self) -> int:  # batches per epoch (0 until the worker has said)
        return self.start.steps if self.start else 0

    @property
    def full_epochs(self) -> tuple[EpochEvent, ...]:  # a Stop mid-epoch reports a partial one
        return tuple(e for e in self.epochs if not e.partial)

    @property
    def test_accuracy(self) -> float | None:
        return self.result.test_accuracy if self.result else None
