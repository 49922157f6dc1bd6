"""Steps 4 and 5: a new Dense head on the extractor, and the three arms compared.

The arms are three queued jobs of the training engine; `arms_live` redraws their
progress and their validation curves on shared axes in an `st.fragment` while any of
them runs (as ui.training.live does for one run). The jobs come from
core.transfer.lesson, the numbers and sentences from core.transfer.compare.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.data.files import atomic_write
from core.st_cache import job_manager, language
from core.training import evaluation
from core.training import figures as train_figures
from core.engine.contract import JobState, Snapshot
from core.engine.progress import clock
from core.transfer import compare as arm_compare
from core.transfer import lesson
from core.transfer.export import head_code
from ui import jobs
from ui.transfer import state

def head_ui(chosen: state.Extractor | None, n_classes: int, settings, t) -> None:
    """Step 4: what trains in each arm, counted before anything runs."""
    st.markdown(t("transfer.step4.why", n=n_classes))
    if chosen is None:
        st.caption(t("transfer.source.missing"))
        return
    params = lesson.recipe_params(chosen.info.layers, n_classes)
    rows = [(t("transfer.arm.scratch"), t("transfer.trains.scratch"), f"{params.scratch:,}"),
            (t("transfer.arm.frozen"), t("transfer.trains.frozen"), f"{params.frozen:,}"),
            (t("transfer.arm.finetune"), t("transfer.trains.finetune", head=settings.head_epochs),
             f"{params.frozen:,} → {params.finetune:,}")]
    frame = pd.DataFrame(rows, columns=[t("transfer.col.arm"), t("transfer.col.trains"),
                                        t("transfer.col.trainable")])
    st.table(frame.set_index(t("transfer.col.arm")))  # a static table: long cells wrap
    st.caption(t("transfer.step4.notice", extractor=f"{params.extractor:,}", head=f"{params.head:,}"))
    with st.expander(t("transfer.code"), icon=":material/code:"):
        st.code(head_code(settings, n_classes), language="python")


def start_arms(chosen: state.Extractor, dataset, settings, t) -> None:
    """Queue the three arms on a copy of the chosen extractor named by its contents: a
    new upload while the arms wait changes nothing, and classmates who reuse the same
    file (the bundled extractor) share the same arms."""
    sha256 = lesson.file_sha256(chosen.path)
    extractor = job_manager().root / "extractors" / f"{sha256}.keras"
    if not extractor.is_file():
        atomic_write(extractor, lambda out: out.write(chosen.path.read_bytes()))
    arms = lesson.arm_jobs(settings, str(extractor), sha256, chosen.info.layers,
                           len(dataset.fine_classes))
    seconds = lesson.lesson_seconds(settings, chosen.info.layers, len(dataset.x_train))
    state.remember_source(chosen.source)
    for arm, run in arms.items():
        state.remember(arm, jobs.submit(dataset, run, "transfer", t, estimate_s=seconds[arm]))


def _stop_all(arm_jobs: list) -> None:
    for job in arm_jobs:
        if job.active:
            jobs.stop(job)


def _chart(snapshots: dict[str, Snapshot], target: float, t) -> None:
    """Validation accuracy and loss per epoch, every arm on the same axes."""
    epochs = max(s.settings.epochs for s in snapshots.values())
    names = {arm: t(f"transfer.arm.{arm}") for arm in snapshots}
    frames = {arm: evaluation.epochs_frame(s.full_epochs) for arm, s in snapshots.items()}
    left, right = st.columns(2)
    for column, metric, scale in ((left, "val_accuracy", 100), (right, "val_loss", 1)):
        runs = [(names[arm], f["epoch"], f[metric] * scale) for arm, f in frames.items()]
        unit = t("train.axis.accuracy") if scale == 100 else t("train.axis.loss")
        fig = train_figures.overlay_figure(runs, {"x": t("train.axis.epoch"), "y": unit},
                                           smoothed=False,
                                           last_format="{:.1f}%" if scale == 100 else "{:.3f}")
        fig.update_xaxes(range=[0.5, epochs + 0.5], dtick=1 if epochs <= 20 else None)
        if scale == 100:
            fig.update_yaxes(range=[0, 100])
            fig.add_hline(y=100 * target, line_dash="dot", line_color="grey",
                          annotation_text=t("transfer.chart.target", target=f"{100 * target:.0f}"))
        else:
            fig.update_yaxes(rangemode="tozero")
        finetune = snapshots.get("finetune")
        head = finetune.settings.transfer.head_epochs if finetune else None
        if head and head < finetune.settings.epochs:
            fig.add_vline(x=head + 0.5, line_dash="dash", line_color="grey",
                          annotation_text=t("transfer.chart.unfreeze"))
        column.markdown(f"**{t(f'transfer.chart.{metric}')}**")
        column.plotly_chart(fig, key=f"transfer_chart_{metric}")


def arms_live(arm_jobs: dict, target: float, t) -> None:
    """Each arm's progress and the shared chart, redrawn while any arm is active."""
    every = jobs.poll_every([job.state for job in arm_jobs.values()])

    @st.fragment(run_every=every)
    def panel():
        snapshots = {arm: arm_jobs[arm].snapshot() for arm in lesson.ARMS if arm in arm_jobs}
        if every is not None and jobs.poll_every([s.state for s in snapshots.values()]) != every:
            st.rerun()  # the whole page: the results table and the buttons, or a faster redraw
        for arm, snapshot in snapshots.items():
            fraction, text = jobs.status_line(arm_jobs[arm], snapshot, t)
            about = jobs.about(snapshot, t)
            st.progress(fraction, text=f"**{t(f'transfer.arm.{arm}')}** · {text}"
                        + (f" · {about}" if about else ""))
        if any(s.active and s.state != JobState.STOPPING for s in snapshots.values()):
            st.button(t("transfer.stop"), key="transfer_stop", icon=":material/stop:",
                      on_click=_stop_all, args=(list(arm_jobs.values()),))
        if any(s.epochs for s in snapshots.values()):
            _chart(snapshots, target, t)

    panel()


