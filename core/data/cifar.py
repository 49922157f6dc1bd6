"""CIFAR-100 from its official source, cut down to the lab's 15 mammal classes.

`prepare()` downloads the python-version tarball once (md5-verified, see core.data.download),
reads its three pickled members straight from the archive, keeps the 15 fine classes of
the 3 mammal superclasses in the files' own order, and writes them as the course's four
files plus `10_source.json`, which says where they came from. The pickles are loaded by
an unpickler that only rebuilds numpy arrays: nothing in the file can run code.

    python -m core prepare-cifar [--data-dir data] [--url URL] [--md5 MD5]
"""
from __future__ import annotations

import json
import pickle
import tarfile
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from core import config
from core.data.course_files import write_course_files
from core.data.dataset import DataError, Dataset
from core.data.download import Progress, download

OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"  # python version
OFFICIAL_MD5 = "eb9058c3a382ffc7106e4002c42a8d85"  # published beside the link
ARCHIVE_NAME = "cifar-100-python.tar.gz"  # file name of the download in the cache folder
CACHE_DIRNAME = ".cache"  # default cache: data_dir/.cache (data/ is gitignored)
SOURCE_FILE = "10_source.json"  # provenance beside the course files, written last
MEMBERS = {  # role -> member name inside the tarball; nothing else is ever read
    "train": "cifar-100-python/train",
    "test": "cifar-100-python/test",
    "meta": "cifar-100-python/meta",
}
MAX_MEMBER_BYTES = 256 << 20  # the train pickle is 155 MB; refuse anything far bigger
MAMMALS = {  # superclass -> its 5 fine classes: the lab's 15 classes
    "aquatic_mammals": ("beaver", "dolphin", "otter", "seal", "whale"),
    "medium_mammals": ("fox", "porcupine", "possum", "raccoon", "skunk"),
    "small_mammals": ("hamster", "mouse", "rabbit", "shrew", "squirrel"),
}
FINE_TO_SUPER = {fine: sup for sup, fines in MAMMALS.items() for fine in fines}
PIXELS = 32 * 32 * 3  # one CIFAR row: 1024 red, then 1024 green, then 1024 blue values


def _numpy_reconstruct():
    try:
        from numpy._core.multiarray import _reconstruct  # numpy 2
    except ImportError:  # pragma: no cover - numpy 1
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


