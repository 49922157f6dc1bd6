"""The server's training workers: one kept warm (TensorFlow imported) for the next job,
and workers reused for several jobs one after another.

Importing TensorFlow costs a worker 6-10 s of CPU on the project's 2-core machine; a
class that queues 40 runs would pay it 40 times on the critical path. So a worker that
finished its job cleanly goes back to the pool and trains the next one (the worker
clears Keras' state between jobs; the same settings give the same curves in a fresh or
a reused worker, tests/core/training/test_pool.py), up to `jobs_per_worker` jobs, after
which it is retired and its memory returns to the system. While jobs wait, a spare worker
imports TensorFlow in the background at low priority.
"""
from __future__ import annotations

import os
import threading

from core.engine.process import WorkerProcess

JOBS_PER_WORKER = 8  # a reused worker is retired after this many jobs (memory creep)


class WorkerPool:
    def __init__(self, warm: bool = True, threads: int | None = None,
                 jobs_per_worker: int = JOBS_PER_WORKER):
        self.warm_enabled = warm
        self.threads = threads  # TensorFlow threads per worker; None: all it may use
        self.jobs_per_worker = jobs_per_worker
        self.idle: list[WorkerProcess] = []
        self.lock = threading.Lock()

    def _spawn(self) -> WorkerProcess:
        env = {"CNNLAB_WORKER_JOBS": str(self.jobs_per_worker)}
        if self.threads:
            env["CNNLAB_WORKER_THREADS"] = str(self.threads)
        return WorkerProcess(env=env)

    def take(self) -> WorkerProcess:
        """An idle worker (the readiest first), or a new one."""
        with self.lock:
            alive = [w for w in self.idle if w.alive()]
            self.idle = []
            ready = sorted(alive, key=lambda w: not w.ready.is_set())
            worker, spare = (ready[0], ready[1:]) if ready else (None, [])
            self.idle = spare
        return worker or self._spawn()

    def prewarm(self) -> None:
        """Have one idle worker importing or ready, if there is none."""
        if not self.warm_enabled:
            return
        with self.lock:
            if not any(w.alive() for w in self.idle):
                self.idle = [self._spawn()]

    def has_ready(self) -> bool:
        """Whether an idle worker has imported TensorFlow and waits for a job."""
        with self.lock:
            return any(w.alive() and w.ready.is_set() for w in self.idle)

    def give_back(self, worker: WorkerProcess, clean: bool) -> None:
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
            idle, self.idle = self.idle, []
        for worker in idle:
            worker.retire()


def reuse_from_env(default: int = JOBS_PER_WORKER) -> int:
    """CNNLAB_JOBS_PER_WORKER: 1 gives every job a fresh worker (the old behaviour)."""
    try:
        return max(1, int(os.environ.get("CNNLAB_JOBS_PER_WORKER") or default))
    except ValueError:
        return default


def max_running_from_env(default: int) -> int:
    """CNNLAB_MAX_JOBS if it is a positive integer, else the default: jobs training at once."""
    try:
        value = int(os.environ.get("CNNLAB_MAX_JOBS", default))
    except ValueError:
        return default
    return value if value > 0 else default
