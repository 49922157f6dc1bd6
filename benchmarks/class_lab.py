"""A class trains together: 40 students press Start on the training page within a minute.

Run by hand (several minutes per setting):

    python -m benchmarks.class_lab [--sessions 40] [--own 12] [--images 1500] [--slots 2]
                                   [--seeded] [--window 60]

Starts `streamlit run` on 127.0.0.1 on the synthetic dataset (with `--ray`, training on
a local Ray head with 2 CPUs, one per job), as one Community Cloud
container would, with its own empty run library. `--sessions` students connect over
Streamlit's websocket protocol (benchmarks/st_client.py) and open the training page; each
presses Start at a random moment within `--window` seconds. `--sessions - --own` of them
keep the stride preset's defaults (the notebook's section 2: 20 epochs); `--own` change
something of their own (epochs, learning rate, target or seed), each a different run.
They then watch their page as the browser does (the live panel's timer). With
`--seeded`, the library first gets the default run (`python -m core seed-runs`'s path),
as the shipped library gives a class. With `--instructor`, one more session presses
Start on the defaults as the window opens, as an instructor who starts the class's run
herself when she tells the class to.

The scale: every run uses at most `--images` training images (CNNLAB_TRAIN_MAX_IMAGES;
the full set is 7,500, of which 6,750 train after the validation split). Reported per
group (defaults, own changes): Start to first visible progress, Start to a finished run
(median, p95, max); the makespan (first Start to last finish); the workers' CPU-seconds;
errors shown. The makespan at full size is extrapolated as

    makespan_full = makespan + (full / scaled - 1) * training_seconds / slots

(training time grows with the images, start-up and the page's reruns do not;
training_seconds is the sum over runs of each run's own training clock).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from benchmarks.class_load import percentile
from benchmarks.st_client import Session
from tests.browser.conftest import free_port, start_server, wait_healthy

FULL_TRAIN_IMAGES = 6750  # 7,500 less the 10% validation split
PROGRESS = ("Epoch ", "Finished. Test accuracy", "opened at once from the run library")


class CpuSampler(threading.Thread):
    """CPU-seconds used by the server's worker processes (every one seen, summed)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.server = psutil.Process(pid)
        self.seen: dict[int, float] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            try:
                for child in self.server.children(recursive=True):
                    times = child.cpu_times()
                    self.seen[child.pid] = times.user + times.system
            except psutil.Error:
                continue

    @property
    def seconds(self) -> float:
        return sum(self.seen.values())


def own_change(i: int) -> list[tuple[str, object]]:
    """The i-th student's own settings: a different run for each."""
    changes = [[("train_epochs", 10)], [("train_epochs", 15)],
               [("train_learning_rate", 0.0005)], [("train_learning_rate", 0.002)],
               [("train_validation_split", 0.2)], [("train_seed", 1)], [("train_seed", 2)],
               [("train_epochs", 25)], [("train_batch_size", 100)],
               [("train_seed", 3)], [("train_epochs", 10), ("train_seed", 1)],
               [("train_batch_size", 50)]]
    return changes[i % len(changes)] + ([("train_seed", 10 + i)] if i >= len(changes) else [])


async def student(url: str, name: str, changes, start_at: float, results: dict,
                  group: str | None = None) -> None:
    session = Session(url)
    await session.connect()
    record = results[name] = {"group": group or ("own" if changes else "defaults"),
                              "errors": []}
    try:
        await session.open("training", timeout=300)
        for key, value in changes:
            run = await session.set(key, value, timeout=300)
            record["errors"] += run.errors
        await asyncio.sleep(max(0.0, start_at - time.time()))
        record["start"] = time.time()
        run = await session.set("train_start", timeout=300)
        while True:
            record["errors"] += run.errors
            if "progress" not in record and any(run.shows(p) for p in PROGRESS):
                record["progress"] = time.time()
            if run.shows("Finished. Test accuracy"):
                record["done"] = time.time()
                return
            if any(run.shows(w) for w in ("failed", "ended unexpectedly", "cancelled")):
                record["errors"].append("the run failed")
                return
            await asyncio.sleep(0.5 if session.timers else 2.0)
            run = await session.tick(timeout=300)
    finally:
        await session.close()


def seed_library(library: Path, images: int) -> None:
    from core.data import synthetic
    from core.training.seed import seed_runs

    seed_runs(synthetic.generate(0), library, models=("stride",), max_images=images,
              report=lambda line: None, shrink=False)


async def lesson(url: str, args) -> dict:
    rng = random.Random(0)
    first = time.time() + 20  # everyone has opened the page by then
    results: dict = {}
    owners = set(rng.sample(range(args.sessions), args.own))
    own_index = iter(range(args.own))
    tasks = [student(url, f"s{i:02d}", own_change(next(own_index)) if i in owners else [],
                     first + rng.uniform(0, args.window), results)
             for i in range(args.sessions)]
    if args.instructor:  # she presses Start on the defaults as she tells the class to
        tasks.append(student(url, "instructor", [], first, results, group="instructor"))
    await asyncio.gather(*tasks)
    return results


