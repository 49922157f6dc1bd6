"""One image up close: its labels, its shape and dtype, its three colour channels."""
from __future__ import annotations

import streamlit as st

from ui.explorer import cache
from ui.explorer.context import Explorer, split_control

CLOSE_UP_INDEX = 6  # the notebook looks at train[6] first


def close_up(page: Explorer) -> None:
    st.header(page.t("explorer.close_up"))
    st.markdown(page.t("explorer.close_up.why"))
    cols = st.columns([1, 1, 3], vertical_alignment="bottom")
    with cols[0]:
        split = split_control(page, "explorer_close_split")
    last = len(page.dataset.images(split)) - 1
    index = st.session_state.get("explorer_index")
    if not isinstance(index, int) or not 0 <= index <= last:
        st.session_state["explorer_index"] = min(CLOSE_UP_INDEX, last)
    index = cols[1].number_input(page.t("explorer.index", last=last), min_value=0, max_value=last,
                                 step=1, key="explorer_index")
    image, row = page.dataset.images(split)[index], page.dataset.labels(split).iloc[index]
    cols[2].code(f"{split}[{index}]    # shape {image.shape}, dtype {image.dtype}",
                 language="python")
    fine_index = page.dataset.encoding("fine")[row.fine_labels]
    super_index = page.dataset.encoding("super")[row.coarse_labels]
    image_fig, channels_fig = cache.close_up_figures(
        page.fingerprint, page.dataset, split, int(index), page.axes(), page.channel_titles())
    left, right = st.columns([1, 1])
    with left:
        st.plotly_chart(image_fig, key="explorer_close_image")
    with right:
        st.markdown(page.t("explorer.close_up.labels", split=split, index=index,
                           fine=row.fine_labels, fine_index=fine_index,
                           superclass=row.coarse_labels, super_index=super_index))
        st.markdown(page.t("explorer.why_shape"))
    st.subheader(page.t("explorer.channels"))
    st.markdown(page.t("explorer.what_channel"))
    st.plotly_chart(channels_fig, key="explorer_channels")
    st.caption(page.t("explorer.channels.notice"))
