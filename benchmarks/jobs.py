"""Jobs for the benchmarks: a layer stack's settings, submitted like a page submits them."""
from __future__ import annotations

import time

from core.training.arrays import job_config
from core.engine.contract import JobState, RunSettings
from core.engine.manager import JobManager


def stack_settings(layers, **changes) -> RunSettings:
    """A superclass job of `layers` at the training page's defaults, with `changes`."""
    settings = dict(model="calculator", target="super", input_shape=(32, 32, 3),
                    layers=tuple(layers), n_classes=3, epochs=2, batch_size=200,
                    optimizer="adam", learning_rate=1e-3, validation_split=0.1, seed=0)
    return RunSettings(**dict(settings, **changes))


def run(manager: JobManager, dataset, settings: RunSettings, session: str = "benchmark"):
    """Submit, wait for the end, and check that the job trained every epoch."""
    job = manager.submit(session, job_config(dataset, settings, manager.root)).job
    wait([job])
    return job


def wait(jobs) -> None:
    while any(job.active for job in jobs):
        time.sleep(0.2)
    for job in jobs:
        assert job.state == JobState.DONE, job.error
