"""The course files: read as the notebook reads them, and every bad file refused clearly."""
import pickle

import numpy as np
import pandas as pd
import pytest

from core.data.course_files import (COURSE_FILES, load_course_dir, load_files, read_images,
                               write_course_files)
from core.data.dataset import DataError

from tests.core.conftest import labels_csv, npy_bytes


def test_reads_course_dir_like_the_notebook(course_dir):
    dataset = load_course_dir(course_dir)
    assert dataset.x_train.shape == (8, 32, 32, 3) and dataset.x_train.dtype == np.uint8
    assert list(dataset.train_labels.columns) == ["fine_labels", "coarse_labels"]
    assert dataset.super_classes == ("aquatic_mammals", "medium_mammals", "small_mammals")
    assert dataset.fine_to_super["otter"] == "aquatic_mammals"


def test_write_then_read_round_trip(course_dir, tmp_path_factory):
    dataset = load_course_dir(course_dir)
    out = tmp_path_factory.mktemp("out")
    write_course_files(out, dataset)
    again = load_course_dir(out)
    assert np.array_equal(again.x_train, dataset.x_train)
    pd.testing.assert_frame_equal(again.test_labels, dataset.test_labels)
    assert again.fingerprint == dataset.fingerprint
    assert not list(out.glob("*.part")), "no temporary file is left behind"


class Boom:  # unpickling this would run code
    def __reduce__(self):
        return (print, ("unpickled!",))


def object_npy() -> bytes:
    return npy_bytes(np.array([Boom()], dtype=object), allow_pickle=True)


BAD_FILES = [  # (role, contents, error code)
    ("train_images", b"", "empty"),
    ("train_images", b"fine_labels,coarse_labels\n", "not_npy"),
    ("train_images", object_npy(), "pickled"),
    ("train_images", npy_bytes(np.zeros((8, 28, 28), np.uint8)), "bad_shape"),
    ("train_images", npy_bytes(np.zeros((8, 32, 32, 3), np.float32)), "bad_dtype"),
    ("train_images", npy_bytes(np.zeros((0, 32, 32, 3), np.uint8)), "empty"),
    ("train_images", npy_bytes(np.zeros((8, 32, 32, 3), np.uint8))[:200], "corrupt_npy"),
    ("test_labels", b"", "empty"),
    ("test_labels", b"fine,coarse\notter,aquatic_mammals\n", "missing_columns"),
    ("test_labels", labels_csv(["otter"] * 3), "count_mismatch"),
    ("test_labels", b"fine_labels,coarse_labels\nunicorn,myth\nfox,medium_mammals\n"
                    b"otter,aquatic_mammals\nseal,aquatic_mammals\n", "unknown_classes"),
    ("test_labels", b"fine_labels,coarse_labels\nfox,small_mammals\nfox,medium_mammals\n"
                    b"otter,aquatic_mammals\nseal,aquatic_mammals\n", "ambiguous_fine"),
    ("test_labels", b"fine_labels,coarse_labels\n,small_mammals\nfox,medium_mammals\n"
                    b"otter,aquatic_mammals\nseal,aquatic_mammals\n", "blank_label"),
    ("test_labels", b"\xff\xfe\x00binary\x00", "not_csv"),
]


@pytest.mark.parametrize("role, contents, code", BAD_FILES,
                         ids=[f"{r}-{c}-{i}" for i, (r, _, c) in enumerate(BAD_FILES)])
def test_bad_file_gets_a_clear_message(course_bytes, role, contents, code, capsys):
    files = dict(course_bytes, **{role: contents})
    with pytest.raises(DataError) as info:
        load_files(files)
    assert info.value.code == code
    assert str(info.value).startswith(COURSE_FILES[role]), "the message names the file"
    assert "unpickled!" not in capsys.readouterr().out, "nothing in a file ever runs"


def test_missing_file_is_named(course_dir):
    (course_dir / "10_test.npy").unlink()
    with pytest.raises(DataError, match="10_test.npy: the file is missing") as info:
        load_course_dir(course_dir)
    assert info.value.code == "missing"


def test_pickle_file_renamed_to_npy_is_refused():
    with pytest.raises(DataError) as info:
        read_images(pickle.dumps(Boom()), "10_train.npy")
    assert info.value.code == "not_npy"
