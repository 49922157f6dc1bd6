"""One job at a time, or two at once, with the CPUs shared out or each using all of them?

Run by hand (a few minutes):

    python -m benchmarks.parallel_jobs [--model stride] [--runs 4] [--images 3000] [--epochs 3]

Queues `--runs` distinct runs (seeds 0, 1, ...) of one notebook model through the job
engine three times: one running slot (each job's TensorFlow uses every CPU); two slots
with one thread per job; two slots with every CPU per job (the app's default,
core.settings.ServerSettings.max_jobs). Workers are reused between jobs, as the app
does, and the scheduler's memory budget (core.engine.memory, 2.7 GB unless
CNNLAB_MEMORY_MB) decides whether a second job may start: "most at once" says what
happened. Reports the makespan of the queue (first submit to last end), the training
images per second of the whole queue, and the peak resident memory of this process and
its workers. With `--runs 1`: what a run alone loses to each setting.
"""
from __future__ import annotations

import argparse
import time

from benchmarks.jobs import stack_settings, wait
from benchmarks.train_throughput import PeakMemory
from core import settings
from core.data import synthetic
from core.stack import presets
from core.training.arrays import job_config
from core.engine.cpus import usable_cpus
from core.engine.manager import JobManager


def queue_of(manager: JobManager, dataset, layers, args) -> tuple[float, int, int]:
    """(makespan in seconds, training images of the whole queue, most jobs that trained at
    once: the memory budget can hold a second one back)."""
    configs = [job_config(dataset, stack_settings(layers, epochs=args.epochs, seed=seed,
                                                  max_train=args.images, max_test=500),
                          manager.root) for seed in range(args.runs)]
    started = time.perf_counter()
    jobs = [manager.submit(f"student-{i}", config).job for i, config in enumerate(configs)]
    wait(jobs)
    makespan = time.perf_counter() - started
    images = sum(job.start.train_size * args.epochs for job in jobs)
    most = max(sum(other.started <= job.started < other.ended for other in jobs)
               for job in jobs)
    return makespan, images, most


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="stride", choices=presets.PRESET_IDS)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--images", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    dataset = synthetic.generate(0)
    _, layers = presets.preset(args.model)
    layers = presets.with_head(layers, 3) if layers[-1].get("type") != "Dense" else layers
    rows = []
    cpus = usable_cpus()
    for slots, threads in ((1, cpus), (2, max(1, cpus // 2)), (2, cpus)):
        manager = JobManager(max_running=slots, warm=True, threads=threads,
                             memory_budget_mb=settings.from_environment().memory_mb)
        manager.pool.warm_up(120)  # every setting starts with TensorFlow imported
        memory = PeakMemory()
        try:
            makespan, images, most = queue_of(manager, dataset, layers, args)
        finally:
            memory.stop.set()
            manager.shutdown()
        rows.append((slots, threads, most, makespan, images / makespan, memory.peak / 2**20))
        print(f"{slots} slot(s), {threads} thread(s) each: {makespan:.1f} s, {images / makespan:,.0f} img/s, "
              f"peak {memory.peak / 2**20:,.0f} MB", flush=True)
    one, shared, crowded = (row[3] for row in rows)
    print(f"\n{usable_cpus()} CPUs, {args.runs} runs of {args.model}, {args.images} images x "
          f"{args.epochs} epochs\n")
    print("| slots | threads per job | most at once | makespan | images/s (queue) | peak MB |")
    print("| --- | --- | --- | --- | --- | --- |")
    for slots, threads, most, makespan, rate, peak in rows:
        print(f"| {slots} | {threads} | {most} | {makespan:.1f} s | {rate:,.0f} | "
              f"{peak:,.0f} |")
    print(f"\ntwo at once / one at a time, makespan: {shared / one:.2f} with the CPUs "
          f"shared out, {crowded / one:.2f} with every job using all of them "
          f"(below 1: two at once finish the queue sooner)")


if __name__ == "__main__":
    main()
