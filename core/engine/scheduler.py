"""When jobs start and end: the fair order carried out on a pool of workers, decided under
the manager's one lock and acted on after it.

`Scheduler` is the part of core.engine.manager.JobManager that holds the jobs, the
queue's memory (who was served when) and the pools. Every decision (`_decide`: which
queued jobs start now) is made with the lock held and written into the jobs' states at
once: a job that takes a slot is STARTING before its worker exists, so no concurrent
decision can give the slot again. What carries it out is slow (a worker process or a Ray
actor started, a Stop written to a worker, a folder removed) and runs in
`_carry_out`, after the lock is released; a Stop that lands between the two cancels the
start before the worker is told anything (`_start`).
"""
from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.engine import memory, queue
from core.engine.contract import Assignment, ErrorEvent, JobState, Phase
from core.engine.job import Job, Origin
from core.engine.library import RunLibrary
from core.engine.sessions import Sessions
from core.engine.workers import Worker, WorkerPool


@dataclass
class Decision:
    """What the lock decided and the caller carries out after it: jobs to start (already
    STARTING) with the pool each takes a worker from, workers to send Stop to, job
    folders to remove, and the pool whose spare should import TensorFlow now."""
    starts: list[tuple[Job, WorkerPool]] = field(default_factory=list)
    stops: list[Worker] = field(default_factory=list)
    removals: list[Path] = field(default_factory=list)
    prewarm: WorkerPool | None = None


