"""What the live view of the first layer's filters costs training: the same run with and
without it, through the job engine, in one process.

Run by hand (about 4 minutes on two cores at the defaults):

    python -m benchmarks.live_filters [--model stride] [--epochs 4] [--rounds 3]

Each round trains the model twice on the synthetic dataset at the training page's
defaults (batch 200, 10% validation): once with the worker sending a FiltersEvent when
fit begins and after every epoch (CNNLAB_LIVE_FILTERS=1, the app's default) and once
without (=0), in alternating order so both see the same machine load. Each run gets a
fresh JobManager, so its worker starts with that setting; the server side (this process)
parses every event as the app does. Throughput is training images per second over the
epochs after the first (the first includes tracing). Prints each round, then the median
ratio "with / without" (goal: at least 0.95).
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from benchmarks.jobs import run, stack_settings
from core.data import synthetic
from core.stack import presets
from core.training.manager import JobManager


def throughput(dataset, layers, live: bool, epochs: int, batch_size: int, seed: int):
    """(images per second on epochs 2..N, the job's snapshot) of one run."""
    os.environ["CNNLAB_LIVE_FILTERS"] = "1" if live else "0"  # read by the new worker
    manager = JobManager(max_running=1, warm=False, root=Path(tempfile.mkdtemp()))
    try:
        job = run(manager, dataset, stack_settings(layers, epochs=epochs,
                                                   batch_size=batch_size, seed=seed))
        record = job.snapshot()
    finally:
        manager.shutdown()
    assert (record.filters is not None) == live, "the setting reached the worker"
    ends = [e.t for e in record.epochs]
    return record.start.train_size * (epochs - 1) / (ends[-1] - ends[0]), record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="stride", choices=presets.PRESET_IDS)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args()

    dataset = synthetic.generate(0)
    layers = presets.PRESETS[args.model]()
    ratios, with_rates, without_rates = [], [], []
    for round_ in range(args.rounds):
        order = (True, False) if round_ % 2 == 0 else (False, True)
        rates = {}
        for live in order:
            rates[live], record = throughput(dataset, layers, live, args.epochs,
                                             args.batch_size, seed=round_)
            if live:
                sent = record.filters
                size = len(sent.kernels) + len(sent.maps)
        with_rates.append(rates[True])
        without_rates.append(rates[False])
        ratios.append(rates[True] / rates[False])
        print(f"round {round_ + 1}: with {rates[True]:.0f} img/s, without "
              f"{rates[False]:.0f} img/s, ratio {ratios[-1]:.3f} "
              f"({size:,} values sent per epoch)", flush=True)
    print(f"\n| model | batch | epochs | with live filters (img/s) | without (img/s) "
          f"| ratio (median of {args.rounds}) |")
    print(f"| {args.model} | {args.batch_size} | {args.epochs} | "
          f"{statistics.median(with_rates):.0f} | {statistics.median(without_rates):.0f} | "
          f"{statistics.median(ratios):.3f} |")


if __name__ == "__main__":
    main()
