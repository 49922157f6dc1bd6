"""What to train, on which data: the config a page submits and the worker receives."""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from enum import StrEnum

from core.engine.contract.records import ContractError, Record, from_line


class Recipe(StrEnum):
    """How a transfer-learning job builds its model (core.transfer.models)."""
    PRETRAIN = "pretrain"  # fresh extractor + head, the extractor saved afterwards
    SCRATCH = "scratch"  # fresh extractor of the same architecture (the baseline)
    FROZEN = "frozen"  # loaded extractor, not trainable: only the head learns
    FINETUNE = "finetune"  # loaded extractor, frozen for head_epochs, then unfrozen


FROM_FILE = frozenset({Recipe.FROZEN, Recipe.FINETUNE})  # recipes that load a saved extractor
# Fields added to RunSettings after runs were shipped (assets/runs) and kept in run
# libraries, with the value that means "off" (the controls against overfitting,
# core.training.regularise). A run's identity (JobConfig.key) leaves them out at that
# value, so a run trained before they existed keeps its key, and a stored record that
# lacks them reads as off (`with_added_fields`). Jobs still send every field.
ADDED_OFF = {"augment": False, "dropout": 0.0, "weight_decay": 0.0, "early_stopping": 0}
MAX_WEIGHT_DECAY = 1.0  # an L2 factor beyond this swamps any loss


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
    augment: bool = False  # RandomFlip + RandomTranslation first in the model
    dropout: float = 0.0  # rate of a Dropout before the softmax head; 0: none
    weight_decay: float = 0.0  # L2 factor on every Conv2D and Dense kernel; 0: none
    early_stopping: int = 0  # patience in epochs on the validation loss; 0: train them all

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
        if not (0 <= self.dropout < 1 and 0 <= self.weight_decay <= MAX_WEIGHT_DECAY
                and self.early_stopping >= 0):
            raise ContractError("dropout must be in [0, 1), weight_decay in [0, "
                                f"{MAX_WEIGHT_DECAY}], early_stopping >= 0")
        if self.early_stopping and not self.validation_split:
            raise ContractError("early stopping watches the validation loss: it needs a "
                                "validation split")
        if self.transfer and any(getattr(self, k) != off for k, off in ADDED_OFF.items()):
            raise ContractError("the controls against overfitting apply to a layer stack, "
                                "not to a transfer recipe")


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
        for name, off in ADDED_OFF.items():  # off: the identity of a run from before them
            if settings[name] == off:
                del settings[name]
        identity = {"settings": settings, "data": self.data.fingerprint}
        text = json.dumps(identity, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Assignment(Record):
    """What the server sends a worker: one job and the folder for its outputs."""
    config: JobConfig
    out_dir: str


# What a job that saved its model leaves in its out_dir: every one of OUTPUTS, and
# pretraining's extractor too. The run library keeps the same files.
OUTPUTS = ("model.keras", "test_probs.npy", "test_labels.npy")
OPTIONAL_OUTPUTS = ("extractor.keras",)


def with_added_fields(settings: dict) -> dict:
    """A stored RunSettings record (decoded JSON) with the fields added since at their off
    values where it lacks them (ADDED_OFF); anything else is left for the strict checks."""
    return {**ADDED_OFF, **settings} if isinstance(settings, dict) else settings


def parse_assignment(line: str) -> Assignment:
    return from_line(line, {None: Assignment})
