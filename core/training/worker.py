"""The training worker: one child process that imports TensorFlow and runs one `model.fit`.

Started as `python -m core.training.worker` by core.training.job (never inside the Streamlit
server: Streamlit resets Keras' global state after every rerun, see DESIGN.md). It
talks JSON lines:

    stdout  {"event": "phase", "phase": "importing"}      while TensorFlow loads
            {"event": "ready", "import_seconds": 3.1}     waiting for a job (a warm worker)
            {"event": "phase", "phase": "preparing"}      data and model
            {"event": "start", "params": ..., "steps": ..., "train_size": ...}
            {"event": "batch", "epoch": 0, "step": 3, "loss": ..., "accuracy": ..., "seen": ..., "t": ...}
            {"event": "epoch", "epoch": 0, "loss": ..., "accuracy": ..., "val_loss": ..., ...}
            {"event": "unfreeze", "epoch": 3, "trainable": ...}   fine-tuning's second phase
            {"event": "done", "stopped": false, "test_accuracy": ..., "nonfinite": false}
            {"event": "error", "code": "...", "message": "..."}   crash, disk_full, ...
    stdin   one line: the job's config (JSON); later lines: "stop"

Anything else the libraries print goes to stderr, never into the protocol.
"""
from __future__ import annotations

import errno
import json
import math
import os
import sys
import threading
import time
from pathlib import Path

PROTOCOL = None  # the real stdout, set in main(); fd 1 then points at stderr


def yield_cpu_to_the_server(niceness: int = 10) -> None:
    """Lower this process's priority: on a shared 2-core server the pages 40 students
    click get the CPU first, training takes what is left (benchmarks/class_load.py)."""
    try:
        os.nice(niceness)
    except (AttributeError, OSError):  # no nice on this platform, or not allowed: train anyway
        pass


def emit(event: str, **fields) -> None:
    PROTOCOL.write(json.dumps({"event": event, **fields}) + "\n")
    PROTOCOL.flush()


def import_tensorflow():
    """Import TensorFlow with thread pools sized to the CPUs this process may use."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from core.training.cpus import usable_cpus

    import tensorflow as tf

    cpus = usable_cpus()
    tf.config.threading.set_intra_op_parallelism_threads(cpus)
    tf.config.threading.set_inter_op_parallelism_threads(min(2, cpus))
    return tf


def load_arrays(config: dict):
    """(x_train, y_train, x_val, y_val, x_test, y_test) from the job's .npz, split by seed."""
    import numpy as np

    with np.load(config["data_path"], allow_pickle=False) as data:
        x, y = data["x_train"], data["y_train"]  # (N, 32, 32, 3) uint8, (N,) int
        x_test, y_test = data["x_test"], data["y_test"]
    rng = np.random.default_rng(config["seed"])
    order = rng.permutation(len(x))
    if config.get("max_train"):
        order = order[: config["max_train"]]
    if config.get("max_test"):
        x_test, y_test = x_test[: config["max_test"]], y_test[: config["max_test"]]
    n_val = int(round(len(order) * config["validation_split"]))
    val, train = order[:n_val], order[n_val:]
    return x[train], y[train], x[val], y[val], x_test, y_test


def compile_model(model, config: dict, learning_rate: float | None = None) -> None:
    import keras

    optimizer = keras.optimizers.get({"class_name": config["optimizer"], "config": {
        "learning_rate": learning_rate or config["learning_rate"]}})
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])


def make_model(config: dict):
    """(model, extractor or None): the Keras model the config describes, compiled, seeded.

    A config with a "transfer" section builds a transfer-learning recipe
    (see core.transfer.models); otherwise the plain layer stack.
    """
    import keras

    from core.stack.build import build_model
    from core.transfer.models import transfer_model

    keras.utils.set_random_seed(config["seed"])
    transfer = config.get("transfer")
    if transfer:
        model, extractor = transfer_model(
            transfer["recipe"], config["input_shape"], config["n_classes"],
            extractor_layers=transfer.get("extractor_layers"),
            extractor_path=transfer.get("extractor_path"))
    else:
        model, extractor = build_model(tuple(config["input_shape"]), config["layers"]), None
    compile_model(model, config)
    return model, extractor


def pipeline(tf, x, y, batch_size: int, seed: int, shuffle: bool):
    """uint8 images stay uint8 until the graph casts them: a quarter of the memory traffic."""
    data = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        data = data.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    data = data.batch(batch_size).map(lambda images, labels: (tf.cast(images, tf.float32), labels),
                                      num_parallel_calls=tf.data.AUTOTUNE)
    return data.prefetch(tf.data.AUTOTUNE)


def make_callback(keras, stop_event: threading.Event, batch_size: int, train_size: int):
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
            emit("batch", epoch=self.epoch, step=step, loss=loss, accuracy=accuracy,
                 seen=seen, t=time.perf_counter() - self.start)
            if not math.isfinite(logs["loss"]):
                self.nonfinite = True
                self.model.stop_training = True
            if stop_event.is_set():
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            values = {k: float(v) for k, v in (logs or {}).items()}
            emit("epoch", epoch=epoch, t=time.perf_counter() - self.start,
                 partial=self.seen < train_size, **values)

    return Reporter()