def report(results: dict, args, makespan: float, cpu: float, training_s: float) -> None:
    print(f"\n{args.sessions} students, {args.own} with changes of their own; "
          f"{args.images} training images per run; {args.slots} slot(s); "
          f"library {'seeded' if args.seeded else 'empty'}\n")
    print("| group | students | Start to progress: median / p95 / max | "
          "Start to finished: median / p95 / max |")
    print("| --- | --- | --- | --- |")
    for group in ("defaults", "own", "instructor"):
        rows = [r for r in results.values() if r["group"] == group and "done" in r]
        if not rows:
            continue
        progress = [r["progress"] - r["start"] for r in rows]
        done = [r["done"] - r["start"] for r in rows]
        fmt = lambda xs: (f"{statistics.median(xs):.1f} / {percentile(xs, 0.95):.1f} / "
                          f"{max(xs):.1f} s")
        print(f"| {group} | {len(rows)} | {fmt(progress)} | {fmt(done)} |")
    errors = [e for r in results.values() for e in r["errors"]]
    unfinished = [n for n, r in results.items() if "done" not in r]
    factor = FULL_TRAIN_IMAGES / (args.images - round(args.images * 0.1))
    full = makespan + (factor - 1) * training_s / args.slots
    print(f"\nmakespan {makespan:.0f} s (first Start to last finish); workers' CPU "
          f"{cpu:.0f} s; the runs' own training {training_s:.0f} s")
    print(f"extrapolated to full size (x{factor:.1f} images): {full / 60:.1f} minutes")
    print(f"errors shown: {len(errors)} {errors[:3]}; unfinished: {unfinished}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--own", type=int, default=12)
    parser.add_argument("--images", type=int, default=1500)
    parser.add_argument("--slots", type=int, default=2,
                        help="jobs training at once (CNNLAB_MAX_JOBS; the app's default is 2)")
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--seeded", action="store_true")
    parser.add_argument("--instructor", action="store_true",
                        help="one more session, the instructor's, presses Start on the "
                             "defaults as the window opens")
    parser.add_argument("--ray", action="store_true",
                        help="train on a local Ray head with 2 CPUs, one per job: two jobs "
                             "at once in two actor processes")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="class-lab-"))
    (folder / "data").mkdir()
    library = folder / "library"
    if args.seeded:
        seed_library(library, args.images)
    port = free_port()
    env = {"CNNLAB_TRAIN_MAX_IMAGES": str(args.images), "CNNLAB_MAX_JOBS": str(args.slots),
           "CNNLAB_LIBRARY_DIR": str(library), "CNNLAB_ORPHAN_GRACE_S": "600"}
    if args.ray:
        env.update(CNNLAB_RAY_ADDRESS=start_ray(folder), CNNLAB_RAY_CPUS="1",
                   CNNLAB_RAY_SLOTS="2")
        args.slots = 2
    server = start_server(folder / "data", port, env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server)
        cpu = CpuSampler(server.pid)
        cpu.start()
        results = asyncio.run(lesson(url, args))
        cpu.stopped.set()
    finally:
        server.terminate()
        server.wait(timeout=30)
        if args.ray:
            subprocess.run([RAY, "stop", "--force"], capture_output=True, timeout=120)
    starts = [r["start"] for r in results.values() if "start" in r]
    ends = [r["done"] for r in results.values() if "done" in r]
    makespan = max(ends) - min(starts) if ends else float("nan")
    training = training_seconds(library, min(starts) if starts else 0.0)
    report(results, args, makespan, cpu.seconds, training)
    print(f"(load average now {os.getloadavg()[0]:.1f})")


RAY = str(Path(sys.executable).with_name("ray"))


def start_ray(folder: Path) -> str:
    """A local Ray head with 2 CPUs; its address."""
    port = free_port()
    subprocess.run([RAY, "start", "--head", f"--port={port}", "--num-cpus=2",
                    "--include-dashboard=false", "--disable-usage-stats",
                    f"--temp-dir={folder / 'ray'}"], check=True, capture_output=True,
                   timeout=180)
    return f"127.0.0.1:{port}"


def training_seconds(library: Path, since: float) -> float:
    """The training clocks of the runs that ended during the lesson (the server stores
    each one in its library as it ends; a seeded entry is older)."""
    import json

    total = 0.0
    for entry in library.glob("*/entry.json"):
        data = json.loads(entry.read_text())
        if data["trained_at"] >= since:
            total += data["seconds"]
    return total


if __name__ == "__main__":
    main()
