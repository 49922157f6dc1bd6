"""A class of 40 on one server: everyone opens the link, browses, and 3 of them train.

Run by hand (about 3 minutes):

    python -m benchmarks.class_load [--sessions 40] [--trainers 3] [--duration 120]

Starts `streamlit run` on 127.0.0.1 with an empty data folder (the synthetic dataset),
as one Community Cloud container would, with the training queue at its default of one
running job. Then `--sessions` students connect at once over Streamlit's own websocket
protocol (benchmarks/st_client.py: a browser's messages without a browser, so 40 of
them fit on 2 cores next to the server). `--trainers` of them open the training page,
set 3 epochs and press Start; they poll their page every 2 s, as the live panel does.
The rest browse for `--duration` seconds: the data explorer (draw another sample,
filter to a fine class) and the calculator (load a preset), reading 5-15 s between two
clicks (`--think`).

Reports:
- interaction latency of the browsing sessions (click sent to the rerun's last
  element received), median and 95th percentile, split by whether a job was training;
- the queue: when each job was submitted, started and finished, that no two overlapped
  and that none was lost;
- peak memory of the server process, and of the server with its training workers.
Goals (issue 7): p95 < 1 s while a job trains; server peak < 2.5 GB.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

import psutil

from benchmarks.st_client import Session
from tests.browser.conftest import free_port, start_server, wait_healthy

P95_GOAL_S = 1.0
MEMORY_GOAL_MB = 2_500
MB = 2**20


class MemorySampler(threading.Thread):
    """Peak resident memory of a process, and of it plus its children, every 100 ms."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak_server = self.peak_total = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.1):
            try:
                server = self.process.memory_info().rss
                children = sum(c.memory_info().rss for c in self.process.children(recursive=True))
            except psutil.Error:
                continue
            self.peak_server = max(self.peak_server, server)
            self.peak_total = max(self.peak_total, server + children)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def browse(url: str, until: float, rng: random.Random, log: list, errors: list,
                 think: tuple[float, float]) -> None:
    """A student clicking through the explorer and the calculator."""
    session = Session(url)
    await session.connect()
    try:
        log.append(("open the link", time.time(), (await session.open("")).seconds))
        first = True
        while time.time() < until:
            run = await session.open("data")
            log.append(("first data explorer visit" if first else "open the data explorer",
                        time.time(), run.seconds))
            first = False
            await asyncio.sleep(rng.uniform(*think))
            run = await session.set("explorer_draw")
            log.append(("draw another sample", time.time(), run.seconds))
            await asyncio.sleep(rng.uniform(*think))
            fine = rng.choice(["otter", "beaver", "fox", "wolf", "lion", "tiger", "camel"])
            run = await session.set("explorer_fine", fine)
            log.append(("filter to a fine class", time.time(), run.seconds))
            errors.extend(run.errors)
            await asyncio.sleep(rng.uniform(*think))
            run = await session.open("calculator")
            log.append(("open the calculator", time.time(), run.seconds))
            await asyncio.sleep(rng.uniform(*think))
            run = await session.set("calc_preset", "Section 3: the super model")
            log.append(("load a preset", time.time(), run.seconds))
            errors.extend(run.errors)
            if not run.shows("449,923"):
                errors.append("calculator: the super model's 449,923 parameters not shown")
            await asyncio.sleep(rng.uniform(*think))
    finally:
        await session.close()


async def train(url: str, name: str, epochs: int, start_at: float, timeline: dict,
                errors: list) -> None:
    """A student who starts a run and watches it until it ends. The browser reruns the
    live panel on its timer (st.fragment(run_every)); this does the same."""
    session = Session(url)
    await session.connect()
    try:
        await session.open("training")
        await session.set("train_epochs", epochs)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        run = await session.set("train_start")
        record = timeline[name] = {"submitted": time.time(), "running": []}
        errors.extend(run.errors)
        while True:
            await asyncio.sleep(min(session.timers.values(), default=2.0))
            sent = time.time()
            run = await session.tick()
            errors.extend(run.errors)
            if run.shows("job(s) ahead of you"):
                record["waited"] = True
            elif any("Importing TensorFlow" in text and "→" in text for text in run.texts):
                record["running"].append((sent, time.time()))  # seen running in this span
            if run.shows("Finished. Test accuracy") or run.shows("Stopped in epoch"):
                record["ended"] = time.time()
                return
            if any("failed" in text.lower() for text in run.texts):
                errors.append(f"{name}: {run.texts}")
                record["ended"] = time.time()
                return
    finally:
        await session.close()


async def scenario(url: str, sessions: int, trainers: int, duration: float, epochs: int,
                   think: tuple[float, float], train_at: float):
    rng = random.Random(0)
    log, errors, timeline = [], [], {}
    until = time.time() + duration
    start_at = time.time() + train_at
    tasks = [train(url, f"trainer {i + 1}", epochs, start_at, timeline, errors)
             for i in range(trainers)]
    tasks += [browse(url, until, random.Random(rng.random()), log, errors, think)
              for _ in range(sessions - trainers)]
    await asyncio.gather(*tasks)
    return log, errors, timeline