def listen_for_stop(stop_event: threading.Event) -> None:
    """A Stop line, or the server closing our stdin (it went away), stops the fit."""
    for line in sys.stdin:
        if line.strip() == "stop":
            break
    stop_event.set()


def save_atomically(path: Path, save) -> None:
    """save(tmp) beside `path`, then rename: a failure (a full disk) leaves nothing under
    either name, and a file already at `path` untouched."""
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")  # Keras wants the .keras suffix
    try:
        save(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_outputs(model, out_dir: Path, x_test, y_test) -> float:
    """model.keras and the test-set probabilities; returns test accuracy (notebook style)."""
    import numpy as np

    out_dir.mkdir(parents=True, exist_ok=True)
    save_atomically(out_dir / "model.keras", model.save)
    # Batches of 200 like training: a bigger one raises the peak memory, not the speed.
    probs = model.predict(x_test.astype("float32"), batch_size=200, verbose=0)  # (N, classes)
    save_atomically(out_dir / "test_probs.npy", lambda p: np.save(p, probs.astype("float32")))
    save_atomically(out_dir / "test_labels.npy", lambda p: np.save(p, y_test))
    return float((probs.argmax(1) == y_test).mean())


def error_event(err: Exception) -> dict:
    """The "error" event for a job that raised: a full disk gets its own code, so the
    page can say what to do; anything else is a crash with its message."""
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
        return {"code": "disk_full", "message": "the disk is full; the model was not saved"}
    return {"code": "crash", "message": f"{type(err).__name__}: {err}"}


def fit(model, config: dict, train, val, reporter, stop_event, initial_epoch=0, epochs=None):
    if stop_event.is_set():
        return
    model.fit(train, validation_data=val, epochs=epochs or config["epochs"], verbose=0,
              callbacks=[reporter], initial_epoch=initial_epoch)


def run_job(tf, config: dict, stop_event: threading.Event) -> None:
    import keras

    from core.transfer.models import trainable_count, unfreeze

    emit("phase", phase="preparing")
    x, y, x_val, y_val, x_test, y_test = load_arrays(config)
    if config.get("deterministic", True):
        tf.config.experimental.enable_op_determinism()
    model, extractor = make_model(config)
    batch_size, seed = config["batch_size"], config["seed"]
    train = pipeline(tf, x, y, batch_size, seed, shuffle=True)
    val = pipeline(tf, x_val, y_val, batch_size, seed, shuffle=False) if len(x_val) else None
    reporter = make_callback(keras, stop_event, batch_size, len(x))
    emit("start", params=int(model.count_params()), trainable=trainable_count(model),
         train_size=len(x), val_size=len(x_val), test_size=len(x_test),
         steps=math.ceil(len(x) / batch_size), epochs=config["epochs"])
    transfer = config.get("transfer") or {}
    if transfer.get("recipe") == "finetune":
        # Head first (extractor frozen), then everything with a low learning rate;
        # changing `trainable` only takes effect after compiling again.
        head_epochs = min(transfer.get("head_epochs", 1), config["epochs"])
        fit(model, config, train, val, reporter, stop_event, epochs=head_epochs)
        if not reporter.nonfinite and head_epochs < config["epochs"]:
            unfreeze(extractor)
            compile_model(model, config, transfer.get("finetune_learning_rate", 1e-4))
            emit("unfreeze", epoch=head_epochs, trainable=trainable_count(model))
            fit(model, config, train, val, reporter, stop_event, initial_epoch=head_epochs)
    else:
        fit(model, config, train, val, reporter, stop_event)
    if reporter.nonfinite:
        emit("error", code="nonfinite_loss", message="The loss became NaN or infinite.")
        return
    emit("phase", phase="saving")
    out_dir = Path(config["out_dir"])
    accuracy = save_outputs(model, out_dir, x_test, y_test)
    if transfer.get("recipe") == "pretrain":
        save_atomically(out_dir / "extractor.keras", extractor.save)
    emit("done", stopped=stop_event.is_set(), test_accuracy=accuracy)


def main() -> int:
    global PROTOCOL
    PROTOCOL = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints from libraries land on stderr, not in the protocol
    yield_cpu_to_the_server()
    emit("phase", phase="importing")
    started = time.perf_counter()
    tf = import_tensorflow()
    emit("ready", import_seconds=time.perf_counter() - started)
    line = sys.stdin.readline()
    if not line.strip():
        return 0  # the server retired this warm worker
    config = json.loads(line)
    stop_event = threading.Event()
    threading.Thread(target=listen_for_stop, args=(stop_event,), daemon=True).start()
    try:
        run_job(tf, config, stop_event)
    except Exception as err:  # reported to the page; the server never sees a traceback
        import traceback

        traceback.print_exc()
        emit("error", **error_event(err))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
