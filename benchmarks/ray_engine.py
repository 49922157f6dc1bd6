"""The Ray backend against the local engine, on the same machine: throughput and start-up.

Run by hand (a few minutes):

    python -m benchmarks.ray_engine [--model stride] [--images 3000] [--epochs 4] [--rounds 2]

Starts a local Ray head with 2 CPUs (`ray start --head`), then trains the same run through
the local engine (a warm worker process) and through the Ray backend (a warm actor given
2 CPUs), alternating, `--rounds` times each. Reports:
- training throughput, images per second over epochs 2..N (the first includes tracing),
  and the ratio Ray / local (the issue's goal: at least 0.9);
- start to first batch: from the submit to the first batch event the server received
  (what the page can show), with a worker or actor already warm.
Each round uses another seed, so no run is shared or opened from a library.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.jobs import stack_settings
from core.data import synthetic
from core.stack import presets
from core.training.arrays import job_config
from core.engine.contract import JobState
from core.engine.manager import JobManager
from tests.browser.conftest import free_port

RAY = str(Path(sys.executable).with_name("ray"))


def one_run(manager: JobManager, dataset, layers, args, seed: int) -> tuple[float, float]:
    """(images per second over epochs 2..N, seconds from submit to the first batch)."""
    config = job_config(dataset, stack_settings(layers, epochs=args.epochs, seed=seed,
                                                max_train=args.images, max_test=500),
                        manager.root)
    submitted = time.perf_counter()
    job = manager.submit(f"bench-{seed}", config).job
    first = None
    while job.active:
        if first is None and job.batches:
            first = time.perf_counter() - submitted
        time.sleep(0.02)
    assert job.state == JobState.DONE, job.error
    ends = [e.t for e in job.epochs]
    rate = job.start.train_size * (args.epochs - 1) / (ends[-1] - ends[0])
    return rate, first if first is not None else float("nan")


def warm(manager: JobManager) -> None:
    manager.pool.warm_up(300)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="stride", choices=presets.PRESET_IDS)
    parser.add_argument("--images", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    from core.engine.ray_backend import connect

    port, temp = free_port(), tempfile.mkdtemp(prefix="ray-bench-")
    subprocess.run([RAY, "start", "--head", f"--port={port}", "--num-cpus=2",
                    "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}"],
                   check=True, capture_output=True, timeout=180)
    try:
        dataset = synthetic.generate(0)
        _, layers = presets.preset(args.model)
        pool, problem = connect(f"127.0.0.1:{port}", cpus=2, gpus=0, jobs_per_worker=100)
        assert problem is None, problem
        ray_manager = JobManager(max_running=1, warm=True, pool=pool)
        local_manager = JobManager(max_running=1, warm=True, jobs_per_worker=100)
        warm(ray_manager)
        warm(local_manager)
        results = {"local": [], "ray": []}
        for round_ in range(args.rounds):
            for name, manager in (("local", local_manager), ("ray", ray_manager)):
                rate, first = one_run(manager, dataset, layers, args, seed=100 + round_)
                results[name].append((rate, first))
                print(f"round {round_ + 1} {name}: {rate:,.0f} img/s, first batch after "
                      f"{first:.2f} s", flush=True)
        ray_manager.shutdown()
        local_manager.shutdown()
    finally:
        subprocess.run([RAY, "stop", "--force"], capture_output=True, timeout=120)
    median = {k: (statistics.median(r for r, _ in v), statistics.median(f for _, f in v))
              for k, v in results.items()}
    print(f"\n{args.model}, {args.images} images x {args.epochs} epochs, batch 200, "
          f"{args.rounds} round(s), medians\n")
    print("| engine | images/s (epochs 2..N) | submit to first batch |")
    print("| --- | --- | --- |")
    for name in ("local", "ray"):
        print(f"| {name} | {median[name][0]:,.0f} | {median[name][1]:.2f} s |")
    print(f"\nthroughput ratio ray / local: {median['ray'][0] / median['local'][0]:.2f}")


if __name__ == "__main__":
    main()