# The only globals the official pickles name: what numpy needs to rebuild an ndarray.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _numpy_reconstruct(),  # as Python 2 wrote it
    ("numpy._core.multiarray", "_reconstruct"): _numpy_reconstruct(),  # as numpy 2 writes it
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle names a global outside the numpy allowlist."""

    def __init__(self, name: str):
        super().__init__(f"refusing to load {name}")
        self.name = name


class _NumpyOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafePickleError(f"{module}.{name}") from None


def load_pickle(stream, member: str = "pickle", file: str = "") -> object:
    """Unpickle a CIFAR file, allowing only numpy array reconstruction.

    Python 2 strings come back as bytes (encoding="bytes"), as on the CIFAR home page.
    Raises DataError "unsafe_pickle" for any other global, "archive_corrupt" if unreadable.
    """
    try:
        return _NumpyOnlyUnpickler(stream, encoding="bytes").load()
    except UnsafePickleError as err:
        raise DataError(f"{member} in {file or 'the archive'} tries to load {err.name}, "
                        "which could run code; it was not loaded.", "unsafe_pickle",
                        file=file, member=member, name=err.name) from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError, OSError, zlib.error, tarfile.TarError) as err:
        raise _corrupt(file, member, f"unreadable pickle ({err})") from None


def _corrupt(file: str, member: str, reason: str) -> DataError:
    where = f"{member} in {file}" if member else file
    return DataError(f"{where} is not a valid CIFAR-100 file: {reason}.", "archive_corrupt",
                     file=file, member=member, reason=reason)


def _read_members(tar_path: Path) -> dict[str, dict]:
    """The three pickled dicts by role, read from the tarball without extracting anything."""
    file, wanted = Path(tar_path).name, {name: role for role, name in MEMBERS.items()}
    found: dict[str, dict] = {}
    try:
        with tarfile.open(tar_path, "r:*") as tar:
            for member in tar:  # streams through the gzip once, in archive order
                role = wanted.get(member.name.removeprefix("./"))
                if role is None or role in found or not member.isfile():
                    continue  # other members, '../evil' included, are never read or written
                if member.size > MAX_MEMBER_BYTES:
                    raise _corrupt(file, member.name, f"{member.size:,} bytes is too large")
                found[role] = load_pickle(tar.extractfile(member), member.name, file)
                if len(found) == len(MEMBERS):
                    break
    except (tarfile.TarError, OSError, EOFError, zlib.error) as err:
        raise _corrupt(file, "", f"not a readable tar.gz archive ({err})") from None
    for role, name in MEMBERS.items():
        if role not in found:
            raise DataError(f"{file} has no member {name}; is it the CIFAR-100 python version?",
                            "archive_member_missing", file=file, member=name)
    return {role: _str_keys(found[role], file, MEMBERS[role]) for role in MEMBERS}


def _str_keys(obj, file: str, member: str) -> dict:
    if not isinstance(obj, dict):
        raise _corrupt(file, member, f"expected a dict, found {type(obj).__name__}")
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in obj.items()}


def _names(meta: dict, key: str, file: str) -> list[str]:
    """Class names from the meta dict; Python 2 pickles give bytes, others str."""
    try:
        return [n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in meta[key]]
    except (KeyError, TypeError, UnicodeDecodeError):
        raise _corrupt(file, MEMBERS["meta"], f"no readable '{key}' list") from None


def _check_classes(fine_names: list[str], coarse_names: list[str], file: str) -> None:
    missing = [n for n in FINE_TO_SUPER if n not in fine_names]
    missing += [n for n in MAMMALS if n not in coarse_names]
    if missing:
        raise DataError(f"{file}: the class list lacks {', '.join(missing)}; "
                        "is it CIFAR-100?", "cifar_classes_missing", file=file,
                        names=", ".join(missing))


def _mammal_split(batch: dict, fine_names: list[str], coarse_names: list[str],
                  file: str, member: str) -> tuple[np.ndarray, pd.DataFrame]:
    """One split's mammal images (N, 32, 32, 3) and labels, in the file's order."""
    try:
        data = np.asarray(batch["data"])  # (N, 3072): R plane, G plane, B plane
        fine = np.asarray(batch["fine_labels"], dtype=np.int64)  # (N,)
        coarse = np.asarray(batch["coarse_labels"], dtype=np.int64)  # (N,)
    except (KeyError, ValueError, TypeError) as err:
        raise _corrupt(file, member, f"missing or malformed data or labels ({err})") from None
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != PIXELS:
        raise _corrupt(file, member, f"expected uint8 data (N, {PIXELS}), got "
                                     f"{data.dtype} {data.shape}")
    if not len(fine) == len(coarse) == len(data) or fine.ndim != 1 or coarse.ndim != 1:
        raise _corrupt(file, member, "the label lists do not match the images")
    if len(data) and (min(fine.min(), coarse.min()) < 0 or fine.max() >= len(fine_names)
                      or coarse.max() >= len(coarse_names)):
        raise _corrupt(file, member, "a label index is outside the class list")
    mammal_ids = [fine_names.index(name) for name in FINE_TO_SUPER]
    keep = np.isin(fine, mammal_ids)  # (N,) bool, order preserved
    images = data[keep].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # (n, 3, H, W) -> (n, H, W, 3)
    labels = pd.DataFrame({
        "fine_labels": np.asarray(fine_names, dtype=object)[fine[keep]],
        "coarse_labels": np.asarray(coarse_names, dtype=object)[coarse[keep]],
    })
    if not len(labels):
        raise _corrupt(file, member, "it holds no images of the 15 mammal classes")
    if (labels.fine_labels.map(FINE_TO_SUPER) != labels.coarse_labels).any():
        raise _corrupt(file, member, "a mammal class is filed under the wrong superclass")
    return np.ascontiguousarray(images), labels


def extract_mammals(tar_path: Path, detail: str = "") -> Dataset:
    """The 15 mammal classes from the CIFAR-100 python tarball, as a Dataset.

    Images uint8 (N, 32, 32, 3); labels with columns fine_labels, coarse_labels (names).
    The real archive gives 7,500 train and 1,500 test images. Raises DataError.
    """
    file = Path(tar_path).name
    batches = _read_members(Path(tar_path))
    fine_names = _names(batches["meta"], "fine_label_names", file)
    coarse_names = _names(batches["meta"], "coarse_label_names", file)
    _check_classes(fine_names, coarse_names, file)
    x_train, train = _mammal_split(batches["train"], fine_names, coarse_names, file,
                                   MEMBERS["train"])
    x_test, test = _mammal_split(batches["test"], fine_names, coarse_names, file,
                                 MEMBERS["test"])
    return Dataset(x_train, x_test, train, test, source="cifar100",
                   detail=detail or f"CIFAR-100 ({file})")


def prepare(data_dir: Path, url: str = OFFICIAL_URL, md5: str = OFFICIAL_MD5,
            progress: Optional[Progress] = None, cache_dir: Optional[Path] = None) -> Dataset:
    """Download (or reuse) the tarball, extract the mammals, write the course files.

    The tarball goes to cache_dir (default data_dir/.cache); the four course files and
    SOURCE_FILE go to data_dir, all five written before any replaces an old one (a
    full disk or an interrupted download leaves the previous files in use, whole);
    the provenance JSON is renamed into place last. Raises DataError.
    """
    data_dir = Path(data_dir)
    cache_dir = Path(cache_dir) if cache_dir is not None else data_dir / CACHE_DIRNAME
    tar_path = download(url, cache_dir / ARCHIVE_NAME, md5, progress=progress)
    dataset = extract_mammals(tar_path, detail=url)
    provenance = {
        "source": "cifar100", "url": url, "md5": md5.strip().lower(),
        "prepared": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "train": len(dataset.x_train), "test": len(dataset.x_test),
    }
    text = (json.dumps(provenance, indent=2) + "\n").encode()
    write_course_files(data_dir, dataset, extra={SOURCE_FILE: text})
    return dataset


def read_provenance(data_dir: Path) -> Optional[dict]:
    """The SOURCE_FILE dict if data_dir holds one that reads as JSON, else None."""
    try:
        value = json.loads((Path(data_dir) / SOURCE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None
