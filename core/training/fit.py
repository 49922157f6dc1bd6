"""One training job, start to end, inside a worker: the arrays, the model, the fit with its
true per-batch losses and Stop, the saved outputs, and the events that report it all.

`run_job(tf, assignment, stop_event, emit)` is the whole of it; core.engine.worker runs
it in a worker process and prints each event as a JSON line (the contract,
core.engine.contract). It imports TensorFlow's modules only inside the functions.
"""
from __future__ import annotations

import errno
import math
import threading
import time
from pathlib import Path
from typing import Callable

from core.data.files import atomic_save
from core.training import live_filters as live
from core.engine.contract import (
    Assignment, BatchEvent, ContractError, DoneEvent, EpochEvent, ErrorEvent, Phase, PhaseEvent,
    Recipe, RunSettings, StartEvent, UnfreezeEvent,
)

PREDICT_BATCH = 200  # test predictions in batches like training: a bigger one only raises the peak


def device_name(tf) -> str:
    """Where Keras places the fit: the first GPU TensorFlow sees, else the CPU. A GPU box
    whose TensorFlow has no GPU support says "CPU" here, on the page and in the CLI."""
    gpus = tf.config.list_logical_devices("GPU")
    if not gpus:
        return "CPU"
    details = tf.config.experimental.get_device_details(
        tf.config.list_physical_devices("GPU")[0])
    name = details.get("device_name")
    return f"{gpus[0].name.removeprefix('/device:')}" + (f" ({name})" if name else "")


def load_arrays(settings: RunSettings, data_path: str):
    """(x_train, y_train, x_val, y_val, x_test, y_test) from the job's .npz, split by seed."""
    import numpy as np

    with np.load(data_path, allow_pickle=False) as data:
        x, y = data["x_train"], data["y_train"]  # (N, 32, 32, 3) uint8, (N,) int
        x_test, y_test = data["x_test"], data["y_test"]
    order = np.random.default_rng(settings.seed).permutation(len(x))
    if settings.max_train:
        order = order[: settings.max_train]
    if settings.max_test:
        x_test, y_test = x_test[: settings.max_test], y_test[: settings.max_test]
    n_val = int(round(len(order) * settings.validation_split))
    val, train = order[:n_val], order[n_val:]
    return x[train], y[train], x[val], y[val], x_test, y_test


def compile_model(model, settings: RunSettings, learning_rate: float) -> None:
    import keras

    optimizer = keras.optimizers.get({"class_name": settings.optimizer,
                                      "config": {"learning_rate": learning_rate}})
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])


def make_model(settings: RunSettings):
    """(model, extractor or None): the Keras model the settings describe, compiled, seeded.

    Settings with a transfer recipe build it (core.transfer.models); otherwise the
    layer stack with the controls against overfitting it asks for (core.stack.build,
    core.training.regularise)."""
    import keras

    from core.stack.build import build_model
    from core.training.regularise import model_layers
    from core.transfer.models import transfer_model

    keras.utils.set_random_seed(settings.seed)
    transfer = settings.transfer
    if transfer is not None:
        model, extractor = transfer_model(
            transfer.recipe, settings.input_shape, settings.n_classes,
            extractor_layers=transfer.extractor_layers, extractor_path=transfer.extractor_path)
    else:
        model, extractor = build_model(settings.input_shape, model_layers(settings),
                                       weight_decay=settings.weight_decay), None
    compile_model(model, settings, settings.learning_rate)
    return model, extractor


def pipeline(tf, x, y, batch_size: int, seed: int, shuffle: bool):
    """uint8 images stay uint8 until the graph casts them: a quarter of the memory traffic."""
    data = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        data = data.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    data = data.batch(batch_size).map(lambda images, labels: (tf.cast(images, tf.float32), labels),
                                      num_parallel_calls=tf.data.AUTOTUNE)
    return data.prefetch(tf.data.AUTOTUNE)


