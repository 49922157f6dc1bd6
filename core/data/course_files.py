"""The course's four data files: read them safely, check them, and write them atomically.

The notebook reads `10_train.npy`, `10_test.npy`, `10_tr_labels.csv` and
`10_ts_labels.csv`. Files may come from `data/` or from a user's upload, so they are
untrusted: `.npy` files load with `allow_pickle=False`, class names are plain words
(they are shown on every page), and every check raises a `DataError` naming the file
and what is wrong with it. Writing stages all files before any replaces its old copy,
so a full disk leaves the previous set in place, whole.
"""
from __future__ import annotations

import errno
import io
import os
import re
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np
import pandas as pd

from core.config import COURSE_FILES
from core.data.dataset import IMAGE_SHAPE, LABEL_COLUMNS, DataError, Dataset
from core.data.files import write_all

MAX_FILE_BYTES = 200 * 1024 * 1024  # the course's train file is 23 MB; refuse anything huge
MAX_CLASSES = 100  # fine classes; CIFAR-100 has 100, the course uses 15
MAX_NAME_CHARS = 40  # a class name; CIFAR-100's longest is large_man-made_outdoor_things (29)
CLASS_NAME = re.compile(r"[\w \-]+")  # letters, digits, `_`, `-`, spaces: no links, no HTML

Source = Union[str, os.PathLike, bytes, BinaryIO]


