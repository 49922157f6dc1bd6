"""Looking at the dataset: which images to show, how to enlarge them, and their pixel statistics.

The data explorer page draws what these plain numpy/pandas functions return: a
gallery sample by class, an image enlarged by pixel replication (never blurred), its
colour channels, and per-channel statistics (mean, std, histogram, mean image) of a
split or one class. Plotly figures of these results are in `core.data.figures`.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np
import pandas as pd

from core.data.course_files import COURSE_FILES

ALL = ""  # filter value meaning "every class"; class names are never blank
CHANNELS = ("R", "G", "B")  # the last axis of an (H, W, 3) image, in order
GALLERY_SIZE = 12  # images per gallery sample: two rows on a laptop screen
GALLERY_SCALE = 4  # 32x32 pixels shown as 128x128: each pixel a 4x4 block
LEVELS = 256  # uint8 pixel values 0..255


def select(labels: pd.DataFrame, superclass: str = ALL, fine_class: str = ALL) -> np.ndarray:
    """Row indices (K,) of the images whose labels match the filters (ALL matches any)."""
    keep = np.ones(len(labels), dtype=bool)
    if superclass != ALL:
        keep &= labels.coarse_labels.to_numpy() == superclass
    if fine_class != ALL:
        keep &= labels.fine_labels.to_numpy() == fine_class
    return np.flatnonzero(keep)


def sample_gallery(labels: pd.DataFrame, superclass: str = ALL, fine_class: str = ALL,
                   n: int = GALLERY_SIZE, seed: int = 0) -> np.ndarray:
    """Up to `n` distinct row indices matching the filters, drawn with `seed`, in index order.

    The same labels, filters and seed always give the same sample.
    """
    candidates = select(labels, superclass, fine_class)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(candidates, size=min(n, len(candidates)), replace=False)
    return np.sort(chosen)


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement: each pixel becomes a `factor` x `factor` block.

    (H, W, ...) -> (H*factor, W*factor, ...), same dtype, no new values: crisp pixels.
    """
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def split_channels(image: np.ndarray) -> np.ndarray:
    """The R, G and B planes of an (H, W, 3) image, as (3, H, W)."""
    return np.moveaxis(image, -1, 0)


@dataclass(frozen=True)
class ChannelStats:
    """Pixel statistics of a set of images, per colour channel (R, G, B)."""

    count: int  # number of images
    mean: np.ndarray  # (3,) mean pixel value, 0-255
    std: np.ndarray  # (3,) standard deviation of pixel values, 0-255
    histogram: np.ndarray  # (3, 256) number of pixels with each value
    mean_image: np.ndarray  # (H, W, 3) float64, the average image

    def table(self) -> pd.DataFrame:
        """One row per channel: mean and std in 0-255 and after dividing by 255."""
        return pd.DataFrame({"channel": CHANNELS, "mean": self.mean, "std": self.std,
                             "mean / 255": self.mean / 255, "std / 255": self.std / 255})


def channel_stats(images: np.ndarray) -> ChannelStats:
    """Mean, std, histogram and mean image of uint8 images (N, H, W, 3), per channel.

    No images (a class missing from a split) gives count 0 and all-zero statistics.
    """
    if len(images) == 0:
        zeros = np.zeros(images.shape[-1])
        return ChannelStats(0, zeros, zeros, np.zeros((images.shape[-1], LEVELS), np.int64),
                            np.zeros(images.shape[1:]))
    mean_image = images.mean(axis=0, dtype=np.float64)  # (H, W, 3)
    mean = mean_image.mean(axis=(0, 1))  # every image has the same number of pixels
    histogram = np.stack([np.bincount(images[..., c].ravel(), minlength=LEVELS)
                          for c in range(images.shape[-1])])  # (3, 256)
    # Var = E[x^2] - E[x]^2 from the histogram: exact, and no float copy of the images.
    values = np.arange(LEVELS, dtype=np.float64)
    pixels = histogram.sum(axis=1)
    second = (histogram * values**2).sum(axis=1) / pixels
    std = np.sqrt(np.maximum(second - mean**2, 0.0))
    return ChannelStats(len(images), mean, std, histogram, mean_image)


def class_mean_images(images: np.ndarray, labels: pd.DataFrame,
                      classes: tuple[str, ...]) -> np.ndarray:
    """The average image of each fine class, (K, H, W, 3) float64, in `classes` order.

    A class with no image in `images` gets an all-zero (black) image.
    """
    fines = labels.fine_labels.to_numpy()
    return np.stack([channel_stats(images[fines == name]).mean_image for name in classes])


def to_uint8(image: np.ndarray) -> np.ndarray:
    """A float image (e.g. a mean image) rounded and clipped to displayable uint8."""
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def png(image: np.ndarray) -> bytes:
    """A uint8 (H, W, 3) image as lossless PNG bytes (JPEG would smear the pixel edges)."""
    from PIL import Image  # Pillow comes with Streamlit

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


# ---- uploads: which of the user's files is which course file -------------------------

_TEST_WORD = re.compile(r"(?:^|[^a-z])(?:test|ts)(?:[^a-z]|$)")  # 10_test, 10_ts_labels


def guess_role(name: str) -> str | None:
    """The course-file role an uploaded file name most likely has, or None.

    Exact course names win (`10_tr_labels.csv`); otherwise `.npy` holds images and
    `.csv` labels, and a name with the word `test` or `ts` is the test split.
    The name is only looked at, never used as a path.
    """
    base = PurePath(name.replace("\\", "/")).name.lower()
    for role, course_name in COURSE_FILES.items():
        if base == course_name:
            return role
    stem, _, ext = base.rpartition(".")
    kind = {"npy": "images", "csv": "labels"}.get(ext)
    if kind is None:
        return None
    split = "test" if _TEST_WORD.search(stem) else "train"
    return f"{split}_{kind}"


def safe_name(name: str, limit: int = 60) -> str:
    """An uploaded file's name fit to show as text: last path part, letters, digits, `._- `."""
    base = PurePath(name.replace("\\", "/")).name
    return re.sub(r"[^\w.\- ]", "_", base)[:limit] or "_"


def assign_roles(names: list[str]) -> tuple[dict[str, int], list[str]]:
    """Which uploaded file (by position in `names`) fills each of the four roles.

    Returns (role -> position, roles still missing). A role two files claim is left
    missing rather than guessed, so the user renames or removes one.
    """
    claims: dict[str, list[int]] = {}
    for position, name in enumerate(names):
        role = guess_role(name)
        if role is not None:
            claims.setdefault(role, []).append(position)
    roles = {role: found[0] for role, found in claims.items() if len(found) == 1}
    missing = [role for role in COURSE_FILES if role not in roles]
    return roles, missing
