"""Step 1: pretrain the extractor with a superclass head, live, or skip to a bundled one.

The run itself is drawn by the training page's live panel (ui.training.live): phases,
queue place, progress, Stop and the curves.
"""
from __future__ import annotations

import streamlit as st

from core import st_cache
from core.stack import presets
from core.transfer import lesson
from ui import jobs
from ui.training import live as train_live
from ui.transfer import state


def _use_bundled() -> None:
    st.session_state[state.WANTED_KEY] = "bundled"


def bundled_ui(dataset, t) -> None:
    """Offer the bundled extractor trained on this very dataset, or say why there is none."""
    extractor = state.bundled_extractor(dataset)
    if extractor is not None:
        meta = extractor.meta
        st.info(t("transfer.bundled.offer", width=meta.get("width", "?"),
                  epochs=meta.get("epochs", "?"),
                  accuracy=100 * float(meta.get("test_accuracy", 0)),
                  date=meta.get("date", "?")), icon=":material/inventory_2:")
        if "bundled" in (st.session_state.get(state.WANTED_KEY),
                         st.session_state.get("transfer_source")):
            st.success(t("transfer.bundled.in_use"), icon=":material/check_circle:")
        else:
            st.button(t("transfer.bundled.use"), key="transfer_use_bundled",
                      icon=":material/bolt:", on_click=_use_bundled)
        return
    _, other = state.bundled(dataset)
    if other:
        names = ", ".join(f"{path.name} ({meta.get('source', '?')}, "
                          f"{meta.get('fingerprint', '?')})" for path, meta in other)
        st.caption(t("transfer.bundled.mismatch", fingerprint=st_cache.fingerprint(dataset),
                     names=names))
    else:
        st.caption(t("transfer.bundled.none"))


def pretrain_ui(dataset, settings: lesson.Settings, lesson_jobs: dict, t) -> None:
    st.markdown(t("transfer.step1.why", width=settings.width,
                  epochs=settings.pretrain_epochs))
    bundled_ui(dataset, t)
    busy = state.busy(lesson_jobs)
    if st.button(t("transfer.pretrain.start", width=settings.width), key="transfer_pretrain",
                 type="primary", icon=":material/play_arrow:", disabled=busy):
        seconds = lesson.lesson_seconds(settings, presets.shared_extractor(settings.width),
                                        len(dataset.x_train))["pretrain"]
        job = jobs.submit(dataset, lesson.pretrain_job(settings), "transfer", t,
                          estimate_s=seconds)
        state.remember("pretrain", job)
        st.session_state[state.WANTED_KEY] = "pretrained"
        st.rerun()
    if busy:
        st.caption(t("transfer.busy"))
    job = lesson_jobs.get("pretrain")
    if job is None:
        st.caption(t("transfer.pretrain.none"))
    else:
        jobs.notice(job, t)
        train_live.live(job, t)
