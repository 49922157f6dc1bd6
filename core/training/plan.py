"""From the training page's settings to the job engine's config, checked, with a time estimate.

`plan(choices, ...)` takes what the student chose (a model, a target, epochs, batch
size, optimizer, learning rate, validation split, seed, and the controls against
overfitting of core.training.regularise) as the widgets return them and
returns a `Plan`: the checked `RunSettings` of the job contract
(core.engine.contract), the shape engine's rows of the model, its parameter count
and an estimated time per epoch.
Anything the engine cannot run raises `ConfigError` with a `code` and `details` that
the page turns into a translated sentence (i18n keys `train.error.<code>`).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from core.stack import presets
from core.config import INPUT_SHAPE
from core.stack.shapes import LayerRow, ShapeError, summarize, totals
from core.engine.contract import MAX_WEIGHT_DECAY, RunSettings
from core.training.regularise import model_layers

MODELS = ("stride", "stride_pool", "stride_pool_fixed", "super_model")  # the notebook's
CALCULATOR = "calculator"  # the stack the calculator page left in st.session_state
OPTIMIZERS = ("adam", "sgd", "rmsprop")  # names keras.optimizers.get knows
N_CLASSES = {"super": 3, "fine": 15}  # the notebook's two targets

DEFAULTS = {  # what the widgets start from: the notebook's section 2
    "model": "stride",
    "target": "super",
    "epochs": 20,  # the notebook trains 20 epochs
    "batch_size": 200,  # the notebook's batch size
    "optimizer": "adam",  # the notebook's compile('Adam', ...)
    "learning_rate": 0.001,  # Keras' Adam default, which the notebook used
    "validation_split": 0.1,  # 10% of the training images held out to watch overfitting
    "seed": 0,  # same seed, same data order, same initial weights, same curves
    # Against overfitting (core.training.regularise): all off, as in the notebook.
    "augment": False,  # random flips and shifts of the training images
    "dropout": 0.0,  # Dropout rate before the head
    "weight_decay": 0.0,  # L2 factor on the kernels
    "early_stopping": 0,  # patience in epochs on the validation loss
}
MAX_EPOCHS = 200  # beyond this a class demo never finishes
MAX_BATCH_SIZE = 2048  # activations of the largest preset at this size fit in ~2 GB
MAX_LEARNING_RATE = 10.0  # above this every optimizer diverges at once
MAX_SEED = 2**31 - 1  # keras.utils.set_random_seed takes a 32-bit int
MAX_DROPOUT = 0.9  # dropping more leaves the head almost nothing to learn from

# Time per epoch = steps * SECONDS_PER_STEP + images * (SECONDS_PER_IMAGE + SECONDS_PER_MAC * MACs),
# MACs being the forward multiply-accumulates per image (core.stack.shapes). Measured with
# `python -m benchmarks.train_estimate` through the job engine on this project's 2-core
# machine, which other work kept busy: at batch 200 the stride model trained at 0.98 ms
# per image (3.5 M MACs) and the super model at 24 ms (53 M MACs); the stride model at
# batch 10 at 3.3 ms per image. The constants are rounded from those runs. Full-size
# pooling stacks (stride_pool_fixed, 14 M MACs, 14.5 ms) are memory-bound and run about
# 2x slower than their MACs predict; the page calls the figure an estimate.
SECONDS_PER_STEP = 0.02  # one optimizer step, the callback and its report
SECONDS_PER_IMAGE = 0.0  # the measured intercept was indistinguishable from 0
SECONDS_PER_MAC = 4.0e-10  # training costs ~3 forward passes' worth of MACs


class ConfigError(ValueError):
    """Settings the engine cannot run. `code` names the problem (i18n key
    `train.error.<code>`), `details` fills its placeholders; `shape_error` is the
    shape engine's error for an impossible stack."""

    def __init__(self, message: str, code: str, shape_error: ShapeError | None = None,
                 **details):
        super().__init__(message)
        self.code = code
        self.details = details
        self.shape_error = shape_error


@dataclass(frozen=True)
class Plan:
    settings: RunSettings  # what the job will train, checked
    rows: list[LayerRow]  # the shape engine's summary of the model
    params: int  # Keras' count, trainable and not
    train_images: int  # images trained on per epoch (after the validation split and caps)
    seconds_per_epoch: float  # estimate, see SECONDS_PER_MAC


def architecture(model: str, target: str, stack: dict | None = None) -> tuple[tuple, list[dict]]:
    """(input_shape, layers) of a notebook model or the calculator's stack, with a
    softmax head of as many units as the target has classes.

    The presets get `n_classes` directly; a stack whose last layer is already a
    softmax Dense has its units replaced, any other stack gets Flatten (if needed)
    and a Dense(n, softmax) appended (core.stack.presets.with_head).
    """
    n_classes = N_CLASSES[target]
    if model == CALCULATOR:
        if not stack or "layers" not in stack:
            raise ConfigError("No stack from the calculator.", "no_stack")
        layers = [dict(layer) for layer in stack["layers"]]
        last = layers[-1] if layers else {}
        if last.get("type") == "Dense" and last.get("activation") == "softmax":
            layers[-1] = dict(last, units=n_classes)
        else:
            layers = presets.with_head(layers, n_classes)
        return tuple(stack.get("input_shape", INPUT_SHAPE)), layers
    builder = {"stride": presets.stride, "stride_pool": presets.stride_pool,
               "stride_pool_fixed": presets.stride_pool_fixed,
               "super_model": lambda n: presets.super_model(n_classes=n)}.get(model)
    if builder is None:
        raise ConfigError(f"Unknown model {model!r}.", "bad_model", model=model)
    return tuple(INPUT_SHAPE), builder(n_classes)


