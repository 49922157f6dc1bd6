"""A training job's peak memory, measured, beside core.engine.memory's estimate of it.

Run by hand (a minute or two):

    python -m benchmarks.job_memory [--images 2000]

Trains each case (a notebook model at a batch size) for one epoch of `--images` images in
a fresh worker, one at a time, and samples the worker's resident memory every 20 ms. The
scheduler starts a second job beside a running one only when the estimates fit the
memory budget, so an estimate must not fall below what it measures here.
"""
from __future__ import annotations

import argparse
import threading

import psutil

from benchmarks.jobs import run, stack_settings
from core.data import synthetic
from core.stack import presets
from core.engine import memory
from core.engine.manager import JobManager

CASES = [("single_conv", 200), ("stride", 200), ("stride", 1000), ("stride_pool_fixed", 200),
         ("super_model", 200), ("super_model", 500)]


class WorkerPeak:
    """The highest resident memory of any one child process of this one."""

    def __init__(self):
        self.peak, self.stop = 0, threading.Event()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self) -> None:
        me = psutil.Process()
        while not self.stop.wait(0.02):
            try:
                for child in me.children(recursive=True):
                    self.peak = max(self.peak, child.memory_info().rss)
            except psutil.Error:
                continue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    args = parser.parse_args()
    dataset = synthetic.generate(0)
    print("| model | batch | measured peak MB | estimated MB | estimate / measured |")
    print("| --- | --- | --- | --- | --- |")
    for model, batch in CASES:
        layers = presets.with_head(presets.preset(model)[1], 3)
        settings = stack_settings(layers, epochs=1, batch_size=batch, max_train=args.images,
                                  max_test=500)
        manager = JobManager(max_running=1, warm=False, jobs_per_worker=1)
        peak = WorkerPeak()
        try:
            job = run(manager, dataset, settings)
        finally:
            peak.stop.set()
            manager.shutdown()
        measured = peak.peak / memory.MB
        estimated = memory.job_mb(job.config)
        print(f"| {model} | {batch} | {measured:,.0f} | {estimated:,.0f} | "
              f"{estimated / measured:.2f} |", flush=True)


if __name__ == "__main__":
    main()
