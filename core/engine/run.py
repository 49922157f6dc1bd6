"""Managers made from the settings, and runs followed from a script: the server's one
manager (core.st_cache), a manager for a script on this machine or a cluster, and a job
followed to its end with its progress printed (`python -m core train`, `seed-runs`).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from core.engine.contract import JobState
from core.engine.library import RunLibrary
from core.engine.manager import JobManager
from core.settings import ServerSettings


def server_manager(settings: ServerSettings,
                   session_alive: Callable[[str], bool] | None = None) -> JobManager:
    """The Streamlit server's one manager, as its settings say: its run library, slots,
    memory budget and workers, and the cluster it trains on once that answers."""
    from core.config import SHIPPED_RUNS
    from core.engine.ray_backend import attach

    library = RunLibrary(settings.library_dir, shipped=(SHIPPED_RUNS,),
                         max_bytes=settings.library_mb * 2**20)
    manager = JobManager(max_running=settings.max_jobs, session_alive=session_alive,
                         library=library, memory_budget_mb=settings.memory_mb,
                         jobs_per_worker=settings.jobs_per_worker,
                         orphan_grace=settings.orphan_grace_s,
                         live_filters=settings.live_filters)
    if settings.ray_address:  # train on the department's cluster once it answers
        attach(manager, settings)
    return manager


def manager_for(settings: ServerSettings, library: RunLibrary | None = None,
                report: Callable[[str], None] = print) -> JobManager:
    """A JobManager for a script, training one job at a time here, or on the settings'
    Ray cluster when it answers (else here, after saying why)."""
    pool = None
    if settings.ray_address:
        from core.engine.ray_backend import connect

        pool, problem = connect(settings.ray_address, settings.ray_cpus, settings.ray_gpus,
                                settings.jobs_per_worker, 1, settings.live_filters)
        report(f"training on the Ray cluster at {settings.ray_address}" if pool else
               f"the Ray cluster at {settings.ray_address} did not answer ({problem}): "
               "training here")
    return JobManager(max_running=1, warm=True, library=library, pool=pool,
                      jobs_per_worker=settings.jobs_per_worker,
                      memory_budget_mb=settings.memory_mb, live_filters=settings.live_filters)


def follow(job, report: Callable[[str], None] = print, name: str = "run") -> None:
    """Wait for a job to end, reporting its start (with the device) and every epoch;
    RuntimeError unless it ended done."""
    shown, started = 0, False
    while job.active or shown < len(job.epochs):
        time.sleep(0.2)
        snapshot = job.snapshot()
        if snapshot.start and not started:
            started = True
            report(f"{name}: {snapshot.start.train_size:,} training images, "
                   f"{snapshot.start.params:,} parameters, on {snapshot.start.device} "
                   f"({snapshot.engine})")
        for epoch in snapshot.epochs[shown:]:
            val = "" if epoch.val_accuracy is None else f", val accuracy {epoch.val_accuracy:.1%}"
            report(f"{name}: epoch {epoch.epoch + 1}/{snapshot.settings.epochs}, loss "
                   f"{epoch.loss:.3f}{val}, {epoch.t:.0f} s")
            shown += 1
    if job.state != JobState.DONE:
        raise RuntimeError(f"{name}: {job.state} ({job.error})")


def stored(library: RunLibrary, key: str, timeout: float = 60.0) -> Path:
    """The library folder of a job that has just ended DONE (stored as it ends)."""
    folder = library.writable / key
    deadline = time.monotonic() + timeout
    while not folder.is_dir() and time.monotonic() < deadline:
        time.sleep(0.2)
    return folder
