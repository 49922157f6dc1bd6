"""The process-wide job manager: shared runs, the run library, a fair queue, a worker pool,
and a reaper.

One instance lives in the Streamlit server (`core.st_cache.job_manager`); tests drive it
directly. `submit` first looks for the same run (JobConfig.key): a queued or running one
is joined, a finished one is opened from the library, and only a new run is queued.
Queued jobs start in core.engine.queue's order while fewer than `max_running` train;
workers come from core.engine.pool. Sessions whose tab closed stop watching; a run
nobody watches stops. docs/ARCHITECTURE.md tells the whole story.
"""
from __future__ import annotations

import itertools
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from core import config as app_config
from core.engine import memory, queue
from core.engine.contract import (
    Assignment, ErrorEvent, JobConfig, JobState, Phase,
)
from core.engine.folders import new_root, session_dir
from core.engine.job import Job, Origin
from core.engine.library import RunLibrary, Skipped
from core.engine.pool import WorkerPool, reuse_from_env
from core.engine.reaper import Reaper
from core.engine.sessions import SessionTokens

# Two jobs train at once, each with TensorFlow threads for every CPU: on 2 cores that
# finishes a queue of stride runs in 0.71 of the time one at a time takes, and a run
# alone keeps its full speed (benchmarks/parallel_jobs.py, README "Measured"). A second
# job starts only if it fits the memory budget beside the first (core.engine.memory):
# two super-model jobs do not fit a Community Cloud container.
DEFAULT_MAX_RUNNING = 2
KEEP_ENDED = 10  # ended runs a session keeps per page (its compare list); older ones go
ORPHAN_GRACE_S = app_config.ORPHAN_GRACE_S  # a session gone this long stops watching
FORGET_AFTER_S = 300.0  # ... and this long, it loses its ended runs (Streamlit keeps a
#                         closed session for 2 minutes, so one that can still come back keeps them)


@dataclass(frozen=True)
class Submitted:
    job: Job
    how: str  # "new": queued; "joined": an identical run under way; "library": opened
    skipped: tuple[Skipped, ...] = ()  # library entries of this run that were refused


