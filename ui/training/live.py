"""The run under way: startup phases, queue place, progress bar, live curves and Stop.

`live(job, t)` draws one job in an `st.fragment` that reruns every ui.jobs.POLL_S seconds
while the job is active, so only this part of the page redraws (charts keep their keys,
so they update in place). When the job ends the whole page reruns once to show results.
"""
from __future__ import annotations

import streamlit as st

from core import st_cache
from core.training import evaluation
from core.training import figures as train_figures
from core.engine.contract import PHASE_ORDER, JobState, Snapshot
from core.engine.progress import clock
from ui import jobs
from ui.training import replay
from ui.training import live_filters
from ui.training.runs import run_label


def _phases(snapshot: Snapshot, t) -> str:
    """'✓ Importing TensorFlow → ● Preparing data → ○ Training → ○ Saving'."""
    phase = snapshot.phase
    current = PHASE_ORDER.index(phase) if phase in PHASE_ORDER else len(PHASE_ORDER)
    parts = []
    for i, name in enumerate(PHASE_ORDER[1:], start=1):
        icon = (":material/check_circle:" if i < current else
                ":material/pending:" if i == current else ":material/radio_button_unchecked:")
        text = t(f"train.phase.{name}")
        parts.append(f"{icon} **{text}**" if i == current else f"{icon} {text}")
    return " → ".join(parts)


def _status(job, snapshot: Snapshot, t) -> None:
    if snapshot.state == JobState.QUEUED:
        start, end = st_cache.job_manager().forecast().get(job.id, (None, None))
        st.info(t("train.queued", ahead=jobs.jobs_ahead(job), start=clock(start),
                  end=clock(end)), icon=":material/hourglass_top:")
        return
    st.markdown(_phases(snapshot, t))
    if snapshot.import_seconds and snapshot.phase != "importing":
        st.caption(t("train.imported", seconds=f"{snapshot.import_seconds:.1f}"))
    if snapshot.state == JobState.STOPPING:
        st.warning(t("train.stopping"), icon=":material/front_hand:")
    fraction, text = jobs.status_line(job, snapshot, t)
    st.progress(fraction, text=text)


def _ended(snapshot: Snapshot, t) -> None:
    if snapshot.state == JobState.DONE:
        st.success(t("train.done", accuracy=100 * snapshot.test_accuracy),
                   icon=":material/check_circle:")
    elif snapshot.state == JobState.STOPPED and snapshot.result:
        st.info(t("train.stopped", epochs=len(snapshot.epochs),
                  accuracy=100 * snapshot.test_accuracy), icon=":material/stop_circle:")
    else:
        st.error(jobs.error_text(snapshot, t), icon=":material/error:")


@st.cache_resource(max_entries=64, show_spinner=False)
def _charts(moment: tuple, texts: tuple, _snapshot: Snapshot) -> tuple:
    """(batch loss figure or None, epoch figure or None) of a run at one `moment` (its id,
    counts and last records), built once for all who watch it: a class sharing a run
    reruns this panel for every watcher, and building the figures was most of a rerun."""
    texts = dict(texts)
    batches = epochs = None
    if _snapshot.batches:
        batches = train_figures.batch_loss_figure(
            evaluation.batches_frame(_snapshot.batches, _snapshot.steps),
            {"title": texts["batch_title"], "epoch": texts["epoch"], "loss": texts["loss"]})
    if _snapshot.epochs:
        epochs = train_figures.epoch_figure(evaluation.epochs_frame(_snapshot.epochs), texts)
    return batches, epochs


def curves(snapshot: Snapshot, t, key: str) -> None:
    """Per-batch loss and per-epoch loss/accuracy of one run (keys: key + _batches/_epochs)."""
    left, right = st.columns([2, 3])
    texts = {"batch_title": t("train.chart.batch_loss"), "epoch": t("train.axis.epoch"),
             "loss": t("train.axis.loss"), "accuracy": t("train.axis.accuracy"),
             "train": t("train.legend.train"), "val": t("train.legend.val"),
             "loss_title": t("train.chart.epoch_loss"),
             "accuracy_title": t("train.chart.epoch_accuracy")}
    moment = (snapshot.id, len(snapshot.batches), len(snapshot.epochs),
              repr(snapshot.batches[-1:]), repr(snapshot.epochs[-1:]))
    batches, epochs = _charts(moment, tuple(sorted(texts.items())), snapshot)
    if batches is not None:
        left.plotly_chart(batches, key=f"{key}_batches")
        if len(snapshot.epochs) >= 2:  # the steps show from the second epoch on
            left.caption(t("train.chart.batch_loss.why"))
    if epochs is not None:
        right.plotly_chart(epochs, key=f"{key}_epochs")
    elif snapshot.batches:
        right.caption(t("train.first_epoch"))


def live(job, t) -> None:
    """The latest run of this session, redrawn while it is active or being replayed."""
    snapshot = job.snapshot()
    crowd = snapshot.watchers  # as the page ran: a join or leave does not rerun every watcher
    every = jobs.poll_every([job.state], crowd)
    if every is None and replay.playing(snapshot):
        every = jobs.POLL_S

    @st.fragment(run_every=every)
    def panel():
        snapshot = job.snapshot()
        replayed = replay.playing(snapshot) if not snapshot.active else None
        wanted = jobs.poll_every([snapshot.state], crowd) or (jobs.POLL_S if replayed else None)
        if wanted != every:
            # Ended (results, the Start button, the run lists), left the queue, or a
            # replay began or finished: the fragment's timer is set when the page runs,
            # so the page runs again (a replay started inside a timerless fragment
            # would otherwise sit at 0:00 until something else reran the page).
            st.rerun()
        st.markdown(f"**{run_label(snapshot, t)}**")
        about = jobs.about(snapshot, t)
        if about:
            st.caption(about)
        if snapshot.active:
            _status(job, snapshot, t)
            st.button(t("train.stop"), key="train_stop", icon=":material/stop:",
                      disabled=snapshot.state == JobState.STOPPING,
                      on_click=jobs.stop, args=(job,))
        else:
            _ended(snapshot, t)
            replay.controls(snapshot, t)
        if replayed:
            snapshot, seconds = replayed
            st.progress(min(seconds / job.snapshot().batches[-1].t, 1.0),
                        text=t("train.replay.at", seconds=clock(seconds)))
        curves(snapshot, t, "train_live")
        live_filters.show(job.snapshot() if replayed else snapshot, t)  # features forming

    panel()
