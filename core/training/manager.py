"""The process-wide job manager: a FIFO queue, a running limit, a warm worker, a reaper.

One instance lives in the Streamlit server (`core.st_cache.job_manager`). Everything
here is plain Python and threads; tests drive it directly.
"""
from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from core import config as app_config
from core.training.contract import Assignment, ErrorEvent, JobConfig, JobState, Phase
from core.training.job import Job
from core.training.process import WorkerProcess

DEFAULT_MAX_RUNNING = 1  # one job trains at a time on a 2-core machine; the rest queue
KEEP_ENDED = 10  # ended runs a session keeps per page (its compare list); older ones go
ORPHAN_GRACE_S = app_config.ORPHAN_GRACE_S  # a session gone this long loses its running jobs
FORGET_AFTER_S = 300.0  # ... and this long, its ended runs (Streamlit keeps a closed
#                         session for 2 minutes, so one that can still come back keeps them)
REAP_EVERY_S = 2.0  # how often the reaper looks for orphans and dead workers
STOP_KILL_S = 20.0  # a worker that ignores Stop this long is killed


ROOT_PREFIX = "cnnlab-jobs-"  # a server's folder for its jobs' data and models, in /tmp
OWNER_FILE = "server.pid"  # in that folder: the server process that owns it


def remove_stale_roots(parent: Path | None = None) -> list[Path]:
    """Delete the job folders of servers that are gone (killed, crashed, restarted): their
    models and arrays would otherwise fill the disk, one set per restart."""
    removed = []
    for folder in Path(parent or tempfile.gettempdir()).glob(f"{ROOT_PREFIX}*"):
        try:
            owner = int((folder / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not ours to judge: no owner recorded
        if owner != os.getpid() and not _process_exists(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def max_running_from_env(default: int = DEFAULT_MAX_RUNNING) -> int:
    """CNNLAB_MAX_JOBS if it is a positive integer, else the default."""
    try:
        value = int(os.environ.get("CNNLAB_MAX_JOBS", default))
    except ValueError:
        return default
    return value if value > 0 else default


class JobManager:
    """Submit, queue, run, stop and reap training jobs."""

    def __init__(self, max_running: int = DEFAULT_MAX_RUNNING, warm: bool = True,
                 root: Path | None = None,
                 session_alive: Callable[[str], bool] | None = None,
                 orphan_grace: float = ORPHAN_GRACE_S, forget_after: float = FORGET_AFTER_S,
                 keep_ended: int = KEEP_ENDED):
        self.max_running = max_running
        self.keep_ended = keep_ended
        self.warm_enabled = warm
        if root is None:
            remove_stale_roots()
            root = tempfile.mkdtemp(prefix=ROOT_PREFIX)
            (Path(root) / OWNER_FILE).write_text(str(os.getpid()))
        self.root = Path(root)
        self.session_alive = session_alive or (lambda session_id: True)
        self.orphan_grace = orphan_grace
        self.forget_after = max(forget_after, orphan_grace)
        self.jobs: list[Job] = []
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self._warm: WorkerProcess | None = None
        self._gone_since: dict[str, float] = {}
        self._closed = threading.Event()
        threading.Thread(target=self._reap_loop, daemon=True).start()

    # --- what pages call -----------------------------------------------------------
    def submit(self, session_id: str, config: JobConfig, group: str = "train") -> Job:
        """Queue a job; it starts as soon as a running slot is free.

        A session keeps its newest `keep_ended` ended jobs of each `group` (a page's runs);
        older ones are dropped with their files, so memory and disk stay bounded however
        many runs a student starts.
        """
        with self.lock:
            job_id = next(self._ids)
            out_dir = self.session_dir(session_id) / f"job-{job_id}"
            job = Job(job_id, session_id, config, out_dir, group=group)
            self.jobs.append(job)
            self._prune(session_id, group)
            self._schedule()
        return job

    def stop(self, job: Job) -> None:
        """Stop a job: a queued one is dropped, a running one ends within one batch."""
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

    def queue_position(self, job: Job) -> int | None:
        """1 for the next job to start, 2 for the one after, ...; None if not waiting."""
        with self.lock:
            waiting = self.queued()
        return waiting.index(job) + 1 if job in waiting else None

    def jobs_of(self, session_id: str) -> list[Job]:
        with self.lock:
            return [j for j in self.jobs if j.session_id == session_id]

    def session_dir(self, session_id: str) -> Path:
        """A folder of this session's own; its name is a hash, never user input."""
        import hashlib

        name = hashlib.sha256(session_id.encode()).hexdigest()[:24]
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path

    def prewarm(self) -> None:
        """Start a worker importing TensorFlow now, so the next job starts at once."""
        with self.lock:
            if self.warm_enabled and (self._warm is None or not self._warm.alive()):
                self._warm = WorkerProcess()

    def running(self) -> list[Job]:
        with self.lock:
            return [j for j in self.jobs if j.state.running]

    def queued(self) -> list[Job]:
        """Jobs waiting for a worker, in the order they will start."""
        with self.lock:
            return [j for j in self.jobs if j.state == JobState.QUEUED]

    def _prune(self, session_id: str, group: str) -> None:
        ended = [j for j in self.jobs_of(session_id) if j.group == group and not j.active]
        for job in ended[:max(len(ended) - self.keep_ended, 0)]:
            self.jobs.remove(job)
            shutil.rmtree(job.out_dir, ignore_errors=True)

    # --- scheduling ----------------------------------------------------------------
    def _schedule(self) -> None:
        with self.lock:
            free = self.max_running - len(self.running())
            for job in self.queued()[:max(free, 0)]:
                self._start(job)

    def _take_worker(self) -> WorkerProcess:
        warm, self._warm = self._warm, None
        if warm is not None and warm.alive():
            return warm
        return WorkerProcess()

    def _start(self, job: Job) -> None:
        worker = self._take_worker()
        with job.lock:
            job.state, job.phase, job.started, job.worker = (
                JobState.STARTING, Phase.IMPORTING, time.time(), worker)

        def on_event(event, job=job) -> None:
            job.handle(event)
            if not job.active:
                self._on_end(job)

        worker.attach(on_event)
        worker.assign(Assignment(job.config, str(job.out_dir)))

    def _on_end(self, job: Job) -> None:
        with self.lock:
            worker, job.worker = job.worker, None
            self._schedule()
            if self.warm_enabled and not self.queued():
                threading.Thread(target=self._finish_worker_then_warm, args=(worker,),
                                 daemon=True).start()

    def _finish_worker_then_warm(self, worker: WorkerProcess | None) -> None:
        if worker is not None:
            worker.retire()  # its memory goes back before the next worker starts
        if not self._closed.is_set():
            self.prewarm()

    # --- reaping -------------------------------------------------------------------
    def _reap_loop(self) -> None:
        while not self._closed.wait(REAP_EVERY_S):
            try:
                self.reap()
            except Exception:  # one bad pass must not end reaping for the server's life
                import traceback

                traceback.print_exc()

    def reap(self) -> None:
        """Stop jobs whose session is gone, then forget the session (its jobs, models and
        histories); kill workers that ignore Stop."""
        now = time.time()
        with self.lock:
            jobs = list(self.jobs)
        gone, forgotten = set(), set()
        for session_id in {job.session_id for job in jobs}:
            if self.session_alive(session_id):
                self._gone_since.pop(session_id, None)
                continue
            away = now - self._gone_since.setdefault(session_id, now)
            if away >= self.orphan_grace:
                gone.add(session_id)
            if away >= self.forget_after:
                forgotten.add(session_id)
        for job in jobs:
            if job.session_id in gone and job.active:
                self.stop(job)
            worker = job.worker
            if job.state == JobState.STOPPING and worker and now - job.stop_at > STOP_KILL_S:
                worker.kill()  # its exit ends the job as stopped
        for session_id in forgotten:
            if not any(j.active for j in self.jobs_of(session_id)):
                self.forget_session(session_id)
                self._gone_since.pop(session_id, None)

    def forget_session(self, session_id: str) -> None:
        """Drop an ended session's jobs and files (its models and histories)."""
        with self.lock:
            for job in self.jobs_of(session_id):
                if job.active:
                    self.stop(job)
            self.jobs = [j for j in self.jobs if j.session_id != session_id or j.active]
        shutil.rmtree(self.session_dir(session_id), ignore_errors=True)

    def shutdown(self) -> None:
        self._closed.set()
        with self.lock:
            for job in self.jobs:
                if job.active:
                    self.stop(job)
            warm, self._warm = self._warm, None
        if warm:
            warm.retire()
