"""What the manager may ask of a worker and of a pool of them, whatever trains the jobs:
this server's worker processes (core.engine.local) or a Ray cluster's actors
(core.engine.ray_backend).

A `Worker` trains one `Assignment` at a time and reports its events, in order, to the
handler `assign` was given, until `detach`; `stop` ends the job under way after its
current batch. A `WorkerPool` keeps workers warm: one that finished a job cleanly trains
the next (up to `jobs_per_worker`, then it is retired and its memory goes back), and while
jobs wait a spare imports TensorFlow in the background. Importing TensorFlow costs a
worker 6-10 s of CPU on a 2-core machine; a class that queues 40 runs would pay it 40
times on the critical path. The same settings give the same curves in a fresh or a
reused worker (tests/core/engine/test_jobs.py).
"""
from __future__ import annotations

import threading
from typing import Callable, Protocol

from core.engine.contract import Assignment, Event

JOBS_PER_WORKER = 8  # a reused worker is retired after this many jobs (memory creep)


class WorkerExit:
    """Not a contract event: the worker is gone (its process exited, its actor died)."""

    def __init__(self, code: int | None):
        self.code = code


Handler = Callable[[Event | WorkerExit], None]


class Worker(Protocol):
    jobs_assigned: int  # jobs given so far; the pool retires it at jobs_per_worker

    def is_ready(self) -> bool:
        """Imported and waiting for a job."""

    def assign(self, assignment: Assignment, on_event: Handler) -> None:
        """Train this job; its events (and the worker's end) go to on_event from now on."""

    def stop(self) -> None:
        """End the job under way after its current batch; it still saves what it has."""

    def detach(self) -> None:
        """The job has ended: later events go to nobody."""

    def alive(self) -> bool: ...

    def kill(self) -> None: ...

    def retire(self) -> None:
        """Let it go (an idle worker exits) and make sure it is gone."""


class Relay:
    """The handler a worker's events go to, swapped under a lock: the part of a worker
    that both kinds share."""

    def __init__(self):
        self.jobs_assigned = 0
        self.ready = threading.Event()  # imported and waiting for a job
        self.lock = threading.Lock()
        self._handler: Handler | None = None

    def is_ready(self) -> bool:
        return self.ready.is_set()

    def attach(self, on_event: Handler) -> None:
        with self.lock:
            self._handler = on_event
            self.jobs_assigned += 1
            self.ready.clear()

    def detach(self) -> None:
        with self.lock:
            self._handler = None

    def emit(self, event: Event | WorkerExit) -> None:
        with self.lock:
            handler = self._handler
        if handler is not None:
            handler(event)


class WorkerPool:
    """Workers kept warm and reused; subclasses say how one is made (`_spawn`).

    What the manager reads: `engine` (where jobs train, shown with every run), `slots`
    (jobs at once), `memory_bound` (whether the server's memory budget applies to its
    workers: not a cluster's), `broken` (why it can no longer be used, or None)."""
    engine = "local"
    memory_bound = True

    def __init__(self, slots: int, warm: bool = True, jobs_per_worker: int = JOBS_PER_WORKER):
        self.slots = slots
        self.warm_enabled = warm
        self.jobs_per_worker = jobs_per_worker
        self.broken: str | None = None
        self.idle: list[Worker] = []
        self.lock = threading.Lock()
        self._warming = False  # a prewarm is starting a worker
        self.closed = False

    def _spawn(self) -> Worker:
        raise NotImplementedError

    def take(self) -> Worker:
        """An idle worker (the readiest first), or a new one. Slow when it must start one:
        never call it holding a lock that pages wait for."""
        with self.lock:
            alive = [w for w in self.idle if w.alive()]
            ready = sorted(alive, key=lambda w: not w.is_ready())
            worker, self.idle = (ready[0], ready[1:]) if ready else (None, [])
        return worker or self._spawn()

    def prewarm(self) -> None:
        """Have one idle worker importing or ready, if there is none."""
        if not self.warm_enabled:
            return
        with self.lock:
            if self._warming or self.closed or any(w.alive() for w in self.idle):
                return
            self._warming = True
        try:
            worker = self._spawn()  # outside the lock: it starts a process or an actor
        finally:
            with self.lock:
                self._warming = False
        with self.lock:
            if not self.closed:
                self.idle.append(worker)
                return
        worker.retire()

    def has_ready(self) -> bool:
        """Whether an idle worker has imported TensorFlow and waits for a job."""
        with self.lock:
            return any(w.alive() and w.is_ready() for w in self.idle)

    def warm_up(self, timeout: float) -> bool:
        """Start a spare and wait until an idle worker is ready (benchmarks start warm)."""
        import time

        self.prewarm()
        deadline = time.monotonic() + timeout
        while not self.has_ready():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def give_back(self, worker: Worker, clean: bool) -> None:
        """A worker whose job ended: kept for the next job if it ended cleanly and has
        jobs left, else retired (in a thread: retiring waits for the process)."""
        keep = (clean and self.warm_enabled and worker.alive()
                and worker.jobs_assigned < self.jobs_per_worker)
        with self.lock:
            if keep and not any(w.alive() for w in self.idle):
                self.idle.append(worker)
                return
        threading.Thread(target=worker.retire, daemon=True).start()

    def close(self) -> None:
        with self.lock:
            idle, self.idle, self.closed = self.idle, [], True
        for worker in idle:
            worker.retire()
