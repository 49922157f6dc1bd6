"""One worker process: `python -m core.engine.worker`, and a thread reading its events.

The worker imports TensorFlow, says it is ready, trains the Assignment it is sent
(core.engine.contract), says it is ready again, and so on (core.engine.pool reuses
it). Its stdout carries only contract events, one JSON line each; a reader thread parses
them and hands each to the job it is training. Its stderr (tracebacks, library chatter)
is kept as a short tail for the server's log.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Callable

from core import config as app_config
from core.engine.contract import (
    Assignment, ContractError, Event, ReadyEvent, parse_event, to_line,
)

STDERR_TAIL = 30  # lines of the worker's stderr kept for a failed job's log


class WorkerExit:
    """Not a contract event: the reader saw the worker's stdout close (it exited)."""

    def __init__(self, code: int | None):
        self.code = code


class WorkerProcess:
    """One `python -m core.engine.worker` child and a thread reading its events."""

    def __init__(self, env: dict[str, str] | None = None):
        self.ready = threading.Event()  # waiting for an Assignment
        self.jobs_assigned = 0  # the worker serves CNNLAB_WORKER_JOBS, then exits
        self.on_event: Callable[[Event | WorkerExit], None] | None = None
        self.lock = threading.Lock()
        # Few malloc arenas: TensorFlow's thread pools otherwise each grow their own.
        env = dict(os.environ, PYTHONUNBUFFERED="1", MALLOC_ARENA_MAX="2", **(env or {}))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "core.engine.worker"], cwd=app_config.ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stderr_tail: list[str] = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        for line in self.process.stdout:
            try:
                event = parse_event(line)
            except ContractError as err:  # not ours (a library printing to fd 1?): log it
                self.stderr_tail = (self.stderr_tail + [f"protocol: {err}"])[-STDERR_TAIL:]
                continue
            with self.lock:
                if isinstance(event, ReadyEvent):
                    self.ready.set()
                handler = self.on_event
            if handler:
                handler(event)
        with self.lock:
            handler = self.on_event
        if handler:
            handler(WorkerExit(self.process.wait()))

    def _read_stderr(self) -> None:
        for line in self.process.stderr:
            self.stderr_tail = (self.stderr_tail + [line.rstrip()])[-STDERR_TAIL:]

    def assign(self, assignment: Assignment,
               on_event: Callable[[Event | WorkerExit], None]) -> None:
        """Send a job; its events (and the worker's exit) go to on_event from now on. A
        worker still importing TensorFlow queues the job until it is ready."""
        with self.lock:
            self.on_event = on_event
            self.jobs_assigned += 1
            self.ready.clear()
        self.send(to_line(assignment))

    def detach(self) -> None:
        """The job has ended: later events (its ReadyEvent) go to nobody."""
        with self.lock:
            self.on_event = None

    def send(self, line: str) -> None:
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
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
