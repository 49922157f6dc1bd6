"""The dataset's status card: source, counts, classes, and how to get the real data."""
import streamlit as st

from core import config
from core.data.summary import DataSummary
from core.i18n import error_message
from core.st_cache import language, reload_default_data, server_settings
from ui import instructor


def show(dataset: DataSummary, t) -> None:
    """Where the data came from, how much there is, and its class tree."""
    st.markdown(t("status.source_line", source=t(f"source.{dataset.source}")))
    if dataset.synthetic:  # its detail is a generated description, not a path: translate it
        st.caption(t("status.detail.synthetic", seed=config.SYNTHETIC_SEED))
    elif dataset.detail:
        st.caption(t("status.detail", detail=dataset.detail))
    cols = st.columns(4)
    cols[0].metric(t("status.train"), f"{dataset.n_train:,}")
    cols[1].metric(t("status.test"), f"{dataset.n_test:,}")
    cols[2].metric(t("status.supers"), len(dataset.super_classes))
    cols[3].metric(t("status.fines"), len(dataset.fine_classes))
    if dataset.problem is not None:
        st.error(t("status.problem", message=error_message(dataset.problem, language())),
                 icon=":material/error:")
    if dataset.synthetic:
        st.info(t("status.synthetic_note"), icon=":material/science:")
    tree = dataset.fine_to_super
    for superclass in dataset.super_classes:
        fines = ", ".join(f for f in dataset.fine_classes if tree[f] == superclass)
        st.markdown(f"- **{superclass}**: {fines}")


def download_panel(t) -> None:
    """Download CIFAR-100 on request, with a progress bar, into data/ for every session."""
    with st.expander(t("download.title"), icon=":material/download:"):
        st.markdown(t("download.explain"))
        st.code("python -m core prepare-cifar", language="bash")
        if not instructor.may_act_for_everyone():  # it switches every session's dataset
            st.info(t("download.instructor_only"), icon=":material/lock:")
            return
        if not st.button(t("download.button"), key="home_download"):
            return
        from core.data import cifar
        from core.data.dataset import DataError

        bar = st.progress(0.0, text=t("download.starting"))

        def progress(done: int, total: int | None) -> None:
            if total:
                bar.progress(min(done / total, 1.0), text=t(
                    "download.progress", done=done / 2**20, total=total / 2**20))

        try:
            with st.spinner(t("download.working")):
                settings = server_settings()
                cifar.prepare(settings.data_dir, url=settings.cifar_url or cifar.OFFICIAL_URL,
                              md5=settings.cifar_md5 or cifar.OFFICIAL_MD5, progress=progress)
        except DataError as err:
            bar.empty()
            st.error(t("download.failed", message=error_message(err, language())),
                     icon=":material/error:")
            return
        reload_default_data()  # every session switches to the downloaded data
        st.success(t("download.done"), icon=":material/check_circle:")
        st.rerun()