def report(log, errors, timeline, sampler, args) -> None:
    # A job was surely running from the end of the first poll that saw it running to the
    # start of the last one (each poll sees the job at some moment inside its own span).
    sure = {name: (r["running"][0][1], r["running"][-1][0]) for name, r in timeline.items()
            if len(r["running"]) >= 2}
    windows = [(r["running"][0][0] if r["running"] else r["submitted"], r["ended"])
               for r in timeline.values() if "ended" in r]

    def training(at: float) -> bool:
        return any(start <= at <= end for start, end in windows)

    print(f"{args.sessions} sessions ({args.trainers} training), {args.duration:.0f} s of browsing")
    print("\n| interactions | count | median | p95 | goal |\n| --- | --- | --- | --- | --- |")
    arrivals = ("open the link", "first data explorer visit")  # a cold server's first pages
    browsing = [(a, at, s) for a, at, s in log if a not in arrivals]
    for label, rows in (("while a job trains", [s for _, at, s in browsing if training(at)]),
                        ("no job training", [s for _, at, s in browsing if not training(at)]),
                        ("everyone opens the link at once",
                         [s for a, _, s in log if a == "open the link"]),
                        ("then the data explorer (dataset made on the first visit)",
                         [s for a, _, s in log if a == "first data explorer visit"])):
        if rows:
            print(f"| {label} | {len(rows)} | {1000 * statistics.median(rows):.0f} ms "
                  f"| {1000 * percentile(rows, 0.95):.0f} ms | p95 < {P95_GOAL_S:.0f} s |")
    print("\n| action | count | median | p95 |\n| --- | --- | --- | --- |")
    for action in dict.fromkeys(a for a, _, _ in browsing):
        rows = [s for a, _, s in browsing if a == action]
        print(f"| {action} | {len(rows)} | {1000 * statistics.median(rows):.0f} ms "
              f"| {1000 * percentile(rows, 0.95):.0f} ms |")
    start = min(r["submitted"] for r in timeline.values())
    slowest = sorted(((s, a, at) for a, at, s in browsing if training(at)), reverse=True)[:5]
    print("\nSlowest clicks while a job trains: " + "; ".join(
        f"{1000 * s:.0f} ms ({a}, answered {at - start:.1f} s after the first Start)"
        for s, a, at in slowest))
    print("\nQueue (seconds from the first Start):")
    for name, r in sorted(timeline.items(), key=lambda item: item[1]["submitted"]):
        seen = r["running"][0][0] - start if r["running"] else float("nan")
        print(f"  {name}: submitted {r['submitted'] - start:5.1f}, first seen running "
              f"{seen:5.1f}, ended {r.get('ended', float('nan')) - start:5.1f}, "
              f"waited in the queue: {r.get('waited', False)}")
    spans = sorted(sure.values())
    overlaps = sum(1 for a, b in zip(spans, spans[1:]) if b[0] < a[1])
    lost = args.trainers - len(windows)
    print(f"  jobs finished: {len(windows)}/{args.trainers}, lost: {lost}, "
          f"overlapping runs: {overlaps}")
    print(f"\nPeak memory: server {sampler.peak_server / MB:,.0f} MB "
          f"(goal < {MEMORY_GOAL_MB:,} MB); server + training workers "
          f"{sampler.peak_total / MB:,.0f} MB")
    print(f"Errors shown to students: {len(errors)}")
    for error in errors[:10]:
        print("  ", error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--trainers", type=int, default=3)
    parser.add_argument("--duration", type=float, default=120, help="seconds of browsing")
    parser.add_argument("--epochs", type=int, default=8, help="epochs of each training run")
    parser.add_argument("--train-at", type=float, default=20,
                        help="seconds after everyone opened the link when the trainers press Start")
    parser.add_argument("--think", type=float, nargs=2, default=(5, 15), metavar=("MIN", "MAX"),
                        help="seconds a student reads between two clicks")
    parser.add_argument("--max-images", type=int, default=1500,
                        help="CNNLAB_TRAIN_MAX_IMAGES: images a run trains on")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        port = free_port()
        server = start_server(data_dir, port, {"CNNLAB_TRAIN_MAX_IMAGES": str(args.max_images),
                                               "CNNLAB_LIBRARY_DIR": str(Path(tmp) / "library"),
                                               "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"})
        url = f"http://127.0.0.1:{port}"
        sampler = MemorySampler(server.pid)
        try:
            wait_healthy(url, server)
            sampler.start()
            log, errors, timeline = asyncio.run(scenario(
                url, args.sessions, args.trainers, args.duration, args.epochs, tuple(args.think),
                args.train_at))
        finally:
            sampler.stopped.set()
            server.terminate()
            server.wait(timeout=30)
    report(log, errors, timeline, sampler, args)


if __name__ == "__main__":
    main()
