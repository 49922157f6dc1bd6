"""Controls against overfitting, as the training page offers them: data augmentation, Dropout,
L2 weight decay and early stopping. Each is off by default, as in the notebook.

    augment         RandomFlip("horizontal") and RandomTranslation(0.1, 0.1) first in the
                    model: every epoch shows each training image mirrored and shifted at
                    random, so memorising exact pixels stops paying. They are Keras layers
                    inside the model, so they travel with the saved model and the exported
                    code, and do nothing when predicting.
    dropout         Dropout(rate) before the softmax head: while training, a random share of
                    the flattened features is set to 0 for each image, so the head cannot
                    lean on a few of them.
    weight_decay    L2 on every Conv2D and Dense kernel (`kernel_regularizer`): the loss
                    gains weight_decay * sum(w**2), which pulls weights toward 0. The loss
                    curves include that penalty.
    early_stopping  stop when the validation loss has not improved for this many epochs,
                    and keep the weights of the epoch with the lowest validation loss.

`model_layers(settings)` is the stack a run really builds (core.training.fit), shows
(its parameters and multiply-accumulates) and exports (core.training.export); the
settings themselves keep the model the student chose (core.engine.contract.RunSettings).
Pooling is not among these controls: it shrinks the feature map, which changes the
model and its cost, and the notebook's comparison shows nothing about overfitting.
"""
from __future__ import annotations

from core.engine.contract import ADDED_OFF, RunSettings

AUGMENTATION = (  # what `augment` puts first in the model
    {"type": "RandomFlip", "mode": "horizontal"},  # mirror left-right: animals stay upright
    {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1},  # up to 3 px
)
SUGGESTED = {  # what a control starts from when the student switches it on
    "dropout": 0.5,  # the classic rate: half the features dropped in each step
    "weight_decay": 1e-4,  # small next to the cross-entropy of a 3-class start (about 1.1)
    "early_stopping": 3,  # epochs without a better validation loss before stopping
}
CONTROLS = tuple(ADDED_OFF)  # augment, dropout, weight_decay, early_stopping


def model_layers(settings: RunSettings) -> list[dict]:
    """The layer specs a run builds: augmentation first, Dropout before the head (the last
    layer, the softmax Dense that core.training.plan puts there), when asked."""
    layers = [dict(layer) for layer in settings.layers]
    if settings.dropout:
        layers.insert(len(layers) - 1, {"type": "Dropout", "rate": settings.dropout})
    if settings.augment:
        layers = [dict(layer) for layer in AUGMENTATION] + layers
    return layers


def active(settings: RunSettings) -> dict:
    """control -> its value, for the controls a run uses (empty: none, as in the notebook)."""
    return {name: getattr(settings, name) for name, off in ADDED_OFF.items()
            if getattr(settings, name) != off}


def early_stopping(keras, settings: RunSettings) -> list:
    """The fit's EarlyStopping callback, or none: it watches the validation loss and, when
    training ends, puts back the weights of the epoch where that loss was lowest."""
    if not settings.early_stopping:
        return []
    return [keras.callbacks.EarlyStopping(monitor="val_loss", patience=settings.early_stopping,
                                          restore_best_weights=True)]


def best_epoch(epochs) -> int | None:
    """0-based epoch with the lowest validation loss among whole epochs (the weights early
    stopping keeps), or None without validation."""
    scored = [(e.val_loss, e.epoch) for e in epochs if e.val_loss is not None and not e.partial]
    return min(scored)[1] if scored else None


GAPS = {  # compare-view curve -> (training column, validation column, scale)
    "gap_accuracy": ("accuracy", "val_accuracy", 100),  # training minus validation, points
    "gap_loss": ("loss", "val_loss", -1),  # validation minus training loss
}


def gap(frame, metric: str):
    """The gap between the training and the validation curve per epoch, from
    core.training.evaluation.epochs_frame: accuracy in percentage points (training above
    validation), or loss (validation above training). A model that overfits widens it."""
    train, val, scale = GAPS[metric]
    return (frame[train] - frame[val]) * scale
