"""Faults of a real server (issue 7): a tab closed mid-training, the server killed and
restarted. A real `streamlit run` on 127.0.0.1, driven over Streamlit's own websocket
protocol (benchmarks/st_client.py), as a browser tab would drive it.
"""
import asyncio
import os
import re
import signal
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from benchmarks.st_client import Session
from core.engine.folders import OWNER_FILE, ROOT_PREFIX
from tests.browser.conftest import free_port, start_server, wait_healthy

pytestmark = pytest.mark.slow

GRACE_S = 3  # CNNLAB_ORPHAN_GRACE_S for these servers: a closed tab loses its job after 3 s
ENV = {"CNNLAB_TRAIN_MAX_IMAGES": "300", "CNNLAB_ORPHAN_GRACE_S": str(GRACE_S),
       "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
RUNNING = re.compile(r"Epoch \d+/\d+ · batch")


@pytest.fixture
def server(tmp_path):
    """Start (and restart) a server on one port and one data folder; kills them all."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    port, started = free_port(), []

    def start():
        process = start_server(data_dir, port, ENV)
        started.append(process)
        wait_healthy(f"http://127.0.0.1:{port}", process)
        return process

    start.url = f"http://127.0.0.1:{port}"
    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def workers(server) -> list[psutil.Process]:
    return [p for p in psutil.Process(server.pid).children(recursive=True)
            if "core.engine.worker" in " ".join(p.cmdline())]


def wait_for(condition, timeout=120, every=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise TimeoutError("the condition never held")


async def start_a_long_run(url: str) -> Session:
    """A student opens the training page and starts 100 epochs; returns once it trains."""
    session = Session(url)
    await session.connect()
    await session.open("training")
    await session.set("train_epochs", 100)
    await session.set("train_batch_size", 10)
    await session.set("train_start")
    for _ in range(300):
        run = await session.tick()
        assert not run.errors, run.errors
        if any(RUNNING.search(text) for text in run.texts):
            return session
        await asyncio.sleep(0.5)
    raise TimeoutError("the run never started")


def training_worker(server) -> psutil.Process:
    """The worker that is training: the busiest one (a warm one waits idle)."""
    found = workers(server)
    for p in found:
        p.cpu_percent()
    time.sleep(1.0)
    return max(found, key=lambda p: p.cpu_percent())


def until_idle(worker: psutil.Process, timeout: float) -> None:
    """Until the worker has exited or spends under a tenth of a core for a second."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if worker.cpu_percent(interval=1.0) < 10:
                return
        except psutil.NoSuchProcess:
            return
    raise TimeoutError("the worker kept training after its tab closed")


def test_a_tab_closed_mid_training_stops_its_job_and_frees_the_worker(server):
    process = server()

    async def scenario():
        session = await start_a_long_run(server.url)
        busy = await asyncio.to_thread(training_worker, process)
        await session.close()  # the student closes the tab
        # Stopped within a batch once the grace is over; the worker then waits, idle, for
        # the next job (core.engine.workers reuses it) or retires.
        await asyncio.to_thread(until_idle, busy, GRACE_S + 60)
        return await opened(server.url, "training")  # the next student's page works

    run = asyncio.run(scenario())
    assert process.poll() is None, "the server keeps serving"
    assert not run.errors and run.shows("Start training")


async def opened(url: str, page: str, query: str = ""):
    session = Session(url)
    await session.connect()
    try:
        return await session.open(page, query)
    finally:
        await session.close()


def test_a_killed_server_stops_its_worker_and_the_restarted_one_explains(server):
    first = server()

    async def run_then_crash():
        session = await start_a_long_run(server.url)
        busy = await asyncio.to_thread(training_worker, first)
        owned.extend(p for p in Path(tempfile.gettempdir()).glob(f"{ROOT_PREFIX}*")
                     if (p / OWNER_FILE).is_file()
                     and (p / OWNER_FILE).read_text() == str(first.pid))
        os.kill(first.pid, signal.SIGKILL)  # a crash: no shutdown code runs
        await asyncio.to_thread(first.wait, 30)
        await asyncio.to_thread(busy.wait, 60)  # stdin closed: it stops, not training for nobody
        return session.query

    owned = []  # the job folder of the server that is killed
    query = asyncio.run(run_then_crash())
    assert re.search(r"(^|&)run=[0-9a-f]{8}-[A-Za-z0-9_-]{22}(&|$)", query), query

    server()  # the container restarts; the browser reconnects with the same URL
    run = asyncio.run(opened(server.url, "training", query))
    said = " ".join(run.texts)
    assert "The server restarted since your runs were started" in said, said
    assert not run.errors and run.shows("Start training")
    assert owned and not any(root.exists() for root in owned), "the dead server's files go"
