"""The data explorer's statistics and figures, cached per dataset and shared by sessions.

Keyed by the dataset's fingerprint (plus the arguments); the Dataset itself is not hashed
(its parameter is named with an underscore), so an upload with other pixels gets entries
of its own. Each cache has `max_entries`, so memory stays bounded however many students
click through.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    from core.data.dataset import Dataset


@st.cache_data(show_spinner=False, max_entries=256)
def channel_stats(fingerprint: str, _dataset: Dataset, split: str, fine_class: str):
    """`explore.ChannelStats` of one split, for every image or one fine class."""
    from core.data import explore

    labels = _dataset.labels(split)
    rows = explore.select(labels, fine_class=fine_class)
    return explore.channel_stats(_dataset.images(split)[rows])


@st.cache_data(show_spinner=False, max_entries=16)
def class_mean_tiles(fingerprint: str, _dataset: Dataset, split: str) -> list[bytes]:
    """The mean image of each fine class of a split, enlarged, as PNG bytes, in class order."""
    from core.data import explore

    means = explore.class_mean_images(_dataset.images(split), _dataset.labels(split),
                                      _dataset.fine_classes)  # (K, 32, 32, 3)
    return [explore.png(explore.upscale(explore.to_uint8(m), explore.GALLERY_SCALE))
            for m in means]


@st.cache_data(show_spinner=False, max_entries=64)
def image_tiles(fingerprint: str, _dataset: Dataset, split: str,
                indices: tuple[int, ...]) -> list[bytes]:
    """Images of a split, enlarged with crisp pixels, as PNG bytes (a gallery's worth)."""
    from core.data import explore

    images = _dataset.images(split)
    return [explore.png(explore.upscale(images[i], explore.GALLERY_SCALE)) for i in indices]


@st.cache_data(show_spinner=False, max_entries=16)
def class_counts(fingerprint: str, _dataset: Dataset):
    """`Dataset.counts()`: images per fine class in train and test."""
    return _dataset.counts()


# Plotly validates every property as a figure is built (5-10 ms a figure, several times
# that on a busy server), so the explorer's figures are built once per dataset, arguments
# and language, and shared. They are read-only: pages only hand them to st.plotly_chart,
# which copies them into JSON.
@st.cache_resource(show_spinner=False, max_entries=32)
def structure_figure(fingerprint: str, _dataset: Dataset, value_label: str):
    """The sunburst of superclasses and fine classes (core.data.figures.structure_figure)."""
    from core.data import figures

    return figures.structure_figure(class_counts(fingerprint, _dataset), value_label)


@st.cache_resource(show_spinner=False, max_entries=128)
def close_up_figures(fingerprint: str, _dataset: Dataset, split: str, index: int,
                     axis_titles: tuple[str, str], channel_titles: tuple[str, str, str]):
    """(image figure, channels figure) of image `index` of a split."""
    from core.data import figures
    from core.data.explore import CHANNELS

    image = _dataset.images(split)[index]  # (32, 32, 3)
    return (figures.image_figure(image, *axis_titles),
            figures.channels_figure(image, dict(zip(CHANNELS, channel_titles)), *axis_titles))


@st.cache_resource(show_spinner=False, max_entries=128)
def histogram_figure(fingerprint: str, _dataset: Dataset, split: str, fine_class: str,
                     axis_titles: tuple[str, str], channel_titles: tuple[str, str, str]):
    """Per-channel pixel histograms of a split, or of one fine class in it."""
    from core.data import figures
    from core.data.explore import CHANNELS

    stats = channel_stats(fingerprint, _dataset, split, fine_class)
    return figures.histogram_figure(stats.histogram, dict(zip(CHANNELS, channel_titles)),
                                    *axis_titles)
