"""Data explorer: the lab's section 0. What the images and their two label levels look like.

Widgets and layout only: sampling, statistics and figures come from core.data.explore,
core.data.figures and the cached loaders in core.st_cache. No TensorFlow here.
"""
import streamlit as st

from core.data import explore
from core import st_cache
from core.data.explore import ALL, CHANNELS
from ui.explorer import upload as course_upload

SPLITS = ("train", "test")
CLOSE_UP_INDEX = 6  # the notebook looks at train[6] first
BIG = 8  # the mean image of the statistics section: 32x32 shown as 256x256
TILE = 32 * explore.GALLERY_SCALE  # gallery tiles, in screen pixels: never rescaled
# Browsers smooth an image they scale (zoom, HiDPI screens); keep the pixels square.
CRISP = "<style>[data-testid='stImage'] img {image-rendering: pixelated;}</style>"

t = st_cache.translator()
dataset = st_cache.active_dataset()
fingerprint = st_cache.fingerprint(dataset)
counts = st_cache.class_counts(fingerprint, dataset)  # one row per fine class
tree = dict(zip(counts.fine_labels, counts.coarse_labels))  # fine class -> superclass
state = st.session_state
relabel = state.get("explorer_lang") != st_cache.language()  # the language just changed
state["explorer_lang"] = st_cache.language()


def keep_valid(key: str, options, default) -> None:
    """Reset a selection the current dataset no longer offers; re-send it after a language
    switch (a keyed selectbox in the browser would go on showing the old language's label)."""
    if state.get(key) not in options:
        state[key] = default
    elif relabel:
        state[key] = state[key]


def split_control(key: str) -> str:
    keep_valid(key, SPLITS, "train")
    return st.segmented_control(t("explorer.split"), SPLITS, key=key, required=True,
                                format_func=lambda s: t(f"explorer.split.{s}"))


def axes() -> tuple[str, str]:
    return t("explorer.axis_x"), t("explorer.axis_y")


def channel_titles() -> tuple[str, str, str]:
    return tuple(t(f"explorer.channel.{c}") for c in CHANNELS)


def class_caption(index: int, fine: str, superclass: str) -> str:
    return f"#{index} {fine} / {superclass}"


def structure() -> None:
    st.header(t("explorer.structure"))
    st.markdown(t("explorer.structure.why"))
    left, right = st.columns([1, 1])
    with left:
        st.plotly_chart(st_cache.structure_figure(fingerprint, dataset,
                                                  t("explorer.train_images")),
                        key="explorer_sunburst")
        st.caption(t("explorer.structure.notice"))
    with right:
        st.markdown(t("explorer.what_super"))
        st.dataframe(counts, hide_index=True, height=300, column_config={
            "train": st.column_config.NumberColumn(t("explorer.split.train")),
            "test": st.column_config.NumberColumn(t("explorer.split.test"))})
    st.subheader(t("explorer.labels"))
    st.markdown(t("explorer.labels.why"))
    left, right = st.columns([2, 3])
    with left:
        st.code("train_labels.head()", language="python")
        st.dataframe(dataset.train_labels.head(), width="content")
    with right:
        fine_code, super_code = dataset.encoding("fine"), dataset.encoding("super")
        table = {"fine_labels": list(fine_code), "fine": list(fine_code.values()),
                 "coarse_labels": [tree[f] for f in fine_code],
                 "super": [super_code[tree[f]] for f in fine_code]}
        st.dataframe(table, hide_index=True, column_config={
            "fine": st.column_config.NumberColumn(t("explorer.labels.fine_index")),
            "super": st.column_config.NumberColumn(t("explorer.labels.super_index"))})
        st.caption(t("explorer.labels.notice"))


def _draw_another() -> None:
    state["explorer_seed"] = int(state.get("explorer_seed") or 0) + 1


def _look_closer(split: str) -> None:
    picked = state.get("explorer_gallery_pick")
    if picked is not None:
        state["explorer_close_split"], state["explorer_index"] = split, int(picked)
        state["explorer_gallery_pick"] = None  # a jump, not a lasting selection


def gallery() -> None:
    st.header(t("explorer.gallery"))
    st.markdown(t("explorer.gallery.why"))
    cols = st.columns([1.2, 2, 2, 1, 1.8], vertical_alignment="bottom")
    with cols[0]:
        split = split_control("explorer_gallery_split")
    supers = (ALL,) + dataset.super_classes
    keep_valid("explorer_super", supers, ALL)
    superclass = cols[1].selectbox(t("explorer.superclass"), supers, key="explorer_super",
                                   format_func=lambda s: s or t("explorer.all_supers"))
    fines = (ALL,) + tuple(f for f in dataset.fine_classes
                           if superclass == ALL or tree[f] == superclass)
    keep_valid("explorer_fine", fines, ALL)
    fine = cols[2].selectbox(t("explorer.fine_class"), fines, key="explorer_fine",
                             format_func=lambda f: f or t("explorer.all_fines"))
    state.setdefault("explorer_seed", 0)
    seed = cols[3].number_input(t("explorer.seed"), min_value=0, step=1, key="explorer_seed")
    cols[4].button(t("explorer.draw"), key="explorer_draw", on_click=_draw_another,
                   icon=":material/casino:")
    labels = dataset.labels(split)
    shown = explore.sample_gallery(labels, superclass, fine, seed=int(seed))
    if not len(shown):
        st.info(t("explorer.gallery.empty"))
        return
    st.image(st_cache.image_tiles(fingerprint, dataset, split, tuple(int(i) for i in shown)),
             caption=[class_caption(i, labels.fine_labels.iat[i], labels.coarse_labels.iat[i])
                      for i in shown], output_format="PNG", width=TILE)
    st.caption(t("explorer.gallery.notice", shown=len(shown),
                 total=len(explore.select(labels, superclass, fine))))
    st.pills(t("explorer.gallery.pick"), [int(i) for i in shown], key="explorer_gallery_pick",
             format_func=lambda i: f"#{i}", on_change=_look_closer, args=(split,))


