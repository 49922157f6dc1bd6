"""Training jobs as the pages see them: submit one, how often to redraw it, and the one
line that says where it is. The training page and the transfer page both use these.
"""
from __future__ import annotations

import time

import streamlit as st

from core import st_cache
from core.training.arrays import job_config
from core.engine.contract import JOB_ERRORS, JobState, Phase, RunSettings, Snapshot
from core.engine.job import Job
from core.engine.progress import clock, progress

POLL_S = 0.5  # a running job's panel redraws twice a second
QUEUED_POLL_S = 2.0  # a job waiting in the queue: only its place changes, now and then
# A run a crowd watches (a class sharing the default run) redraws every CROWD_POLL_S for each
# of them: every redraw is a rerun on the server, and 12 watchers at 0.5 s took the other
# students' clicks to a p95 of 1.8 s (benchmarks/class_load.py --trainers 12).
CROWD, CROWD_POLL_S = 4, 2.0


NOTICE = "job_notice"  # session_state: job id -> how its Start was answered, shown once


def submit(dataset, settings: RunSettings, group: str, t,
           estimate_s: float | None = None) -> Job:
    """Export the dataset's arrays for the settings' target (once per dataset and target)
    and ask for the run: joined if a classmate's identical run is under way, opened from
    the library if it was trained before, else queued. Remembers how, for `notice`."""
    manager = st_cache.job_manager()
    with st.spinner(t("train.exporting")):
        config = job_config(dataset, settings, manager.root, st_cache.fingerprint(dataset))
    submitted = manager.submit(st_cache.session_id(), config, group=group,
                               estimate_s=estimate_s)
    st.session_state.setdefault(NOTICE, {})[submitted.job.id] = (
        submitted.how, [s.reason for s in submitted.skipped])
    return submitted.job


def notice(job: Job, t) -> None:
    """Once, after Start: that the run was shared or opened from the library, and any
    library entry that was refused."""
    how, skipped = st.session_state.get(NOTICE, {}).pop(job.id, (None, []))
    for reason in skipped:
        st.warning(t("job.library_skipped", reason=reason), icon=":material/report:")
    if how == "joined":
        st.info(t("job.joined"), icon=":material/group:")
    elif how == "library":
        st.success(t("job.from_library"), icon=":material/library_books:")
    elif how == "yours":
        st.info(t("job.yours"), icon=":material/history:")


LEFT = "job_left"  # session_state: classmates still watching the shared run this tab left


def stop(job: Job) -> None:
    """This session's Stop: it leaves the run, which goes on for classmates who watch it."""
    others = job.snapshot().watchers - 1
    st_cache.job_manager().leave(job, st_cache.session_id())
    if others > 0:
        st.session_state[LEFT] = others


def left_notice(t) -> None:
    """Once, after this tab's Stop left a shared run that goes on for others."""
    others = st.session_state.pop(LEFT, 0)
    if others:
        st.info(t("job.left", others=others), icon=":material/logout:")


def about(snapshot: Snapshot, t) -> str | None:
    """A line about who trains this run and where: shared with classmates, or an earlier
    identical run from the library, and the device it trained on."""
    parts = []
    opened = (snapshot.state == JobState.DONE  # from the library, or a run that had finished
              and st_cache.session_id() not in snapshot.trained_with)
    if opened and snapshot.ended:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(snapshot.ended))
        parts.append(t("job.library_run", when=when))
    elif snapshot.watchers > 1:
        parts.append(t("job.shared", others=snapshot.watchers - 1))
    device = snapshot.start.device if snapshot.start else None
    if snapshot.engine == "ray":  # where it trains is the point: a GPU box on its CPU shows
        parts.append(t("job.on_cluster", device=device or "…"))
    elif device and device != "CPU":
        parts.append(t("job.device", device=device))
    return " ".join(parts) or None


def engine_line(t) -> None:
    """Where runs train: on the cluster, or here because the cluster did not answer."""
    manager = st_cache.job_manager()
    if manager.engine_problem:
        st.warning(t("train.cluster_fallback", problem=manager.engine_problem),
                   icon=":material/cloud_off:")
    elif manager.pool.engine == "ray":
        st.caption(t("train.on_cluster"))


def poll_every(states, watchers: int = 1) -> float | None:
    """How often a live panel redraws for jobs in these states: None once all ended.
    Waiting jobs, and runs more than CROWD sessions watch, redraw slowly, so a queue or a
    class on one shared run costs the server little."""
    active = [state for state in states if state.active]
    if not active:
        return None
    if watchers > CROWD:
        return CROWD_POLL_S
    return QUEUED_POLL_S if all(state == JobState.QUEUED for state in active) else POLL_S


def jobs_ahead(job: Job) -> int:
    """Jobs that start before this queued one: those running and those ahead in the queue."""
    manager = st_cache.job_manager()
    position = manager.queue_position(job) or 1
    return len(manager.running()) + position - 1


def queue_text(job: Job, t) -> str:
    """'3 runs ahead of you: yours should start in about 1:20 and end in about 3:05.'"""
    manager = st_cache.job_manager()
    start, end = manager.forecast().get(job.id, (None, None))
    return t("job.queued", ahead=jobs_ahead(job), start=clock(start), end=clock(end))


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
        return 0.0, queue_text(job, t)
    if state.active and not (where.steps and snapshot.batches):
        if snapshot.phase in (Phase.IMPORTING, Phase.PREPARING):
            return 0.0, t(f"train.phase.{snapshot.phase}")
        return 0.0, t("train.progress.waiting", elapsed=clock(where.elapsed))
    if state.active:
        rate = f"{where.images_per_s:,.0f}" if where.images_per_s else "…"
        # Until a few batches have run, the time left is not known (the first one traces
        # the graph): say so rather than guess.
        key = "train.progress.text" if where.left is not None else "train.progress.text_early"
        return where.fraction, t(key, epoch=where.epoch, epochs=where.epochs,
                                 step=where.step, steps=where.steps, rate=rate,
                                 elapsed=clock(where.elapsed), left=clock(where.left))
    if state == JobState.DONE:  # its training time, as the results table shows it
        trained = snapshot.epochs[-1].t if snapshot.epochs else where.elapsed
        return 1.0, t("job.done", accuracy=100 * snapshot.test_accuracy, elapsed=clock(trained))
    if state == JobState.STOPPED and snapshot.result:
        return where.fraction, t("job.stopped", epochs=len(snapshot.epochs))
    return where.fraction, error_text(snapshot, t)