def results_ui(arm_jobs: dict, pretrain_job, target: float, t) -> None:
    """The table and the generated sentences, once every arm has ended."""
    snapshots = {arm: job.snapshot() for arm, job in arm_jobs.items()}
    results = arm_compare.compare(snapshots, target)
    rows = [{
        "arm": t(f"transfer.arm.{arm}"),
        "test": None if r.test_accuracy is None else 100 * r.test_accuracy,
        "best": r.best_epoch, "best_val": None if r.best_val_accuracy is None
        else 100 * r.best_val_accuracy,
        "to_target": t("transfer.not_reached") if r.epochs_to_target is None
        else str(r.epochs_to_target), "seconds": clock(r.seconds) if r.seconds else "",
        "trainable": (f"{r.trainable:,}" if r.trainable is not None else "")
        + (f" → {r.trainable_after:,}" if r.trainable_after else "")}
        for arm, r in results.items()]
    number = lambda key, fmt: st.column_config.NumberColumn(t(f"transfer.col.{key}"), format=fmt)
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="transfer_results", column_config={
        "arm": t("transfer.col.arm"), "test": number("test", "%.1f%%"),
        "best": number("best", "%d"), "best_val": number("best_val", "%.1f%%"),
        "to_target": st.column_config.TextColumn(
            t("transfer.col.to_target", target=f"{100 * target:.0f}")),
        "seconds": st.column_config.TextColumn(t("transfer.col.seconds")),
        "trainable": t("transfer.col.trainable")})
    epochs = max(s.settings.epochs for s in snapshots.values())
    st.success("\n\n".join(arm_compare.summary(results, target, epochs, language())),
               icon=":material/insights:")
    try:
        common = lesson.shared([s.config for s in snapshots.values()])
        first = next(iter(snapshots.values())).start
        images = first.train_size if first else "?"
        st.caption(t("transfer.fair", images=images, seed=common["seed"],
                     epochs=common["epochs"], batch_size=common["batch_size"],
                     learning_rate=f"{common['learning_rate']:g}"))
    except ValueError:
        st.warning(t("transfer.unfair"), icon=":material/warning:")
    if state.arms_source() == "pretrained" and pretrain_job is not None and pretrain_job.epochs:
        st.caption(t("transfer.pretrain_cost", seconds=clock(pretrain_job.epochs[-1].t)))


def compare_ui(chosen, dataset, settings, lesson_jobs: dict, t) -> None:
    """Step 5: the target, the button, the live arms, then the table and sentences."""
    st.markdown(t("transfer.step5.why"))
    if dataset.synthetic:
        st.caption(t("transfer.expect.synthetic", **{
            arm: f"{100 * value:.0f}" for arm, value in lesson.EXPECTED_SYNTHETIC.items()}))
    st.session_state.setdefault("transfer_target", int(100 * lesson.DEFAULTS["target"]))
    target = st.slider(t("transfer.target"), 5, 95, step=5, key="transfer_target",
                       format="%d%%", help=t("transfer.target.help")) / 100
    busy = state.busy(lesson_jobs)
    if st.button(t("transfer.compare.start"), key="transfer_compare", type="primary",
                 icon=":material/play_arrow:", disabled=busy or chosen is None):
        start_arms(chosen, dataset, settings, t)
        st.rerun()
    arm_jobs = {arm: lesson_jobs[arm] for arm in lesson.ARMS if arm in lesson_jobs}
    if not arm_jobs:
        st.caption(t("transfer.compare.none"))
        return
    st.caption(t("transfer.compare.source",
                 source=t(f"transfer.source.{state.arms_source()}.short")))
    arms_live(arm_jobs, target, t)
    if not busy:  # as the buttons saw it; an arm ending now reruns the page from the fragment
        results_ui(arm_jobs, lesson_jobs.get("pretrain"), target, t)