def close_up() -> None:
    st.header(t("explorer.close_up"))
    st.markdown(t("explorer.close_up.why"))
    cols = st.columns([1, 1, 3], vertical_alignment="bottom")
    with cols[0]:
        split = split_control("explorer_close_split")
    last = len(dataset.images(split)) - 1
    if not isinstance(state.get("explorer_index"), int) or not 0 <= state["explorer_index"] <= last:
        state["explorer_index"] = min(CLOSE_UP_INDEX, last)
    index = cols[1].number_input(t("explorer.index", last=last), min_value=0, max_value=last,
                                 step=1, key="explorer_index")
    image, row = dataset.images(split)[index], dataset.labels(split).iloc[index]
    cols[2].code(f"{split}[{index}]    # shape {image.shape}, dtype {image.dtype}",
                 language="python")
    fine_index = dataset.encoding("fine")[row.fine_labels]
    super_index = dataset.encoding("super")[row.coarse_labels]
    image_fig, channels_fig = st_cache.close_up_figures(fingerprint, dataset, split, int(index),
                                                        axes(), channel_titles())
    left, right = st.columns([1, 1])
    with left:
        st.plotly_chart(image_fig, key="explorer_close_image")
    with right:
        st.markdown(t("explorer.close_up.labels", split=split, index=index,
                      fine=row.fine_labels, fine_index=fine_index,
                      superclass=row.coarse_labels, super_index=super_index))
        st.markdown(t("explorer.why_shape"))
    st.subheader(t("explorer.channels"))
    st.markdown(t("explorer.what_channel"))
    st.plotly_chart(channels_fig, key="explorer_channels")
    st.caption(t("explorer.channels.notice"))


def statistics() -> None:
    st.header(t("explorer.stats"))
    st.markdown(t("explorer.stats.why"))
    cols = st.columns([1, 3], vertical_alignment="bottom")
    with cols[0]:
        split = split_control("explorer_stats_split")
    options = (ALL,) + dataset.fine_classes
    keep_valid("explorer_stats_class", options, ALL)
    fine = cols[1].selectbox(t("explorer.stats.of"), options, key="explorer_stats_class",
                             format_func=lambda f: f"{f} / {tree[f]}" if f
                             else t("explorer.all_images"))
    stats = st_cache.channel_stats(fingerprint, dataset, split, fine)
    if stats.count == 0:
        st.info(t("explorer.gallery.empty"))
        return
    left, right = st.columns([1, 2])
    with left:
        st.image(explore.upscale(explore.to_uint8(stats.mean_image), BIG), output_format="PNG",
                 caption=t("explorer.stats.mean_image", count=stats.count), width=32 * BIG)
    with right:
        value_axes = t("explorer.axis_value"), t("explorer.axis_pixels")
        st.plotly_chart(st_cache.histogram_figure(fingerprint, dataset, split, fine, value_axes,
                                                  channel_titles()), key="explorer_histogram")
    table = stats.table()
    table["channel"] = channel_titles()
    st.dataframe(table, hide_index=True, key="explorer_stats_table", column_config={
        "channel": t("explorer.stats.channel"),
        "mean": st.column_config.NumberColumn(t("explorer.stats.mean"), format="%.2f"),
        "std": st.column_config.NumberColumn(t("explorer.stats.std"), format="%.2f"),
        "mean / 255": st.column_config.NumberColumn(format="%.4f"),
        "std / 255": st.column_config.NumberColumn(format="%.4f")})
    mean, std = (", ".join(f"{v:.1f}" for v in values) for values in (stats.mean, stats.std))
    st.markdown(t("explorer.stats.normalise"))
    st.code(f"x = (x - np.array([{mean}])) / np.array([{std}])", language="python")
    st.subheader(t("explorer.stats.class_means"))
    st.image(st_cache.class_mean_tiles(fingerprint, dataset, split),
             caption=list(dataset.fine_classes), output_format="PNG", width=TILE)
    st.caption(t("explorer.stats.class_means.notice"))


st.html(CRISP)
st.title(t("explorer.title"))
st.markdown(t("explorer.intro"))
if dataset.synthetic:
    st.info(t("explorer.synthetic"), icon=":material/science:")
course_upload.panel(dataset, t)
structure()
gallery()
close_up()
statistics()
