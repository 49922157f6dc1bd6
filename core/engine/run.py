"""One or a few runs from a script, on the same engine the pages use: a manager for this
machine or a cluster, and a job followed to its end with its progress printed.

Used by the command line (`python -m core train`, `seed-runs`, `pretrain`).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from core.engine.contract import JobState
from core.engine.library import RunLibrary
from core.engine.manager import JobManager


def manager_for(ray_address: str | None = None, cpus: int = 2, gpus: float = 0.0,
                library: RunLibrary | None = None,
                report: Callable[[str], None] = print) -> JobManager:
    """A JobManager training here, or on the Ray cluster at `ray_address` when it answers
    (else here, after saying why)."""
    pool = None
    if ray_address:
        from core.engine.pool import reuse_from_env
        from core.engine.ray_backend import connect

        pool, problem = connect(ray_address, cpus, gpus, reuse_from_env())
        report(f"training on the Ray cluster at {ray_address}" if pool else
               f"the Ray cluster at {ray_address} did not answer ({problem}): training here")
    return JobManager(max_running=1, warm=True, library=library, pool=pool)


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