def make_callback(keras, emit, stop_event: threading.Event, batch_size: int, train_size: int):
    """Reports true per-batch losses (Keras reports running means) and honours Stop."""

    class Reporter(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            # Fine-tuning calls fit twice with this one reporter: keep one clock, so
            # "t" keeps counting from the first batch of the run.
            if not hasattr(self, "start"):
                self.start = time.perf_counter()
                self.nonfinite = False

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch, self.seen, self.prev = epoch, 0, (0.0, 0.0)

        def on_train_batch_end(self, step, logs=None):
            # Keras' loss tracker is a sample-weighted running mean over the epoch:
            # mean_k * seen_k - mean_(k-1) * seen_(k-1) is the sum over batch k alone.
            n = min(batch_size, train_size - self.seen)
            seen = self.seen + n
            loss_sum, acc_sum = logs["loss"] * seen, logs["accuracy"] * seen
            loss = (loss_sum - self.prev[0]) / n
            accuracy = (acc_sum - self.prev[1]) / n
            self.seen, self.prev = seen, (loss_sum, acc_sum)
            emit(BatchEvent(epoch=self.epoch, step=step, loss=float(loss),
                            accuracy=float(accuracy), seen=seen,
                            t=time.perf_counter() - self.start))
            if not math.isfinite(logs["loss"]):
                self.nonfinite = True
                self.model.stop_training = True
            if stop_event.is_set():
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            value = lambda key: float(logs[key]) if key in logs else None
            emit(EpochEvent(epoch=epoch, t=time.perf_counter() - self.start,
                            partial=self.seen < train_size, loss=value("loss"),
                            accuracy=value("accuracy"), val_loss=value("val_loss"),
                            val_accuracy=value("val_accuracy")))

    return Reporter()


def save_outputs(model, out_dir: Path, x_test, y_test) -> float:
    """model.keras and the test-set probabilities; returns test accuracy (notebook style)."""
    import numpy as np

    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_save(out_dir / "model.keras", model.save)
    probs = model.predict(x_test.astype("float32"), batch_size=PREDICT_BATCH, verbose=0)  # (N, K)
    atomic_save(out_dir / "test_probs.npy", lambda p: np.save(p, probs.astype("float32")))
    atomic_save(out_dir / "test_labels.npy", lambda p: np.save(p, y_test))
    return float((probs.argmax(1) == y_test).mean())


def error_event(err: Exception) -> ErrorEvent:
    """The event for a job that raised: a full disk and a refused config get their own
    codes, so the page can say what to do; anything else is a crash with its message."""
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
        return ErrorEvent("disk_full", "the disk is full; the model was not saved")
    if isinstance(err, ContractError):
        return ErrorEvent("bad_config", str(err))
    return ErrorEvent("crash", f"{type(err).__name__}: {err}")


def run_job(tf, assignment: Assignment, stop_event: threading.Event,
            emit: Callable, live_filters: bool = True) -> None:
    """Train one job, reporting through emit(event); raises what it cannot handle.
    live_filters: send the first layer's filters as it trains (core.training.live_filters)."""
    import keras

    from core.training.regularise import early_stopping
    from core.transfer.models import trainable_count, unfreeze

    settings, out_dir = assignment.config.settings, Path(assignment.out_dir)
    emit(PhaseEvent(Phase.PREPARING))
    x, y, x_val, y_val, x_test, y_test = load_arrays(settings, assignment.config.data.path)
    # Same settings and seed, same curves to the last digit: the lesson compares runs,
    # and identical runs can be shared between students.
    tf.config.experimental.enable_op_determinism()
    model, extractor = make_model(settings)
    batch_size, seed = settings.batch_size, settings.seed
    train = pipeline(tf, x, y, batch_size, seed, shuffle=True)
    val = pipeline(tf, x_val, y_val, batch_size, seed, shuffle=False) if len(x_val) else None
    reporter = make_callback(keras, emit, stop_event, batch_size, len(x))
    watchers = live.callbacks(keras, emit, model, x_test) if live_filters else []
    emit(StartEvent(params=int(model.count_params()), trainable=trainable_count(model),
                    train_size=len(x), val_size=len(x_val), test_size=len(x_test),
                    steps=math.ceil(len(x) / batch_size), epochs=settings.epochs,
                    device=device_name(tf)))

    def fit(epochs: int, initial_epoch: int = 0) -> None:
        if not stop_event.is_set():
            model.fit(train, validation_data=val, epochs=epochs, verbose=0,
                      callbacks=[reporter, *watchers, *early_stopping(keras, settings)],
                      initial_epoch=initial_epoch)

    transfer = settings.transfer
    if transfer is not None and transfer.recipe == Recipe.FINETUNE:
        # Head first (extractor frozen), then everything with a low learning rate;
        # changing `trainable` only takes effect after compiling again.
        fit(transfer.head_epochs)
        if not reporter.nonfinite and transfer.head_epochs < settings.epochs:
            unfreeze(extractor)
            compile_model(model, settings, transfer.finetune_learning_rate)
            emit(UnfreezeEvent(epoch=transfer.head_epochs, trainable=trainable_count(model)))
            fit(settings.epochs, initial_epoch=transfer.head_epochs)
    else:
        fit(settings.epochs)
    if reporter.nonfinite:
        emit(ErrorEvent("nonfinite_loss", "The loss became NaN or infinite."))
        return
    emit(PhaseEvent(Phase.SAVING))
    accuracy = save_outputs(model, out_dir, x_test, y_test)
    if transfer is not None and transfer.recipe == Recipe.PRETRAIN:
        atomic_save(out_dir / "extractor.keras", extractor.save)
    emit(DoneEvent(stopped=stop_event.is_set(), test_accuracy=accuracy))
