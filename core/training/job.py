"""Training jobs: a queue, a limit on running jobs, and one worker process per job.

The Streamlit server holds one `JobManager` (see core.st_cache). A job belongs to one
browser session; at most `max_running` jobs train at once and the rest wait in order.
Each job runs `core.training.worker` in a child process that reports JSON lines; a reader
thread folds them into the job's record, which pages read with `Job.snapshot()`.
A warm worker (TensorFlow already imported) waits for the next job, so a student
does not pay the 3-4 s import on the critical path. Jobs whose session has gone away
are stopped by a reaper thread.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from core import config as app_config

ACTIVE = ("queued", "starting", "running", "stopping")  # states of a job not yet ended
ORPHAN_GRACE_S = app_config.ORPHAN_GRACE_S  # a session gone this long loses its running jobs
FORGET_AFTER_S = 300.0  # ... and this long, its ended runs (Streamlit keeps a closed
#                         session for 2 minutes, so one that can still come back keeps them)
REAP_EVERY_S = 2.0  # how often the reaper looks for orphans and dead workers
STOP_KILL_S = 20.0  # a worker that ignores Stop this long is killed


class WorkerProcess:
    """One `python -m core.training.worker` child and a thread reading its JSON lines."""

    def __init__(self, on_event: Callable[[dict], None] | None = None):
        self.events: list[dict] = []
        self.ready = threading.Event()
        self.on_event = on_event
        self.lock = threading.Lock()
        # Few malloc arenas: TensorFlow's thread pools otherwise each grow their own.
        env = dict(os.environ, PYTHONUNBUFFERED="1", MALLOC_ARENA_MAX="2")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "core.training.worker"], cwd=app_config.ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stderr_tail: list[str] = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                self.events.append(event)
                handler = self.on_event
            if event.get("event") == "ready":
                self.ready.set()
            if handler:
                handler(event)
        with self.lock:
            handler = self.on_event
        if handler:
            handler({"event": "exit", "code": self.process.wait()})

    def _read_stderr(self) -> None:
        for line in self.process.stderr:
            self.stderr_tail = (self.stderr_tail + [line.rstrip()])[-30:]

    def attach(self, on_event: Callable[[dict], None]) -> None:
        """Send every event so far, and every later one, to on_event."""
        with self.lock:
            self.on_event = on_event
            past = list(self.events)
        for event in past:
            on_event(event)

    def send(self, line: str) -> None:
        try:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass  # the worker has gone; its exit event says so

    def alive(self) -> bool:
        return self.process.poll() is None

    def retire(self) -> None:
        """Close stdin (a warm worker then exits) and make sure it is gone."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


@dataclass(eq=False)
class Job:
    """A training run of one session: its config, state and everything it reported."""

    id: int
    session_id: str
    config: dict
    out_dir: Path
    group: str = "train"  # the page that started it: a session keeps a few of each
    state: str = "queued"  # queued, starting, running, stopping, done, stopped, failed
    phase: str = "queued"  # queued, importing, preparing, training, saving, ended
    created: float = field(default_factory=time.time)
    started: float | None = None
    ended: float | None = None
    info: dict = field(default_factory=dict)  # the worker's "start" event
    batches: list = field(default_factory=list)
    epochs: list = field(default_factory=list)
    result: dict = field(default_factory=dict)  # the "done" event
    error: dict | None = None  # {"code", "message"}
    import_seconds: float | None = None
    stop_requested: bool = False
    stop_at: float | None = None  # when Stop was asked for
    worker: WorkerProcess | None = field(default=None, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> dict:
        """A consistent copy of the record, for drawing."""
        with self.lock:
            return {"id": self.id, "state": self.state, "phase": self.phase,
                    "config": self.config, "info": dict(self.info),
                    "batches": list(self.batches), "epochs": list(self.epochs),
                    "result": dict(self.result), "error": self.error,
                    "created": self.created, "started": self.started, "ended": self.ended,
                    "import_seconds": self.import_seconds, "out_dir": str(self.out_dir)}

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    def handle(self, event: dict) -> None:
        """Fold one worker event into the record."""
        kind = event.get("event")
        with self.lock:
            if kind == "phase":
                self.phase = event["phase"]
            elif kind == "ready":
                self.import_seconds = event.get("import_seconds")
            elif kind == "start":
                self.info, self.phase, self.state = event, "training", "running"
                if self.stop_requested:
                    self.state = "stopping"
            elif kind == "unfreeze":
                self.info = dict(self.info, unfreeze_epoch=event["epoch"],
                                 trainable_after=event["trainable"])
            elif kind == "batch":
                self.batches.append(event)
            elif kind == "epoch":
                self.epochs.append(event)
            elif kind == "done":
                self.result = event
                self._end("stopped" if event.get("stopped") else "done")
            elif kind == "error":
                self.error = {"code": event.get("code", "crash"), "message": event.get("message", "")}
                self._end("failed")
            elif kind == "exit" and self.active:
                self.error = {"code": "stopped_by_server" if self.stop_requested else "worker_died",
                              "message": f"exit code {event.get('code')}"}
                self._end("stopped" if self.stop_requested else "failed")

    def _end(self, state: str) -> None:
        self.state, self.phase, self.ended = state, "ended", time.time()
