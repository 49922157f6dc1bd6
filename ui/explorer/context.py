"""What every section of the data explorer reads: the dataset, its class tree, the
session's language, and the small widgets the sections share."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd
import streamlit as st

from core import st_cache
from ui.explorer import cache
from core.data.dataset import Dataset
from core.data.explore import CHANNELS
from ui.language import relabel_after_switch

SPLITS = ("train", "test")
# Choice widgets whose option labels are translated (see ui.language).
TRANSLATED_CHOICES = ("explorer_gallery_split", "explorer_close_split", "explorer_stats_split",
                      "explorer_super", "explorer_fine", "explorer_stats_class")


@dataclass(frozen=True)
class Explorer:
    t: Callable[..., str]
    dataset: Dataset
    fingerprint: str  # the cache key of everything computed from the dataset
    counts: pd.DataFrame  # one row per fine class: train and test images
    tree: dict[str, str]  # fine class -> superclass

    def axes(self) -> tuple[str, str]:
        return self.t("explorer.axis_x"), self.t("explorer.axis_y")

    def channel_titles(self) -> tuple[str, str, str]:
        return tuple(self.t(f"explorer.channel.{c}") for c in CHANNELS)


def explorer() -> Explorer:
    """This session's explorer, its translated choices set again after a language switch."""
    relabel_after_switch("explorer", TRANSLATED_CHOICES)
    dataset = st_cache.active_dataset()
    fingerprint = st_cache.fingerprint(dataset)
    counts = cache.class_counts(fingerprint, dataset)
    return Explorer(st_cache.translator(), dataset, fingerprint, counts,
                    dict(zip(counts.fine_labels, counts.coarse_labels)))


def keep_valid(key: str, options, default) -> None:
    """Reset a selection the current dataset no longer offers (another upload)."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def split_control(page: Explorer, key: str) -> str:
    keep_valid(key, SPLITS, "train")
    return st.segmented_control(page.t("explorer.split"), SPLITS, key=key, required=True,
                                format_func=lambda s: page.t(f"explorer.split.{s}"))


def class_caption(index: int, fine: str, superclass: str) -> str:
    return f"#{index} {fine} / {superclass}"
