"""The explorer's gallery: a sample of images by class, crisp, each a click from a close-up."""
from __future__ import annotations

import streamlit as st

from ui.explorer import cache
from core.data import explore
from core.data.explore import ALL
from ui.explorer.context import Explorer, class_caption, keep_valid, split_control

TILE = 32 * explore.GALLERY_SCALE  # gallery tiles, in screen pixels: never rescaled


def _draw_another() -> None:
    st.session_state["explorer_seed"] = int(st.session_state.get("explorer_seed") or 0) + 1


def _look_closer(split: str) -> None:
    picked = st.session_state.get("explorer_gallery_pick")
    if picked is not None:
        st.session_state["explorer_close_split"] = split
        st.session_state["explorer_index"] = int(picked)
        st.session_state["explorer_gallery_pick"] = None  # a jump, not a lasting selection


def gallery(page: Explorer) -> None:
    st.header(page.t("explorer.gallery"))
    st.markdown(page.t("explorer.gallery.why"))
    cols = st.columns([1.6, 2, 2, 1, 1.4], vertical_alignment="bottom")  # fits "학습 | 테스트"
    with cols[0]:
        split = split_control(page, "explorer_gallery_split")
    supers = (ALL,) + page.dataset.super_classes
    keep_valid("explorer_super", supers, ALL)
    superclass = cols[1].selectbox(page.t("explorer.superclass"), supers, key="explorer_super",
                                   format_func=lambda s: s or page.t("explorer.all_supers"))
    fines = (ALL,) + tuple(f for f in page.dataset.fine_classes
                           if superclass == ALL or page.tree[f] == superclass)
    keep_valid("explorer_fine", fines, ALL)
    fine = cols[2].selectbox(page.t("explorer.fine_class"), fines, key="explorer_fine",
                             format_func=lambda f: f or page.t("explorer.all_fines"))
    st.session_state.setdefault("explorer_seed", 0)
    seed = cols[3].number_input(page.t("explorer.seed"), min_value=0, step=1, key="explorer_seed")
    cols[4].button(page.t("explorer.draw"), key="explorer_draw", on_click=_draw_another,
                   icon=":material/casino:")
    labels = page.dataset.labels(split)
    shown = explore.sample_gallery(labels, superclass, fine, seed=int(seed))
    if not len(shown):
        st.info(page.t("explorer.gallery.empty"))
        return
    tiles = cache.image_tiles(page.fingerprint, page.dataset, split,
                                 tuple(int(i) for i in shown))
    st.image(tiles,
             caption=[class_caption(i, labels.fine_labels.iat[i], labels.coarse_labels.iat[i])
                      for i in shown], output_format="PNG", width=TILE)
    st.caption(page.t("explorer.gallery.notice", shown=len(shown),
                      total=len(explore.select(labels, superclass, fine))))
    st.pills(page.t("explorer.gallery.pick"), [int(i) for i in shown], key="explorer_gallery_pick",
             format_func=lambda i: f"#{i}", on_change=_look_closer, args=(split,))
