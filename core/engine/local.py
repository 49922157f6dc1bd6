"""This server's own workers: `python -m core.engine.worker` child processes, each with a
thread reading its events, and the pool that keeps them warm (core.engine.workers).

The worker imports TensorFlow, says it is ready, trains the Assignment it is sent
(core.engine.contract), says it is ready again, and so on. Its stdout carries only
contract events, one JSON line each; a reader thread parses them and hands each to the
job it is training. Its stderr (tracebacks, library chatter) is kept as a short tail for
the server's log. What a worker is told (its jobs, threads, the live filters) travels as
its command-line arguments, never through settings of its own.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading

from core import config as app_config
from core.engine.contract import (
    Assignment, ContractError, ReadyEvent, parse_event, to_line,
)
from core.engine.workers import JOBS_PER_WORKER, Handler, Relay, WorkerExit, WorkerPool

STDERR_TAIL = 30  # lines of the worker's stderr kept for a failed job's log


class WorkerProcess(Relay):
    """One `python -m core.engine.worker` child and a thread reading its events."""

    def __init__(self, jobs: int = 1, threads: int | None = None, live_filters: bool = True):
        super().__init__()
        # Few malloc arenas: TensorFlow's thread pools otherwise each grow their own.
        env = dict(os.environ, PYTHONUNBUFFERED="1", MALLOC_ARENA_MAX="2")
        args = ["--jobs", str(jobs), "--live-filters", "1" if live_filters else "0"]
        if threads:
            args += ["--threads", str(threads)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "core.engine.worker", *args], cwd=app_config.ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stderr_tail: list[str] = []
        self._send_lock = threading.Lock()  # one line at a time, in the order asked
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        for line in self.process.stdout:
            try:
                event = parse_event(line)
            except ContractError as err:  # not ours (a library printing to fd 1?): log it
                self.stderr_tail = (self.stderr_tail + [f"protocol: {err}"])[-STDERR_TAIL:]
                continue
            if isinstance(event, ReadyEvent):
                self.ready.set()
            self.emit(event)
        self.emit(WorkerExit(self.process.wait()))

    def _read_stderr(self) -> None:
        for line in self.process.stderr:
            self.stderr_tail = (self.stderr_tail + [line.rstrip()])[-STDERR_TAIL:]

    def assign(self, assignment: Assignment, on_event: Handler) -> None:
        """A worker still importing TensorFlow queues the job until it is ready."""
        self.attach(on_event)
        self._send(to_line(assignment))

    def stop(self) -> None:
        self._send("stop")

    def _send(self, line: str) -> None:
        with self._send_lock:
            try:
                self.process.stdin.write(line + "\n")
                self.process.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass  # the worker has gone; its exit says so

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.kill()

    def retire(self) -> None:
        """Close stdin (an idle worker then exits) and make sure it is gone."""
        with self._send_lock:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


class LocalPool(WorkerPool):
    """Worker processes of this server, `slots` training at once."""

    def __init__(self, slots: int, warm: bool = True, jobs_per_worker: int = JOBS_PER_WORKER,
                 threads: int | None = None, live_filters: bool = True):
        super().__init__(slots, warm, jobs_per_worker)
        self.threads = threads  # TensorFlow threads per worker; None: all it may use
        self.live_filters = live_filters

    def _spawn(self) -> WorkerProcess:
        return WorkerProcess(self.jobs_per_worker, self.threads, self.live_filters)
