"""Features forming, on the live panel: the first layer's filters and one test image's feature
maps before training and after the latest epoch, as the worker sent them
(core.training.live_filters, a FiltersEvent in the job's Snapshot).

The live panel reruns twice a second for every watcher, so the pictures are PNG bytes
encoded once per job and epoch and shared (cached), not Plotly charts rebuilt, nor arrays
that Streamlit would encode again on every rerun.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from core import st_cache
from core.data.explore import png, upscale
from core.engine.contract import FiltersEvent, Snapshot
from core.training.figures import mosaic
from core.training.forward_figures import colour, scale_of
from core.training.live_filters import weight_change
from ui.explorer.cache import image_tiles

FILTER_PIXELS = 8  # a 3x3 kernel drawn 24x24
FILTER_COLUMNS = 16
MAP_COLUMNS = 8


def _tiles(event: FiltersEvent) -> np.ndarray:
    """(F, k_h, k_w, 3) kernels, each stretched to its own 0..1 (as Look inside shows them)."""
    kernel = np.asarray(event.kernels, dtype=float).reshape(event.kernel_shape)
    tiles = np.moveaxis(kernel, -1, 0)
    if tiles.shape[-1] != 3:  # not an RGB input (a stack starting otherwise): grey tiles
        tiles = np.repeat(tiles.mean(axis=-1, keepdims=True), 3, axis=-1)
    low = tiles.min(axis=(1, 2, 3), keepdims=True)
    span = tiles.max(axis=(1, 2, 3), keepdims=True) - low
    return (tiles - low) / np.where(span > 0, span, 1)


@st.cache_data(max_entries=32, show_spinner=False)
def _pictures(job_id: int, epoch: int, which: str, _event: FiltersEvent):
    """(filters PNG, maps PNG, low, high) of one event: drawn once per job, epoch and
    which ("first" or "latest"); the event itself is not hashed."""
    grid = mosaic(_tiles(_event), FILTER_COLUMNS, gap=1, fill=1.0)
    filters = upscale((grid * 255).round().astype(np.uint8), FILTER_PIXELS)
    maps = np.moveaxis(np.asarray(_event.maps, dtype=float).reshape(_event.map_shape), -1, 0)
    size = _event.map_shape[0]
    picture = colour(mosaic(maps, MAP_COLUMNS, gap=max(1, size // 8)), scale_of(maps))
    factor = max(1, 64 // size)  # a map at least 64 pixels high
    return png(filters), png(upscale(picture, factor)), float(maps.min()), float(maps.max())


def _column(column, title: str, event: FiltersEvent, snapshot: Snapshot, which: str, t,
            change: float | None = None) -> None:
    filters, maps, low, high = _pictures(snapshot.id, event.epoch, which, event)
    column.markdown(f"**{title}**")
    caption = t("inside.live.filters", shown=event.kernel_shape[-1], total=event.filters,
                layer=event.layer)
    if change is not None:
        caption += " · " + t("inside.live.change", change=f"{100 * change:.1f}")
    column.image(filters, output_format="PNG", caption=caption)
    column.image(maps, output_format="PNG", caption=t(
        "inside.live.maps", shown=event.map_shape[-1], index=event.image_index,
        low=f"{low:.3g}", high=f"{high:.3g}"))


def show(snapshot: Snapshot, t) -> None:
    """Before training and after the latest epoch, side by side; nothing for a run that
    sent none (a run from the library, a model without Conv2D)."""
    first, latest = snapshot.first_filters, snapshot.filters
    if latest is None:
        if snapshot.active:
            st.caption(t("inside.live.waiting"))
        return
    st.subheader(t("inside.live.title"))
    k = "x".join(map(str, latest.kernel_shape[:2]))
    st.markdown(t("inside.live.why", size=k, index=latest.image_index))
    left, before, after = st.columns([1, 3, 3])
    dataset = st_cache.active_dataset()
    if st_cache.fingerprint(dataset) == snapshot.config.data.fingerprint:
        tile, = image_tiles(snapshot.config.data.fingerprint, dataset, "test",
                            (latest.image_index,))
        left.image(tile, output_format="PNG",
                   caption=t("inside.live.image", index=latest.image_index))
    _column(before, t("inside.live.before"), first, snapshot, "first", t)
    if latest.epoch > 0:
        _column(after, t("inside.live.after", epoch=latest.epoch), latest, snapshot, "latest", t,
                weight_change(first, latest))
    else:
        after.caption(t("inside.live.first_epoch"))
