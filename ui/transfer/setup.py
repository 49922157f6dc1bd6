"""The lesson's shared settings: one set of widgets, so every job uses the same values.

`settings_ui` returns a core.transfer.lesson.Settings; the width preset chooses the
extractor for pretraining (the notebook's 128 filters, or the demo's 16 that runs the
whole lesson in class), the rest is shared by pretraining and the three arms.
"""
from __future__ import annotations

import streamlit as st

from core import st_cache
from core.stack import presets
from core.transfer import lesson
from core.engine.progress import clock
from ui.training.setup import caps_caption

DEFAULT_KEYS = ("pretrain_epochs", "epochs", "batch_size", "seed", "head_epochs",
                "finetune_learning_rate")


def _defaults() -> None:
    state = st.session_state
    if state.get("transfer_width") not in lesson.WIDTHS:
        state["transfer_width"] = lesson.DEFAULTS["width"]
    for name in DEFAULT_KEYS:
        state.setdefault(f"transfer_{name}", lesson.DEFAULTS[name])


def settings_ui(t, train_images: int) -> lesson.Settings:
    """The widgets, the estimated time of the whole lesson, and the Settings they make."""
    _defaults()
    preset = st.radio(t("transfer.width"), tuple(lesson.WIDTHS), key="transfer_width",
                      horizontal=True, help=t("transfer.width.help"),
                      format_func=lambda p: t(f"transfer.width.{p}", n=lesson.WIDTHS[p]))
    cols = st.columns(6)
    max_images, max_epochs = st_cache.class_caps()
    most = max_epochs or 200  # the class's cap, or what a demo can ever finish
    for key in ("transfer_pretrain_epochs", "transfer_epochs", "transfer_head_epochs"):
        st.session_state[key] = min(st.session_state[key], most)
    pretrain_epochs = cols[0].number_input(t("transfer.pretrain_epochs"), 1, most, step=1,
                                           key="transfer_pretrain_epochs")
    epochs = cols[1].number_input(t("transfer.epochs"), 1, most, step=1, key="transfer_epochs",
                                  help=t("transfer.epochs.help"))
    batch_size = cols[2].number_input(t("train.batch_size"), 1, 2048, step=10,
                                      key="transfer_batch_size", help=t("train.help.batch"))
    seed = cols[3].number_input(t("train.seed"), 0, 2**31 - 1, step=1, key="transfer_seed",
                                help=t("transfer.seed.help"))
    head_epochs = cols[4].number_input(t("transfer.head_epochs"), 1, most, step=1,
                                       key="transfer_head_epochs",
                                       help=t("transfer.head_epochs.help"))
    finetune_lr = cols[5].number_input(t("transfer.finetune_lr"), 1e-6, 1e-2, step=1e-5,
                                       format="%.5f", key="transfer_finetune_learning_rate",
                                       help=t("transfer.finetune_lr.help"))
    settings = lesson.Settings(width=lesson.WIDTHS[preset], pretrain_epochs=int(pretrain_epochs),
                               epochs=int(epochs), batch_size=int(batch_size), seed=int(seed),
                               head_epochs=int(head_epochs),
                               finetune_learning_rate=float(finetune_lr),
                               max_images=max_images)
    if settings.head_epochs >= settings.epochs:
        st.warning(t("transfer.head_epochs.too_many", head=settings.head_epochs,
                     epochs=settings.epochs), icon=":material/warning:")
    seconds = lesson.lesson_seconds(settings, presets.shared_extractor(settings.width),
                                    train_images)
    # Each job as this server has measured jobs to take: its start-up, and the plan's
    # estimate scaled by how fast training really went here (core.engine.queue.Timing).
    expected = {job: st_cache.job_manager().timing.expected(s) for job, s in seconds.items()}
    st.caption(t("transfer.estimate", pretrain=clock(expected["pretrain"]),
                 arms=clock(sum(expected[a] for a in lesson.ARMS)),
                 total=clock(sum(expected.values()))))
    caps_caption(t)
    return settings
