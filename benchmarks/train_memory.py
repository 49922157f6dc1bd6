"""Peak memory of the server and its training worker together, and of the server after.

Run by hand:

    python -m benchmarks.train_memory [--images 2000] [--epochs 1]

This process plays the server: it imports streamlit, holds the dataset (as the app's
cache does) and runs the JobManager, without importing TensorFlow. It trains the
notebook's super model (shared extractor, 128 filters) at batch 200 in a worker and
samples the RSS of itself plus its children every 50 ms. Memory per batch does not
depend on how many images an epoch has, so a capped run measures the same peak.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import psutil

from benchmarks.train_throughput import PeakMemory
from core.stack import presets
from core.data import synthetic
from core.training.arrays import job_config
from core.engine.contract import JobState
from core.engine.manager import JobManager
from benchmarks.jobs import stack_settings

GOAL_MB = 1536  # issue 5: server and worker together under 1.5 GB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    import streamlit  # noqa: F401 (the server has it loaded)

    dataset = synthetic.generate(0)
    manager = JobManager(max_running=1, warm=False)
    config = job_config(dataset, stack_settings(
        presets.super_model(), epochs=args.epochs, max_train=args.images, max_test=500),
        manager.root)
    me = psutil.Process(os.getpid())
    before = me.memory_info().rss
    memory = PeakMemory()
    job = manager.submit("memory", config).job
    while job.active:
        time.sleep(0.2)
    memory.stop.set()
    assert job.state == JobState.DONE, job.error
    time.sleep(2)
    after = me.memory_info().rss
    manager.shutdown()
    assert "tensorflow" not in sys.modules, "the server role must not import TensorFlow"
    print("| measure | MB | goal |\n| --- | --- | --- |")
    print(f"| server before the job | {before / 2**20:.0f} | |")
    print(f"| peak, server + worker, super model at batch 200 | {memory.peak / 2**20:.0f} "
          f"| < {GOAL_MB} |")
    print(f"| server after the job ended | {after / 2**20:.0f} | back near the start |")


if __name__ == "__main__":
    main()