class Scheduler:
    """The jobs, the pools and the queue's memory; what starts and ends jobs."""

    def __init__(self, local_pool: WorkerPool, pool: WorkerPool | None,
                 memory_budget_mb: float, sessions: Sessions, library: RunLibrary):
        self.sessions, self.library = sessions, library
        self.local_pool = local_pool
        self.pool = pool or local_pool  # a cluster's (core.engine.ray_backend), or ours
        self.engine_problem: str | None = None  # why training is not on the cluster
        self.memory_budget_mb = memory_budget_mb
        self.jobs: list[Job] = []
        self.served: dict[str, float] = {}  # session -> when one of its jobs last started
        self.timing = queue.Timing()  # measured start-up and speed, for forecasts
        self.lock = threading.RLock()
        self.closing = False  # shutting down: nothing more starts

    def queued(self) -> list[Job]:
        """Jobs waiting for a worker, in the order they will start."""
        with self.lock:
            waiting = [j for j in self.jobs if j.state == JobState.QUEUED and j.lead]
            return queue.order(waiting, self.served, self.sessions.prioritised())

    def running(self) -> list[Job]:
        with self.lock:
            return [j for j in self.jobs if j.state.running]

    @property
    def max_running(self) -> int:
        return self.pool.slots

    def forecast(self) -> dict[int, tuple[float, float]]:
        """job id -> (start, end) in seconds from now, for every queued job."""
        with self.lock:
            waiting, running, slots = self.queued(), self.running(), self.pool.slots
        times = self.timing.forecast([(j.snapshot(), j.estimate_s) for j in running],
                                     [j.estimate_s for j in waiting], slots,
                                     self._memory_fits, [j.memory_mb for j in running],
                                     [j.memory_mb for j in waiting])
        return {job.id: when for job, when in zip(waiting, times)}

    def use_pool(self, pool: WorkerPool | None, problem: str | None = None) -> None:
        """Train the next jobs with this pool (a cluster that answered), or say why not."""
        with self.lock:
            self.pool = pool or self.pool
            self.engine_problem = problem
            decision = self._decide()
        self._carry_out(decision)

    # --- scheduling: decided under the lock, carried out after it ---------------------
    def _memory_fits(self, running_mb: list[float], next_mb: float) -> bool:
        """Whether a job may start beside these: a cluster's memory is not this server's."""
        return not self.pool.memory_bound or memory.fits(running_mb, next_mb,
                                                         self.memory_budget_mb)

    def _decide(self, removals: list[Path] | None = None) -> Decision:
        """Queued jobs that start now, in their order, while a slot is free and the next
        fits in memory beside the jobs training; one that does not fit holds back the ones
        behind it, so a big model is never passed over for ever. Call locked."""
        if self.pool is not self.local_pool and self.pool.broken:
            self.engine_problem = self.pool.broken  # the cluster is gone: train here
            self.pool = self.local_pool
        pool, now = self.pool, time.time()
        if self.closing:
            return Decision(removals=removals or [])
        running, waiting, starts = self.running(), self.queued(), []
        for job in waiting:
            if not queue.may_start([j.memory_mb for j in running], job.memory_mb,
                                   pool.slots, self._memory_fits):
                break
            with job.lock:
                job.state, job.phase, job.started, job.engine = (
                    JobState.STARTING, Phase.IMPORTING, now, pool.engine)
                watchers = set(job.watchers)
            for session_id in watchers:  # a shared run is each watcher's turn
                self.served[session_id] = now
            running.append(job)
            starts.append((job, pool))
        # The next job should find TensorFlow imported: a running worker takes it after
        # its own job, unless that was its last; then a spare imports meanwhile.
        last = any(j.worker and j.worker.jobs_assigned >= pool.jobs_per_worker
                   for j in running)
        return Decision(starts, [], removals or [],
                        pool if len(waiting) > len(starts) and last else None)

    def _carry_out(self, decision: Decision) -> None:
        """What a decision asks for, outside the lock."""
        for worker in decision.stops or ():
            worker.stop()
        for folder in decision.removals or ():
            shutil.rmtree(folder, ignore_errors=True)
        for job, pool in decision.starts:
            self._start(job, pool)
        if decision.prewarm is not None:
            decision.prewarm.prewarm()

    def _start(self, job: Job, pool: WorkerPool) -> None:
        """Give a STARTING job a worker and its assignment; a Stop that came meanwhile
        cancels it before the worker is told anything."""
        try:
            worker = pool.take()
        except Exception as err:  # no process or actor could be started
            with job.lock:
                job.error = ErrorEvent("crash", f"no worker could start: {err}")
                job.end(JobState.FAILED)
            return self._on_end(job, None, pool)
        with job.lock:
            cancelled = job.stop_requested
            if not cancelled:
                job.worker = worker
        if cancelled:
            with job.lock:
                job.error = ErrorEvent("cancelled", "")
                job.end(JobState.STOPPED)
            return self._on_end(job, worker, pool, clean=True)

        def on_event(event, job=job) -> None:
            if job.handle(event):  # this event ended it
                with job.lock:
                    worker, job.worker = job.worker, None
                self._on_end(job, worker, pool)

        worker.assign(Assignment(job.config, str(job.out_dir)), on_event)
        with job.lock:
            job.assigned = True
            stop_now = job.stop_requested and job.worker is worker
        if stop_now:
            worker.stop()

    def _on_end(self, job: Job, worker, pool: WorkerPool, clean: bool | None = None) -> None:
        """A job has ended: its worker goes back, the next job starts, then a DONE run's
        files are copied into the library."""
        snapshot = job.snapshot()
        if worker is not None:
            worker.detach()
            pool.give_back(worker, snapshot.state in (JobState.DONE, JobState.STOPPED)
                           if clean is None else clean)
        with self.lock:
            self.timing.learn(snapshot, job.estimate_s)
            decision = self._decide()
            keep = {j.out_dir for j in self.jobs if j.origin == Origin.LIBRARY}
        self._carry_out(decision)  # the next job starts before the files are copied
        if snapshot.state == JobState.DONE:
            self.library.store(snapshot, keep)
        with self.lock:
            removals = self._release(job, None) if job in self.jobs else []
        self._carry_out(Decision(removals=removals))

    def _release(self, job: Job, session_id: str | None) -> list[Path]:
        """The session lets go of a job; nobody holding it, it goes, and the folder to
        remove with it is returned (call locked)."""
        if job.let_go(session_id) and not job.active:
            self.jobs.remove(job)
            if job.origin == Origin.TRAINED:  # a library entry's folder is the library's
                return [job.out_dir]
        return []
