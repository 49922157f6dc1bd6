"""Memory across many runs: one student trains 20 times in a row on one server.

Run by hand (about 4 minutes):

    python -m benchmarks.session_memory [--runs 20] [--epochs 1] [--max-images 1000]

Starts `streamlit run` on 127.0.0.1 (synthetic dataset, runs capped at --max-images
images), opens the training page over Streamlit's websocket protocol
(benchmarks/st_client.py), and starts --runs runs one after another, waiting for each
to finish. After each run it records the server's resident memory and how many runs
the server still holds for the session. The server keeps a session's newest
core.engine.manager.KEEP_ENDED runs (their histories in memory, models on disk); older ones
are dropped with their files, so memory must level off instead of growing per run.
(When the tab closes, the server forgets the session's runs and folders after
core.engine.job.FORGET_AFTER_S: tests/core/engine/test_jobs.py checks that.)
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import psutil

from benchmarks.st_client import Session
from core.engine.manager import KEEP_ENDED
from tests.browser.conftest import free_port, start_server, wait_healthy

MB = 2**20


async def runs(url: str, count: int, epochs: int, server: psutil.Process) -> list[dict]:
    session = Session(url)
    await session.connect()
    rows = []
    try:
        await session.open("training")
        await session.set("train_epochs", epochs)
        for number in range(1, count + 1):
            started = time.perf_counter()
            await session.set("train_start")
            while True:
                await asyncio.sleep(1)
                run = await session.rerun()
                if run.errors:
                    raise RuntimeError(run.errors)
                if run.shows("Finished. Test accuracy"):
                    break
            await asyncio.sleep(2)  # the worker retires and the next one warms up
            kept = sum(text.startswith("**#") for text in run.texts)  # one header per run
            rows.append({"run": number, "seconds": time.perf_counter() - started,
                         "server_mb": server.memory_info().rss / MB, "runs_listed": kept})
            print(f"run {number:2d}: {rows[-1]['seconds']:5.1f} s, server "
                  f"{rows[-1]['server_mb']:6.0f} MB", flush=True)
    finally:
        await session.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-images", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        port = free_port()
        process = start_server(data_dir, port, {"CNNLAB_TRAIN_MAX_IMAGES": str(args.max_images)})
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, process)
            server = psutil.Process(process.pid)
            rows = asyncio.run(runs(url, args.runs, args.epochs, server))
        finally:
            process.terminate()
            process.wait(timeout=30)
    first, settled, last = rows[0], rows[min(KEEP_ENDED, len(rows)) - 1], rows[-1]
    print("\n| measure | value |\n| --- | --- |")
    print(f"| server after run 1 | {first['server_mb']:,.0f} MB |")
    print(f"| server after run {settled['run']} (the session's run list is full) "
          f"| {settled['server_mb']:,.0f} MB |")
    print(f"| server after run {last['run']} | {last['server_mb']:,.0f} MB |")
    print(f"| growth from run {settled['run']} to run {last['run']} "
          f"| {last['server_mb'] - settled['server_mb']:+,.0f} MB |")
    print(f"| growth from run 1 to run {last['run']} | {last['server_mb'] - first['server_mb']:+,.0f} MB |")


if __name__ == "__main__":
    main()