def _read_bytes(source: Source, name: str) -> bytes:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise DataError(f"{name}: the file is missing (looked for {path}).", "missing", file=name)
        if path.stat().st_size > MAX_FILE_BYTES:
            raise DataError(f"{name}: the file is larger than {MAX_FILE_BYTES // 2**20} MB.",
                            "too_large", file=name, limit_mb=MAX_FILE_BYTES // 2**20)
        data = path.read_bytes()
    elif isinstance(source, bytes):
        data = source
    else:
        data = source.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise DataError(f"{name}: the file is larger than {MAX_FILE_BYTES // 2**20} MB.",
                        "too_large", file=name, limit_mb=MAX_FILE_BYTES // 2**20)
    if not data:
        raise DataError(f"{name}: the file is empty.", "empty", file=name)
    return data


def read_images(source: Source, name: str) -> np.ndarray:
    """Images from an .npy file: uint8 (N, 32, 32, 3), never unpickled."""
    data = _read_bytes(source, name)
    if not data.startswith(b"\x93NUMPY"):
        raise DataError(f"{name}: this is not a NumPy .npy file.", "not_npy", file=name)
    try:
        images = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as err:
        if "allow_pickle" in str(err) or "Object arrays" in str(err):
            raise DataError(f"{name}: the file holds Python objects, which are never loaded "
                            "(they could run code). Save plain uint8 image arrays.",
                            "pickled", file=name) from None
        raise DataError(f"{name}: the .npy file is damaged or truncated.", "corrupt_npy",
                        file=name) from None
    except Exception:  # truncated headers raise several kinds of errors
        raise DataError(f"{name}: the .npy file is damaged or truncated.", "corrupt_npy",
                        file=name) from None
    if images.ndim != 4 or images.shape[1:] != IMAGE_SHAPE:
        raise DataError(f"{name}: expected images of shape (N, 32, 32, 3), got {images.shape}.",
                        "bad_shape", file=name, shape=str(images.shape))
    if images.dtype != np.uint8:
        raise DataError(f"{name}: expected uint8 pixels (0-255), got {images.dtype}.",
                        "bad_dtype", file=name, dtype=str(images.dtype))
    if len(images) == 0:
        raise DataError(f"{name}: the file holds no images.", "empty", file=name)
    return images


def read_labels(source: Source, name: str, n_images: int) -> pd.DataFrame:
    """Labels from a CSV with columns `fine_labels` and `coarse_labels`, one row per image."""
    data = _read_bytes(source, name)
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        raise DataError(f"{name}: this is not a readable CSV file.", "not_csv", file=name) from None
    missing = [c for c in LABEL_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{name}: the CSV needs the columns fine_labels and coarse_labels; "
                        f"missing: {', '.join(missing)}.", "missing_columns", file=name,
                        columns=", ".join(missing))
    frame = frame[list(LABEL_COLUMNS)].apply(lambda column: column.str.strip())
    if len(frame) != n_images:
        raise DataError(f"{name}: {len(frame)} label rows for {n_images} images; "
                        "there must be one row per image.", "count_mismatch", file=name,
                        rows=len(frame), images=n_images)
    blank = frame.eq("").any(axis=1)
    if blank.any():
        row = int(blank.idxmax())
        raise DataError(f"{name}: row {row} has an empty class name.", "blank_label",
                        file=name, row=row)
    odd = ~frame.apply(lambda column: column.map(_plain_name)).all(axis=1)
    if odd.any():
        row = int(odd.idxmax())  # the name itself is not repeated: it may be markup
        raise DataError(f"{name}: row {row} has a class name with characters other than "
                        f"letters, digits, _, - and spaces, or longer than {MAX_NAME_CHARS}.",
                        "bad_label", file=name, row=row, limit=MAX_NAME_CHARS)
    return frame.reset_index(drop=True)


def _plain_name(text: str) -> bool:
    return len(text) <= MAX_NAME_CHARS and CLASS_NAME.fullmatch(text) is not None


def _check_label_sets(train: pd.DataFrame, test: pd.DataFrame) -> None:
    names = COURSE_FILES
    if train.fine_labels.nunique() > MAX_CLASSES:
        raise DataError(f"{names['train_labels']}: more than {MAX_CLASSES} fine classes.",
                        "too_many_classes", file=names["train_labels"], limit=MAX_CLASSES)
    supers = train.groupby("fine_labels").coarse_labels.nunique()
    if (supers > 1).any():
        fine = supers[supers > 1].index[0]
        raise DataError(f"{names['train_labels']}: the fine class '{fine}' appears under "
                        "more than one superclass.", "ambiguous_fine",
                        file=names["train_labels"], name=fine)
    known = dict(zip(train.fine_labels, train.coarse_labels))
    for column, known_names in (("fine_labels", set(known)), ("coarse_labels", set(known.values()))):
        unknown = sorted(set(test[column]) - known_names)
        if unknown:
            raise DataError(f"{names['test_labels']}: unknown class names that the training "
                            f"labels never use: {', '.join(unknown[:5])}.", "unknown_classes",
                            file=names["test_labels"], names=", ".join(unknown[:5]))
    mismatched = test[test.fine_labels.map(known) != test.coarse_labels]
    if len(mismatched):
        row = mismatched.iloc[0]
        raise DataError(f"{names['test_labels']}: '{row.fine_labels}' is filed under "
                        f"'{row.coarse_labels}', but the training labels put it under "
                        f"'{known[row.fine_labels]}'.", "ambiguous_fine",
                        file=names["test_labels"], name=row.fine_labels)


def load_files(files: dict[str, Source], source: str = "course", detail: str = "") -> Dataset:
    """A Dataset from the four files, given per role (see COURSE_FILES) as paths or bytes.

    Raises DataError at the first problem; nothing is returned half-checked.
    """
    names = COURSE_FILES
    x_train = read_images(files["train_images"], names["train_images"])
    x_test = read_images(files["test_images"], names["test_images"])
    train = read_labels(files["train_labels"], names["train_labels"], len(x_train))
    test = read_labels(files["test_labels"], names["test_labels"], len(x_test))
    _check_label_sets(train, test)
    return Dataset(x_train, x_test, train, test, source=source, detail=detail)


def load_course_dir(data_dir: Path, source: str = "course", detail: str = "") -> Dataset:
    """The four course files from a folder."""
    data_dir = Path(data_dir)
    return load_files({role: data_dir / name for role, name in COURSE_FILES.items()},
                      source=source, detail=detail or str(data_dir))


def write_error(path: Path, err: OSError) -> DataError:
    """A DataError for a file that could not be written: `disk_full` says what to do."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return DataError(f"Could not write {path}: the disk is full.", "disk_full",
                         path=str(path))
    return DataError(f"Could not write {path}: {err.strerror or err}.", "write_failed",
                     path=str(path), reason=err.strerror or str(err))


def write_files(writes: dict[Path, object]) -> None:
    """Write several files (path -> write(out)) all or nothing (core.data.files.write_all);
    a failure (a full disk) raises DataError and leaves the old files untouched."""
    try:
        write_all(writes)
    except OSError as err:
        raise write_error(Path(err.filename), err) from None


def write_course_files(data_dir: Path, dataset: Dataset, extra: dict | None = None) -> list[Path]:
    """Write a dataset in the course format, all four files or none (see write_files);
    `extra` (file name -> bytes, e.g. provenance) is written last. Returns the paths."""
    data_dir = Path(data_dir)
    writes = {}
    for role, array in (("train_images", dataset.x_train), ("test_images", dataset.x_test)):
        writes[data_dir / COURSE_FILES[role]] = (
            lambda out, a=array: np.save(out, a, allow_pickle=False))
    for role, frame in (("train_labels", dataset.train_labels),
                        ("test_labels", dataset.test_labels)):
        text = frame[list(LABEL_COLUMNS)].to_csv(index=False).encode()
        writes[data_dir / COURSE_FILES[role]] = lambda out, t=text: out.write(t)
    paths = list(writes)
    for file_name, data in (extra or {}).items():
        writes[data_dir / file_name] = lambda out, d=data: out.write(d)
    write_files(writes)
    return paths
