"""The process-wide job manager: shared runs, the run library, a fair queue, and the workers
that train what starts.

One instance lives in the Streamlit server (`core.st_cache.job_manager`); scripts and
tests make their own. `submit` gives a session the one job of its run (JobConfig.key):
a queued or running job is joined, one that finished here or in the run library is
opened, and only a new run is queued. Queued jobs start in core.engine.queue's order
while the pool has a free slot and the next one fits in memory.

One lock (`self.lock`) guards the jobs list and every decision about it: who joins,
what starts, what stops; what carries a decision out runs after it is released
(core.engine.scheduler). Each Job guards its own fields with its own lock, taken after
the manager's, never before. The sessions (core.engine.sessions), the pools
(core.engine.workers) and the library have locks of their own and never call back in
here. docs/ARCHITECTURE.md tells the whole story.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from core.engine import memory
from core.engine.contract import ErrorEvent, JobConfig, JobState
from core.engine.folders import new_root
from core.engine.job import Job
from core.engine.library import RunLibrary, Skipped
from core.engine.local import LocalPool
from core.engine.reaper import Reaper
from core.engine.scheduler import Decision, Scheduler
from core.engine.sessions import Sessions
from core.engine.workers import JOBS_PER_WORKER, WorkerPool

KEEP_ENDED = 10  # ended runs a session keeps per page (its compare list); older ones go
ORPHAN_GRACE_S = 30.0  # a session gone this long stops watching (core.settings)
FORGET_AFTER_S = 300.0  # ... and this long, it loses its ended runs (Streamlit keeps a
#                         closed session for 2 minutes, so one that can still come back keeps them)


@dataclass(frozen=True)
class Submitted:
    job: Job
    how: str  # "new": queued; "joined": an identical run under way; "library": opened
    #           finished (from the run library, or trained here before); "yours": this
    #           session has it already
    skipped: tuple[Skipped, ...] = ()  # library entries of this run that were refused


class JobManager(Scheduler):
    """Submit, share, queue, run, stop and reap training jobs."""

    def __init__(self, max_running: int = 2, warm: bool = True, root: Path | None = None,
                 session_alive: Callable[[str], bool] | None = None,
                 orphan_grace: float = ORPHAN_GRACE_S, forget_after: float = FORGET_AFTER_S,
                 keep_ended: int = KEEP_ENDED, library: RunLibrary | None = None,
                 jobs_per_worker: int = JOBS_PER_WORKER, pool: WorkerPool | None = None,
                 memory_budget_mb: float = memory.BUDGET_MB, live_filters: bool = True,
                 threads: int | None = None):
        self.root = Path(root) if root is not None else new_root()
        super().__init__(LocalPool(max_running, warm, jobs_per_worker, threads, live_filters),
                         pool, memory_budget_mb, Sessions(self.root, session_alive),
                         library or RunLibrary(None))
        self.keep_ended = keep_ended
        self._ids = itertools.count(1)
        self.reaper = Reaper(self, orphan_grace, forget_after)

    # --- what pages call -----------------------------------------------------------
    def submit(self, session_id: str, config: JobConfig, group: str = "train",
               estimate_s: float | None = None) -> Submitted:
        """This run for this session: joined if it is queued, training or finished here,
        opened from the library if it finished before, else queued.

        What is slow (the library's checks, the memory estimate) runs first, outside the
        lock; the look for the same run and the insertion of a new one are one step under
        it, so classmates who press Start at the same instant get one job. A session
        keeps its newest `keep_ended` ended jobs of each `group` (a page's runs)."""
        key = config.key()
        with self.lock:
            joined = self._join(session_id, key)
        if joined is not None:
            return joined
        found, skipped = self.library.find(config)
        memory_mb = memory.job_mb(config) if found is None else 0.0  # reads an extractor
        with self.lock:
            joined = self._join(session_id, key, tuple(skipped))
            if joined is None:
                job_id = next(self._ids)
                if found is not None:
                    job = Job.from_library(job_id, session_id, config, group, found)
                else:
                    job = Job(job_id, config, self.root / "runs" / f"job-{job_id}",
                              [session_id], {session_id}, group=group,
                              estimate_s=estimate_s, memory_mb=memory_mb)
                self.jobs.append(job)
                decision = self._decide(self._prune(session_id, group))
        if joined is not None:
            return joined
        self._carry_out(decision)
        return Submitted(job, "library" if found else "new", tuple(skipped))

    def _join(self, session_id: str, key: str, skipped=()) -> Submitted | None:
        """The session joins the one job of this run, if there is one (call locked)."""
        same = next((j for j in self.jobs if j.key == key
                     and (j.active or j.state == JobState.DONE)), None)
        if same is None:
            return None
        if same.held_by(session_id):
            return Submitted(same, "yours", skipped)
        same.join(session_id)
        return Submitted(same, "joined" if same.active else "library", skipped)

    def leave(self, job: Job, session_id: str) -> None:
        """This session's Stop: it stops watching and drops the run; the run goes on for
        the others who watch it, and stops when nobody does."""
        with self.lock:
            decision = self._leave(job, session_id)
        self._carry_out(decision)

    def _leave(self, job: Job, session_id: str) -> Decision:
        return Decision() if job.unwatch(session_id) else self._stop(job)

    def stop(self, job: Job) -> None:
        """Stop a job for everyone: a queued one is dropped, a running one ends within a batch."""
        with self.lock:
            decision = self._stop(job)
        self._carry_out(decision)

    def _stop(self, job: Job) -> Decision:
        worker = None
        with job.lock:
            job.stop_requested = True
            job.stop_at = job.stop_at or time.time()
            if job.state == JobState.QUEUED:
                job.error = ErrorEvent("cancelled", "")
                job.end(JobState.STOPPED)
            elif job.state in (JobState.STARTING, JobState.RUNNING):
                job.state = JobState.STOPPING
                worker = job.worker if job.assigned else None  # else its start sends it
        decision = self._decide()
        decision.stops += [worker] if worker else []
        return decision

    def queue_position(self, job: Job) -> int | None:
        """1 for the next job to start, 2 for the one after, ...; None if not waiting."""
        waiting = self.queued()
        return waiting.index(job) + 1 if job in waiting else None

    def jobs_of(self, session_id: str) -> list[Job]:
        with self.lock:
            return [j for j in self.jobs if j.held_by(session_id)]

    def prewarm(self) -> None:
        """Start a worker importing TensorFlow now, so the next job starts at once."""
        self.pool.prewarm()

    # --- sessions that hold runs --------------------------------------------------------
    def _prune(self, session_id: str, group: str) -> list[Path]:
        ended = [j for j in self.jobs_of(session_id) if j.group == group and not j.active]
        removals = []
        for job in ended[:max(len(ended) - self.keep_ended, 0)]:
            removals += self._release(job, session_id)
        return removals

    def reattach(self, token: str, session_id: str) -> dict | None:
        """After a refresh: this session takes over the runs of the session that had
        `token`; the memo of what its pages remembered, or None for an unknown token."""
        taken = self.sessions.take_over(token, session_id)
        if taken is None:
            return None
        old, memo = taken
        with self.lock:
            for job in self.jobs:
                job.hand_over(old, session_id)
        return memo

    def sessions_holding(self) -> set[str]:
        """Every session that lists a run (for the reaper)."""
        with self.lock:
            jobs = list(self.jobs)
        return {s for job in jobs for s in job.holders_now()}

    def leave_all(self, session_id: str) -> None:
        """The session stops watching every run it watches (its tab has closed)."""
        with self.lock:
            decisions = [self._leave(j, session_id) for j in self.jobs
                         if j.watched_by(session_id)]
        for decision in decisions:
            self._carry_out(decision)

    def watches_any(self, session_id: str) -> bool:
        with self.lock:
            return any(j.watched_by(session_id) for j in self.jobs)

    def forget_session(self, session_id: str) -> None:
        """Drop an ended session's hold on its runs, and its own files (uploads)."""
        self.leave_all(session_id)
        with self.lock:
            removals = [f for job in list(self.jobs) if job.held_by(session_id)
                        for f in self._release(job, session_id)]
            self.served.pop(session_id, None)
        self._carry_out(Decision(removals=removals))
        self.sessions.forget(session_id)

    def kill_stuck(self, after_s: float) -> None:
        """Kill the workers of jobs that have ignored Stop for `after_s` seconds; their
        exit ends the jobs as stopped."""
        now = time.time()
        with self.lock:
            stuck = [j.worker for j in self.jobs if j.state == JobState.STOPPING
                     and j.worker and now - (j.stop_at or now) > after_s]
        for worker in stuck:
            worker.kill()

    def shutdown(self) -> None:
        self.reaper.close()
        with self.lock:
            self.closing = True
            decisions = [self._stop(j) for j in self.jobs if j.active]
        for decision in decisions:
            self._carry_out(decision)
        self.pool.close()
        if self.pool is not self.local_pool:
            self.local_pool.close()