def _number(choices: dict, key: str, integral: bool, low, high, code: str):
    value = choices[key]
    ok_type = isinstance(value, numbers.Integral if integral else numbers.Real)
    if (not ok_type or isinstance(value, bool) or not math.isfinite(value)
            or not low <= value <= high):
        raise ConfigError(f"{key}={value!r} must be from {low} to {high}.", code,
                          value=value, low=low, high=high)
    return int(value) if integral else float(value)


def check_model(model: str, target: str, stack: dict | None = None):
    """(input_shape, layers, rows) of a model that the data can train, else ConfigError."""
    if target not in N_CLASSES:
        raise ConfigError(f"Unknown target {target!r}.", "bad_target", target=target)
    input_shape, layers = architecture(model, target, stack)
    if tuple(input_shape) != tuple(INPUT_SHAPE):
        raise ConfigError(f"The images are {INPUT_SHAPE}, the stack expects {input_shape}.",
                          "bad_input_shape", shape=str(tuple(input_shape)),
                          expected=str(INPUT_SHAPE))
    try:
        rows = summarize(input_shape, layers)
    except ShapeError as err:
        raise ConfigError(str(err), "bad_stack", shape_error=err, layer=err.layer_index + 1) from err
    output = rows[-1].output_shape
    if output != (N_CLASSES[target],):
        raise ConfigError(f"The model outputs {output}, not one value per class.",
                          "bad_output", shape=str(output), classes=N_CLASSES[target])
    return input_shape, layers, rows


def plan(choices: dict, train_size: int, stack: dict | None = None,
         max_images: int | None = None, max_epochs: int | None = None) -> Plan:
    """Check the choices (every key of DEFAULTS) and build the job's settings.

    train_size: images in the dataset's training split; max_images and max_epochs are
    the class's caps (core.settings: train_max_images, train_max_epochs).
    """
    missing = set(DEFAULTS) - set(choices)
    if missing:
        raise ValueError(f"choices without {sorted(missing)}")  # a page's bug, not a student's
    model, target = choices["model"], choices["target"]
    input_shape, layers, _ = check_model(model, target, stack)
    epochs = _number(choices, "epochs", True, 1, min(MAX_EPOCHS, max_epochs or MAX_EPOCHS),
                     "bad_epochs")
    batch_size = _number(choices, "batch_size", True, 1, MAX_BATCH_SIZE, "bad_batch_size")
    learning_rate = _number(choices, "learning_rate", False, 0, MAX_LEARNING_RATE,
                            "bad_learning_rate")
    if learning_rate == 0:
        raise ConfigError("A learning rate of 0 never changes the weights.",
                          "bad_learning_rate", value=0, low=0, high=MAX_LEARNING_RATE)
    validation_split = _number(choices, "validation_split", False, 0, 1,
                               "bad_validation_split")
    seed = _number(choices, "seed", True, 0, MAX_SEED, "bad_seed")
    optimizer = choices["optimizer"]
    if optimizer not in OPTIMIZERS:
        raise ConfigError(f"Unknown optimizer {optimizer!r}.", "bad_optimizer",
                          value=optimizer, allowed=", ".join(OPTIMIZERS))
    controls = regularisation(choices, validation_split)
    used = min(train_size, max_images) if max_images else train_size
    train_images = used - int(round(used * validation_split))  # as core.engine.worker splits
    if validation_split >= 1 or train_images < 1:
        raise ConfigError("The validation split leaves no image to train on.",
                          "bad_validation_split", value=validation_split, low=0, high=1)
    settings = RunSettings(
        model=model, target=target, input_shape=tuple(input_shape), layers=tuple(layers),
        n_classes=N_CLASSES[target], epochs=epochs, batch_size=batch_size,
        optimizer=optimizer, learning_rate=learning_rate, validation_split=validation_split,
        seed=seed, max_train=max_images or None, max_test=max_images or None, **controls)
    rows = summarize(settings.input_shape, model_layers(settings))  # what the worker builds
    summary = totals(rows)
    return Plan(settings, rows, summary.params, train_images,
                epoch_seconds(summary.macs, train_images, batch_size, used - train_images))


def regularisation(choices: dict, validation_split: float) -> dict:
    """The controls against overfitting, checked: augment, dropout, weight_decay and
    early_stopping (which watches the validation loss, so needs a validation split)."""
    augment = choices["augment"]
    if not isinstance(augment, bool):
        raise ConfigError(f"augment={augment!r} is not on or off.", "bad_augment")
    dropout = _number(choices, "dropout", False, 0, MAX_DROPOUT, "bad_dropout")
    weight_decay = _number(choices, "weight_decay", False, 0, MAX_WEIGHT_DECAY,
                           "bad_weight_decay")
    patience = _number(choices, "early_stopping", True, 0, MAX_EPOCHS, "bad_early_stopping")
    if patience and not validation_split:
        raise ConfigError("Early stopping watches the validation loss: it needs a "
                          "validation split.", "early_stopping_needs_validation")
    return {"augment": augment, "dropout": dropout, "weight_decay": weight_decay,
            "early_stopping": patience}


def epoch_seconds(macs: int, images: int, batch_size: int, val_images: int = 0) -> float:
    """Estimated seconds for one training epoch over `images` images in batches of
    `batch_size`, for a model of `macs` forward multiply-accumulates per image, and the
    validation pass over `val_images` after it (forward only: a third of the MACs)."""
    steps = math.ceil(images / batch_size)
    return (steps * SECONDS_PER_STEP + images * (SECONDS_PER_IMAGE + SECONDS_PER_MAC * macs)
            + val_images * SECONDS_PER_MAC * macs / 3)
