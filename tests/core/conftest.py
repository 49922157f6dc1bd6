"""Small datasets in the course format, built in memory for the data-layer tests."""
import io

import numpy as np
import pandas as pd
import pytest

from core.data.course_files import COURSE_FILES

FINE_TO_SUPER = {"otter": "aquatic_mammals", "seal": "aquatic_mammals",
                 "fox": "medium_mammals", "mouse": "small_mammals"}


def npy_bytes(array, **kwargs) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, **kwargs)
    return buffer.getvalue()


def labels_csv(fines) -> bytes:
    frame = pd.DataFrame({"fine_labels": fines,
                          "coarse_labels": [FINE_TO_SUPER[f] for f in fines]})
    return frame.to_csv(index=False).encode()


@pytest.fixture
def course_bytes():
    """The four course files as bytes: 8 train and 4 test images of 4 fine classes."""
    rng = np.random.default_rng(0)
    fines = list(FINE_TO_SUPER)
    return {
        "train_images": npy_bytes(rng.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)),
        "test_images": npy_bytes(rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)),
        "train_labels": labels_csv(fines * 2),
        "test_labels": labels_csv(fines),
    }


@pytest.fixture
def course_dir(tmp_path, course_bytes):
    """A data/ folder holding the four course files."""
    for role, name in COURSE_FILES.items():
        (tmp_path / name).write_bytes(course_bytes[role])
    return tmp_path