class JobManager:
    """Submit, share, queue, run, stop and reap training jobs."""

    def __init__(self, max_running: int = DEFAULT_MAX_RUNNING, warm: bool = True,
                 root: Path | None = None,
                 session_alive: Callable[[str], bool] | None = None,
                 orphan_grace: float = ORPHAN_GRACE_S, forget_after: float = FORGET_AFTER_S,
                 keep_ended: int = KEEP_ENDED, library: RunLibrary | None = None,
                 jobs_per_worker: int | None = None, pool=None,
                 memory_budget_mb: float | None = None):
        self.max_running = self.local_max_running = max_running
        self.memory_budget_mb = memory_budget_mb or memory.budget_mb()
        self.keep_ended = keep_ended
        self.root = Path(root) if root is not None else new_root()
        self.library = library or RunLibrary(None)
        self.local_pool = WorkerPool(warm, None, jobs_per_worker or reuse_from_env())
        self.pool = pool or self.local_pool  # a cluster's (core.engine.ray_backend), or ours
        self.engine_problem: str | None = None  # why training fell back from the cluster
        self.session_alive = session_alive or (lambda session_id: True)
        self.jobs: list[Job] = []
        self.priority: set[str] = set()  # the instructor's sessions: their runs go first
        self.served: dict[str, float] = {}  # session -> when one of its jobs last started
        self.timing = queue.Timing()  # measured start-up and speed, for forecasts
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self.tokens = SessionTokens()  # a tab's runs survive a refresh (sessions.py)
        self.reaper = Reaper(self, orphan_grace, forget_after)

    # --- what pages call -----------------------------------------------------------
    def submit(self, session_id: str, config: JobConfig, group: str = "train",
               estimate_s: float | None = None) -> Submitted:
        """This run for this session: joined if it is queued or training, opened from the
        library if it has finished before, else queued.

        A session keeps its newest `keep_ended` ended jobs of each `group` (a page's runs);
        older ones are dropped, and their files once no session holds them.
        """
        key = config.key()
        with self.lock:
            same = next((j for j in self.jobs if j.active and j.key == key), None)
            if same is not None:
                with same.lock:
                    same.watchers.add(session_id)
                    if session_id not in same.holders:
                        same.holders.append(session_id)
                return Submitted(same, "joined")
        found, skipped = self.library.find(config)
        memory_mb = memory.job_mb(config) if found is None else 0.0  # reads an extractor
        with self.lock:
            job_id = next(self._ids)
            if found is not None:
                job = Job.from_library(job_id, session_id, config, group, found)
            else:
                job = Job(job_id, config, self.root / "runs" / f"job-{job_id}", [session_id],
                          {session_id}, group=group, estimate_s=estimate_s,
                          memory_mb=memory_mb)
            self.jobs.append(job)
            self._prune(session_id, group)
            self._schedule()
        return Submitted(job, "library" if found else "new", tuple(skipped))

    def leave(self, job: Job, session_id: str) -> None:
        """This session's Stop: it stops watching and drops the run; the run goes on for
        the others who watch it, and stops when nobody does."""
        with self.lock:
            with job.lock:
                job.watchers.discard(session_id)
                others = bool(job.watchers)
                if others and session_id in job.holders:
                    job.holders.remove(session_id)
            if not others:
                self.stop(job)

    def stop(self, job: Job) -> None:
        """Stop a job for everyone: a queued one is dropped, a running one ends within a batch."""
        with self.lock, job.lock:
            job.stop_requested = True
            job.stop_at = job.stop_at or time.time()
            if job.state == JobState.QUEUED:
                job.error = ErrorEvent("cancelled", "")
                job.end(JobState.STOPPED)
            elif job.state in (JobState.STARTING, JobState.RUNNING):
                job.state = JobState.STOPPING
                if job.worker:
                    job.worker.send("stop")
        self._schedule()

    def set_priority(self, session_id: str, on: bool) -> None:
        """The instructor's lane: this session's runs start before the queue's."""
        with self.lock:
            (self.priority.add if on else self.priority.discard)(session_id)

    def queued(self) -> list[Job]:
        """Jobs waiting for a worker, in the order they will start."""
        with self.lock:
            waiting = [j for j in self.jobs if j.state == JobState.QUEUED and j.lead]
            return queue.order(waiting, self.served, self.priority)

    def running(self) -> list[Job]:
        with self.lock:
            return [j for j in self.jobs if j.state.running]

    def queue_position(self, job: Job) -> int | None:
        """1 for the next job to start, 2 for the one after, ...; None if not waiting."""
        waiting = self.queued()
        return waiting.index(job) + 1 if job in waiting else None

    def expected_seconds(self, job: Job) -> float:
        return self.timing.expected(job.estimate_s)

    def forecast(self) -> dict[int, tuple[float, float]]:
        """job id -> (start, end) in seconds from now, for every queued job."""
        waiting, running = self.queued(), self.running()
        times = self.timing.forecast([(j.snapshot(), j.estimate_s) for j in running],
                                     [j.estimate_s for j in waiting], self.max_running,
                                     self._memory_fits, [j.memory_mb for j in running],
                                     [j.memory_mb for j in waiting])
        return {job.id: when for job, when in zip(waiting, times)}

    def jobs_of(self, session_id: str) -> list[Job]:
        with self.lock:
            return [j for j in self.jobs if session_id in j.holders]

    def session_dir(self, session_id: str) -> Path:
        return session_dir(self.root, session_id)

    def prewarm(self) -> None:
        """Start a worker importing TensorFlow now, so the next job starts at once."""
        self.pool.prewarm()

    def _prune(self, session_id: str, group: str) -> None:
        ended = [j for j in self.jobs_of(session_id) if j.group == group and not j.active]
        for job in ended[:max(len(ended) - self.keep_ended, 0)]:
            self._release(job, session_id)

    def _release(self, job: Job, session_id: str | None) -> None:
        """The session lets go of a job; nobody holding it, it goes with its files."""
        with job.lock:
            if session_id in job.holders:
                job.holders.remove(session_id)
            job.watchers.discard(session_id)
            unheld = not job.holders
        if unheld and not job.active:
            self.jobs.remove(job)
            if job.origin == Origin.TRAINED:  # a library entry's folder is the library's
                shutil.rmtree(job.out_dir, ignore_errors=True)

    # --- scheduling ----------------------------------------------------------------
    def _memory_fits(self, running_mb: list[float], next_mb: float) -> bool:
        """Whether a job may start beside these: a cluster's memory is not this server's."""
        return self.pool is not self.local_pool or memory.fits(
            running_mb, next_mb, self.memory_budget_mb)

    def _schedule(self) -> None:
        """Start queued jobs in their order while a slot is free and the next one fits in
        memory beside the jobs training; one that does not fit holds back the ones
        behind it, so a big model is never passed over for ever."""
        with self.lock:
            running, waiting, started = self.running(), self.queued(), 0
            for job in waiting:
                if not queue.may_start([j.memory_mb for j in running], job.memory_mb,
                                       self.max_running, self._memory_fits):
                    break
                self._start(job)
                running.append(job)
                started += 1
            # The next job should find TensorFlow imported: a running worker takes it after
            # its own job, unless that was its last; then a spare imports meanwhile.
            if len(waiting) > started and any(
                    j.worker and j.worker.jobs_assigned >= self.pool.jobs_per_worker
                    for j in self.running()):
                self.pool.prewarm()

    def _start(self, job: Job) -> None:
        if self.pool is not self.local_pool and getattr(self.pool, "broken", None):
            self.engine_problem = self.pool.broken  # the cluster is gone: train here
            self.pool, self.max_running = self.local_pool, self.local_max_running
        worker = self.pool.take()
        job.engine = getattr(self.pool, "engine", "local")
        for session_id in job.watchers:  # a shared run is each watcher's turn
            self.served[session_id] = time.time()
        with job.lock:
            job.state, job.phase, job.started, job.worker = (
                JobState.STARTING, Phase.IMPORTING, time.time(), worker)

        def on_event(event, job=job) -> None:
            job.handle(event)
            if not job.active:
                self._on_end(job)

        worker.assign(Assignment(job.config, str(job.out_dir)), on_event)

    def _on_end(self, job: Job) -> None:
        snapshot = job.snapshot()
        with self.lock:
            worker, job.worker = job.worker, None
            if worker is not None:
                worker.detach()
                self.pool.give_back(worker, snapshot.state in (JobState.DONE, JobState.STOPPED))
            self.timing.learn(snapshot, job.estimate_s)
            self._schedule()  # the next job starts before the files are copied
            keep = {j.out_dir for j in self.jobs if j.origin == Origin.LIBRARY}
        if snapshot.state == JobState.DONE:
            self.library.store(snapshot, keep)
        with self.lock:
            if not job.holders and job in self.jobs:  # everyone left while it stopped
                self._release(job, None)

    def reap(self) -> None:
        self.reaper.reap()

    def reattach(self, token: str, session_id: str) -> dict | None:
        """After a refresh: this session takes over the runs of the session that had
        `token`; the memo of what its pages remembered, or None for an unknown token."""
        with self.lock:
            old = self.tokens.take_over(token, session_id)
            if old is None:
                return None
            for job in self.jobs_of(old):
                with job.lock:
                    job.holders[job.holders.index(old)] = session_id
                    if old in job.watchers:
                        job.watchers.discard(old)
                        job.watchers.add(session_id)
            return self.tokens.memos[token]

    def forget_session(self, session_id: str) -> None:
        """Drop an ended session's hold on its runs, and its own files (uploads)."""
        self.tokens.forget(session_id)
        with self.lock:
            for job in self.jobs_of(session_id):
                if session_id in job.watchers:
                    self.leave(job, session_id)
                self._release(job, session_id)
            self.priority.discard(session_id)
            self.served.pop(session_id, None)
        shutil.rmtree(self.session_dir(session_id), ignore_errors=True)

    def shutdown(self) -> None:
        self.reaper.close()
        with self.lock:
            for job in self.jobs:
                if job.active:
                    self.stop(job)
        self.pool.close()
