"""The Dataset: encodings defined once, labels and counts as the pages use them."""
import numpy as np
import pytest

from core.data.course_files import load_files

from tests.core.conftest import npy_bytes


@pytest.fixture
def dataset(course_bytes):
    return load_files(course_bytes)


def test_encodings_are_sorted_names(dataset):
    assert dataset.encoding("super") == {"aquatic_mammals": 0, "medium_mammals": 1,
                                         "small_mammals": 2}
    assert dataset.encoding("fine") == {"fox": 0, "mouse": 1, "otter": 2, "seal": 3}


def test_y_follows_the_encoding(dataset):
    y = dataset.y("test", "fine")
    names = dataset.test_labels.fine_labels
    assert [dataset.fine_classes[i] for i in y] == list(names)
    assert dataset.y("train", "super").dtype == np.int64


def test_images_are_read_only(dataset):
    with pytest.raises(ValueError):
        dataset.x_train[0, 0, 0, 0] = 1


def test_counts_table(dataset):
    counts = dataset.counts()
    assert list(counts.columns) == ["coarse_labels", "fine_labels", "train", "test"]
    assert counts.train.sum() == 8 and counts.test.sum() == 4


def test_fingerprint_changes_with_data(course_bytes):
    a = load_files(course_bytes)
    b = load_files(course_bytes)
    assert a.fingerprint == b.fingerprint
    pixels = a.x_test.copy()
    pixels[0, 0, 0, 0] ^= 1  # one bit of one pixel
    changed = dict(course_bytes, test_images=npy_bytes(pixels))
    assert load_files(changed).fingerprint != a.fingerprint
