"""What the live view of the first layer's filters costs training: the same run with and
without it, through the job engine, in one process.

Run by hand (about 6 minutes on two cores at the defaults):

    python -m benchmarks.live_filters [--model stride] [--epochs 5] [--rounds 4]

Each round trains the model twice on the synthetic dataset at the training page's
defaults (batch 200, 10% validation): once with the worker sending a FiltersEvent when
fit begins and after every epoch (CNNLAB_LIVE_FILTERS=1, the app's default) and once
without (=0), in alternating order. Each run gets a fresh JobManager, so its worker
starts with that setting; this process plays the server and parses every event as the
app does. Over the epochs after the first (the first includes tracing) it measures
training images per second of wall time, and per second of CPU time of the worker and
this server together (sampled when each epoch's event arrives). On a machine shared
with other work the wall time swings with the other load; the CPU time is what the
live view itself adds. Prints each round, the cost of one event timed alone against an
epoch, then the median ratios "with / without" (goal: at least 0.95, i.e. at most 5%
slower).
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import psutil

from benchmarks.jobs import stack_settings
from core.data import synthetic
from core.stack import presets
from core.training.arrays import job_config
from core.engine.contract import JobState
from core.engine.manager import JobManager


def cpu_seconds(*processes) -> float:
    times = [p.cpu_times() for p in processes]
    return sum(t.user + t.system for t in times)


def run_once(dataset, layers, live: bool, epochs: int, batch_size: int, seed: int) -> dict:
    """Wall and CPU throughput (images per second) on epochs 2..N of one run."""
    manager = JobManager(max_running=1, warm=False, root=Path(tempfile.mkdtemp()),
                         live_filters=live)
    server = psutil.Process()
    marks = {}  # epochs done -> CPU seconds of worker + server when the event arrived
    try:
        settings = stack_settings(layers, epochs=epochs, batch_size=batch_size, seed=seed)
        job = manager.submit("benchmark", job_config(dataset, settings, manager.root)).job
        while job.active:
            done = len(job.epochs)
            if done and done not in marks and job.worker is not None:
                marks[done] = cpu_seconds(psutil.Process(job.worker.process.pid), server)
            time.sleep(0.01)  # the mark lands within 10 ms of the epoch's end
        record = job.snapshot()
    finally:
        manager.shutdown()
    assert record.state == JobState.DONE, record.error
    assert (record.filters is not None) == live, "the setting reached the worker"
    images = record.start.train_size * (epochs - 1)
    wall = record.epochs[-1].t - record.epochs[0].t
    cpu = marks[epochs - 1] - marks[1]  # epochs 2..N-1: the last one's mark may be missed
    return {"wall": images / wall, "cpu": record.start.train_size * (epochs - 2) / cpu,
            "epoch_s": wall / (epochs - 1),
            "sent": len(record.filters.kernels) + len(record.filters.maps) if live else 0}


def event_cost(layers, repeats: int = 5) -> tuple[float, float]:
    """(worker seconds to make and print one FiltersEvent, server seconds to parse it),
    medians, for a freshly built model: what the live view adds per epoch, timed alone."""
    import numpy as np

    from core.stack.build import build_model
    from core.engine.contract import parse_event, to_line
    from core.training.live_filters import filters_event

    model = build_model((32, 32, 3), layers)
    image = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    to_line(filters_event(model, image, 0))  # the first call builds the eager kernels
    made, parsed = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        line = to_line(filters_event(model, image, 1))
        made.append(time.perf_counter() - started)
        started = time.perf_counter()
        parse_event(line)
        parsed.append(time.perf_counter() - started)
    return statistics.median(made), statistics.median(parsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="stride", choices=presets.PRESET_IDS)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args()
    if args.epochs < 3:
        parser.error("--epochs must be at least 3 (epoch 1 traces, the last may end the job)")

    dataset = synthetic.generate(0)
    layers = presets.PRESETS[args.model]()
    wall, cpu, epoch_s = [], [], []
    for round_ in range(args.rounds):
        order = (True, False) if round_ % 2 == 0 else (False, True)
        runs = {live: run_once(dataset, layers, live, args.epochs, args.batch_size, seed=round_)
                for live in order}
        wall.append(runs[True]["wall"] / runs[False]["wall"])
        cpu.append(runs[True]["cpu"] / runs[False]["cpu"])
        epoch_s.append(runs[False]["epoch_s"])
        print(f"round {round_ + 1}: wall {runs[True]['wall']:.0f} vs {runs[False]['wall']:.0f} "
              f"img/s (ratio {wall[-1]:.3f}); CPU {runs[True]['cpu']:.0f} vs "
              f"{runs[False]['cpu']:.0f} img per CPU-s (ratio {cpu[-1]:.3f}); "
              f"{runs[True]['sent']:,} values sent per epoch", flush=True)
    made, parsed = event_cost(layers)
    epoch = statistics.median(epoch_s)
    print(f"one event: {1000 * made:.1f} ms in the worker + {1000 * parsed:.1f} ms in the "
          f"server, against an epoch of {epoch:.2f} s without it: "
          f"{100 * (made + parsed) / epoch:.2f}% of the epoch")
    print(f"\n| model | batch | epochs | rounds | ratio with / without, CPU time (median) "
          f"| ratio with / without, wall time (median) |")
    print(f"| {args.model} | {args.batch_size} | {args.epochs} | {args.rounds} | "
          f"{statistics.median(cpu):.3f} | {statistics.median(wall):.3f} |")


if __name__ == "__main__":
    main()
