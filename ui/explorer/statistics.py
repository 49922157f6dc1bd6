"""Pixel statistics of a split or one class: mean image, histograms, the numbers for
normalising, and every class's mean image."""
from __future__ import annotations

import streamlit as st

from ui.explorer import cache
from core.data import explore
from core.data.explore import ALL
from ui.explorer.context import Explorer, keep_valid, split_control
from ui.explorer.gallery import TILE

BIG = 8  # the mean image: 32x32 shown as 256x256


def statistics(page: Explorer) -> None:
    st.header(page.t("explorer.stats"))
    st.markdown(page.t("explorer.stats.why"))
    cols = st.columns([1, 3], vertical_alignment="bottom")
    with cols[0]:
        split = split_control(page, "explorer_stats_split")
    options = (ALL,) + page.dataset.fine_classes
    keep_valid("explorer_stats_class", options, ALL)
    fine = cols[1].selectbox(page.t("explorer.stats.of"), options, key="explorer_stats_class",
                             format_func=lambda f: f"{f} / {page.tree[f]}" if f
                             else page.t("explorer.all_images"))
    count = len(explore.select(page.dataset.labels(split), fine_class=fine))
    with st.spinner(page.t("explorer.computing", count=count)):  # the first time: seconds
        stats = cache.channel_stats(page.fingerprint, page.dataset, split, fine)
    if stats.count == 0:
        st.info(page.t("explorer.gallery.empty"))
        return
    left, right = st.columns([1, 2])
    with left:
        st.image(explore.upscale(explore.to_uint8(stats.mean_image), BIG), output_format="PNG",
                 caption=page.t("explorer.stats.mean_image", count=stats.count), width=32 * BIG)
    with right:
        value_axes = page.t("explorer.axis_value"), page.t("explorer.axis_pixels")
        st.plotly_chart(cache.histogram_figure(page.fingerprint, page.dataset, split, fine,
                                                  value_axes, page.channel_titles()),
                        key="explorer_histogram")
        st.caption(page.t("explorer.stats.spikes"))
    table = stats.table()
    table["channel"] = page.channel_titles()
    st.dataframe(table, hide_index=True, key="explorer_stats_table", column_config={
        "channel": page.t("explorer.stats.channel"),
        "mean": st.column_config.NumberColumn(page.t("explorer.stats.mean"), format="%.2f"),
        "std": st.column_config.NumberColumn(page.t("explorer.stats.std"), format="%.2f"),
        "mean / 255": st.column_config.NumberColumn(page.t("explorer.stats.mean_01"),
                                                    format="%.4f"),
        "std / 255": st.column_config.NumberColumn(page.t("explorer.stats.std_01"),
                                                   format="%.4f")})
    mean, std = (", ".join(f"{v:.1f}" for v in values) for values in (stats.mean, stats.std))
    st.markdown(page.t("explorer.stats.normalise"))
    st.code(f"x = (x - np.array([{mean}])) / np.array([{std}])", language="python")
    st.subheader(page.t("explorer.stats.class_means"))
    with st.spinner(page.t("explorer.computing", count=len(page.dataset.images(split)))):
        tiles = cache.class_mean_tiles(page.fingerprint, page.dataset, split)
    st.image(tiles, caption=list(page.dataset.fine_classes), output_format="PNG", width=TILE)
    st.caption(page.t("explorer.stats.class_means.notice"))
    if page.dataset.synthetic:  # its averages are grey: say why, and what CIFAR's show
        st.info(page.t("explorer.stats.class_means.synthetic"), icon=":material/science:")
