"""The one dataset every page uses: images, their two label levels, and the encodings.

A `Dataset` holds uint8 images `(N, 32, 32, 3)` for train and test and, for each image,
its fine and coarse (super) label name, exactly as the notebook's two CSV columns
`fine_labels` and `coarse_labels`. The class lists, the class-to-index encodings and
the fine-to-super map are defined here once; every page and the training code use them.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

IMAGE_SHAPE = (32, 32, 3)  # (H, W, C) of one image
LABEL_COLUMNS = ("fine_labels", "coarse_labels")  # the notebook's CSV columns


class DataError(ValueError):
    """A dataset file or array is unusable; `code` and `details` let the UI translate it."""

    def __init__(self, message: str, code: str, **details):
        super().__init__(message)
        self.code = code
        self.details = details


@dataclass(frozen=True, eq=False)
class Dataset:
    """Train and test images with fine and coarse labels.

    x_train, x_test: uint8 (N, 32, 32, 3).
    train_labels, test_labels: DataFrames with columns `fine_labels`, `coarse_labels`.
    source: "course", "cifar100", "upload" or "synthetic"; detail: where it came from;
    identity: a name for data whose bytes may differ by machine (see `fingerprint`).
    """

    x_train: np.ndarray  # (N_train, 32, 32, 3) uint8
    x_test: np.ndarray  # (N_test, 32, 32, 3) uint8
    train_labels: pd.DataFrame
    test_labels: pd.DataFrame
    source: str
    detail: str = ""
    identity: str = ""
    super_classes: tuple[str, ...] = field(init=False)
    fine_classes: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        for array in (self.x_train, self.x_test):
            array.setflags(write=False)  # shared between sessions: nobody may change it
        labels = pd.concat([self.train_labels, self.test_labels], ignore_index=True)
        # Sorted names: the same encoding whatever order the rows come in.
        object.__setattr__(self, "super_classes", tuple(sorted(labels.coarse_labels.unique())))
        object.__setattr__(self, "fine_classes", tuple(sorted(labels.fine_labels.unique())))

    @property
    def synthetic(self) -> bool:
        return self.source == "synthetic"

    @property
    def fine_to_super(self) -> dict[str, str]:
        pairs = pd.concat([self.train_labels, self.test_labels]).drop_duplicates("fine_labels")
        return dict(zip(pairs.fine_labels, pairs.coarse_labels))

    def classes(self, target: str) -> tuple[str, ...]:
        """Class names of a target ("super" or "fine"), in encoding order."""
        return self.super_classes if target == "super" else self.fine_classes

    def encoding(self, target: str) -> dict[str, int]:
        """Class name -> index for "super" or "fine", as the training pages use it."""
        return {name: i for i, name in enumerate(self.classes(target))}

    def images(self, split: str) -> np.ndarray:
        return self.x_train if split == "train" else self.x_test  # (N, 32, 32, 3)

    def labels(self, split: str) -> pd.DataFrame:
        return self.train_labels if split == "train" else self.test_labels

    def y(self, split: str, target: str) -> np.ndarray:
        """Integer class indices (N,) of one split for one target."""
        column = "coarse_labels" if target == "super" else "fine_labels"
        return self.labels(split)[column].map(self.encoding(target)).to_numpy(np.int64)

    @property
    def fingerprint(self) -> str:
        """What the data is, for everything keyed by it (caches, bundled extractors, the run
        library): a short hash of images and labels, so the same data gives the same
        fingerprint; or the `identity` of generated data. The synthetic set is drawn from a
        seed, but numpy's float functions round differently on other CPUs (AVX-512 or not),
        so a few pixels differ from machine to machine while it is the same dataset."""
        if self.identity:
            return self.identity
        digest = hashlib.sha256()
        for array in (self.x_train, self.x_test):
            digest.update(np.ascontiguousarray(array).tobytes())
        for frame in (self.train_labels, self.test_labels):
            digest.update(frame[list(LABEL_COLUMNS)].to_csv(index=False).encode())
        return digest.hexdigest()[:16]

    def counts(self) -> pd.DataFrame:
        """Images per fine class and split: columns coarse_labels, fine_labels, train, test."""
        train = self.train_labels.value_counts().rename("train")
        test = self.test_labels.value_counts().rename("test")
        table = pd.concat([train, test], axis=1).fillna(0).astype(int).reset_index()
        return table[["coarse_labels", "fine_labels", "train", "test"]].sort_values(
            ["coarse_labels", "fine_labels"], ignore_index=True)
