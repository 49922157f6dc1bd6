"""The explorer's first section: the two label levels, as the notebook's CSV columns hold them."""
from __future__ import annotations

import streamlit as st

from ui.explorer import cache
from ui.explorer.context import Explorer


def structure(page: Explorer) -> None:
    st.header(page.t("explorer.structure"))
    st.markdown(page.t("explorer.structure.why"))
    left, right = st.columns([1, 1])
    with left:
        st.plotly_chart(cache.structure_figure(page.fingerprint, page.dataset,
                                                  page.t("explorer.train_images")),
                        key="explorer_sunburst")
        st.caption(page.t("explorer.structure.notice"))
    with right:
        st.markdown(page.t("explorer.what_super"))
        st.dataframe(page.counts, hide_index=True, height=300, column_config={
            "train": st.column_config.NumberColumn(page.t("explorer.split.train")),
            "test": st.column_config.NumberColumn(page.t("explorer.split.test"))})
    st.subheader(page.t("explorer.labels"))
    st.markdown(page.t("explorer.labels.why"))
    left, right = st.columns([2, 3])
    with left:
        st.code("train_labels.head()", language="python")
        st.dataframe(page.dataset.train_labels.head(), width="content")
    with right:
        fine_code, super_code = page.dataset.encoding("fine"), page.dataset.encoding("super")
        table = {"fine_labels": list(fine_code), "fine": list(fine_code.values()),
                 "coarse_labels": [page.tree[f] for f in fine_code],
                 "super": [super_code[page.tree[f]] for f in fine_code]}
        st.dataframe(table, hide_index=True, column_config={
            "fine": st.column_config.NumberColumn(page.t("explorer.labels.fine_index")),
            "super": st.column_config.NumberColumn(page.t("explorer.labels.super_index"))})
        st.caption(page.t("explorer.labels.notice"))
