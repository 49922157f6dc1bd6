"""Our job engine against plain `model.fit`: same model, same data, same batch size.

Run by hand on a quiet machine (a few minutes on two cores):

    python -m benchmarks.train_throughput [--model stride] [--epochs 4] [--rounds 2]

Each round trains the model once with plain Keras in this process (uint8 images fed
as numpy arrays, `verbose=0`, the same validation split) and once through the job
engine (worker process, per-batch recording, JSON lines to the server), alternating so
both see the same machine load. Throughput is training images per second over the
epochs after the first (the first includes tracing). Prints both and their ratio.
Also prints the peak memory of this process (the server's role) plus the worker.
"""
from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

import numpy as np
import psutil

from core.stack import presets
from core.data import synthetic
from core.training.arrays import export_arrays
from core.engine.manager import JobManager
from benchmarks.jobs import run, stack_settings

VALIDATION_SPLIT = 0.1  # as the training page's default


def plain_keras(x, y, layers, epochs: int, batch_size: int, seed: int) -> float:
    """Images per second of plain model.fit on epochs 2..N."""
    import keras

    from core.stack.build import build_model

    keras.utils.set_random_seed(seed)
    n_val = int(round(len(x) * VALIDATION_SPLIT))
    x_train, y_train, x_val, y_val = x[n_val:], y[n_val:], x[:n_val], y[:n_val]
    model = build_model((32, 32, 3), layers)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    ends = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            ends.append(time.perf_counter())

    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0,
              validation_data=(x_val, y_val), callbacks=[Clock()])
    return len(x_train) * (epochs - 1) / (ends[-1] - ends[0])


def ours(manager: JobManager, dataset, layers, epochs: int, batch_size: int, seed: int):
    """Images per second of the job engine on epochs 2..N, and the job."""
    job = run(manager, dataset, stack_settings(
        layers, epochs=epochs, batch_size=batch_size, validation_split=VALIDATION_SPLIT,
        seed=seed))
    record = job.snapshot()
    ends = [e.t for e in record.epochs]
    return record.start.train_size * (epochs - 1) / (ends[-1] - ends[0]), job


class PeakMemory:
    """Samples the RSS of this process and its children every 50 ms."""

    def __init__(self):
        self.peak, self.stop = 0, threading.Event()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        me = psutil.Process(os.getpid())
        while not self.stop.wait(0.05):
            try:
                total = me.memory_info().rss + sum(c.memory_info().rss for c in me.children(True))
            except psutil.Error:
                continue
            self.peak = max(self.peak, total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="stride", choices=presets.PRESET_IDS)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args()

    from core.engine.cpus import usable_cpus

    import tensorflow as tf  # the plain run gets the same thread settings as the worker

    tf.config.threading.set_intra_op_parallelism_threads(usable_cpus())
    tf.config.threading.set_inter_op_parallelism_threads(min(2, usable_cpus()))
    dataset = synthetic.generate(0)
    manager = JobManager(max_running=1, warm=True)
    data_path = export_arrays(dataset, "super", manager.root)
    with np.load(data_path) as data:
        order = np.random.default_rng(0).permutation(len(data["x_train"]))
        x, y = data["x_train"][order], data["y_train"][order]
    layers = presets.PRESETS[args.model]() if args.model != "stride" else presets.stride(3)
    plain_rates, our_rates = [], []
    for round_ in range(args.rounds):
        manager.prewarm()
        plain_rates.append(plain_keras(x, y, layers, args.epochs, args.batch_size, round_))
        memory = PeakMemory()
        rate, job = ours(manager, dataset, layers, args.epochs, args.batch_size, round_)
        memory.stop.set()
        our_rates.append(rate)
        print(f"round {round_ + 1}: plain {plain_rates[-1]:.0f} img/s, ours {rate:.0f} img/s, "
              f"peak memory (this process + workers) {memory.peak / 2**20:.0f} MB")
    plain, mine = statistics.median(plain_rates), statistics.median(our_rates)
    print(f"\n| model | batch | plain model.fit (img/s) | job engine (img/s) | ratio |")
    print(f"| {args.model} | {args.batch_size} | {plain:.0f} | {mine:.0f} | {mine / plain:.2f} |")
    manager.shutdown()


if __name__ == "__main__":
    main()
