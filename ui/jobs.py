"""Training jobs as the pages see them: submit one, how often to redraw it, and the one
line that says where it is. The training page and the transfer page both use these.
"""
from __future__ import annotations

import streamlit as st

from core import st_cache
from core.training.arrays import job_config
from core.training.contract import JOB_ERRORS, JobState, Phase, RunSettings, Snapshot
from core.training.job import Job
from core.training.progress import clock, progress

POLL_S = 0.5  # a running job's panel redraws twice a second
QUEUED_POLL_S = 2.0  # a job waiting in the queue: only its place changes, now and then


def submit(dataset, settings: RunSettings, group: str, t) -> Job:
    """Export the dataset's arrays for the settings' target (once per dataset and target)
    and queue the job for this session."""
    manager = st_cache.job_manager()
    with st.spinner(t("train.exporting")):
        config = job_config(dataset, settings, manager.root, st_cache.fingerprint(dataset))
    return manager.submit(st_cache.session_id(), config, group=group)


def poll_every(states) -> float | None:
    """How often a live panel redraws for jobs in these states: None once all ended.
    Waiting jobs redraw slowly, so a queue of students costs the server little."""
    active = [state for state in states if state.active]
    if not active:
        return None
    return QUEUED_POLL_S if all(state == JobState.QUEUED for state in active) else POLL_S


def jobs_ahead(job: Job) -> int:
    """Jobs that start before this queued one: those running and those ahead in the queue."""
    manager = st_cache.job_manager()
    position = manager.queue_position(job) or 1
    return len(manager.running()) + position - 1


def error_text(snapshot: Snapshot, t) -> str:
    """The sentence for a failed (or cancelled) job: what happened, and what to try."""
    error = snapshot.error
    code = error.code if error and error.code in JOB_ERRORS else "crash"
    return t(f"train.job_error.{code}", message=error.message if error else "",
             learning_rate=f"{snapshot.settings.learning_rate:g}")


def status_line(job: Job, snapshot: Snapshot, t) -> tuple[float, str]:
    """(fraction done, one line of text) for a job in any state: its place in the queue,
    its startup phase, epoch and batch with speed and time left, or how it ended."""
    where = progress(snapshot)
    state = snapshot.state
    if state == JobState.QUEUED:
        return 0.0, t("job.queued", ahead=jobs_ahead(job))
    if state.active and not where.steps:
        if snapshot.phase in (Phase.IMPORTING, Phase.PREPARING):
            return 0.0, t(f"train.phase.{snapshot.phase}")
        return 0.0, t("train.progress.waiting", elapsed=clock(where.elapsed))
    if state.active:
        rate = f"{where.images_per_s:,.0f}" if where.images_per_s else "?"
        return where.fraction, t("train.progress.text", epoch=where.epoch, epochs=where.epochs,
                                 step=where.step, steps=where.steps, rate=rate,
                                 elapsed=clock(where.elapsed), left=clock(where.left))
    if state == JobState.DONE:
        return 1.0, t("job.done", accuracy=100 * snapshot.test_accuracy,
                      elapsed=clock(where.elapsed))
    if state == JobState.STOPPED and snapshot.result:
        return where.fraction, t("job.stopped", epochs=len(snapshot.epochs))
    return where.fraction, error_text(snapshot, t)
