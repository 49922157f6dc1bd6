"""Faults (issue 7): a full disk while saving, a download cut off halfway.

Each must leave no half-written file in use, keep the previous good files, and end in
an error whose code gives a translated message saying what happened and what to do.
A full disk is simulated where the bytes reach it: `FullDisk` stands in for a module's
`os`, and the files its `fdopen` opens take `room` bytes in all, then raise ENOSPC in
the middle of a write, as a real full disk does. The worker's `model.save` is replaced
by one that writes half an archive and then finds the disk full.

Covered elsewhere: a download cut off into an empty folder
(tests/core/data/test_cifar.py::test_interrupted_transfer_is_refused_and_leaves_no_file and
tests/app/test_download.py::test_failed_download_keeps_the_dataset), Ctrl+C during it
(tests/core/data/test_cifar.py::test_ctrl_c_during_download_leaves_no_partial_file); what the
pages show: tests/app/test_untrusted_app.py.
"""
import errno
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from core.data import cifar
from core.data import download, files
from core.training import fit as train_worker
from core.data.course_files import COURSE_FILES, load_course_dir, load_files, write_course_files
from core.data.dataset import DataError
from core.i18n import error_message, translate
from core.engine.contract import JOB_ERRORS, ErrorEvent, JobState, parse_event, to_line
from core.engine.job import Job
from tests.core.engine.test_jobs import make_config
from tests.core import fake_cifar

from tests.core.conftest import npy_bytes

ROOT = Path(__file__).resolve().parents[2]


class FullDisk:
    """A module's `os`, except that files from `fdopen` hold `room` more bytes in all."""

    def __init__(self, room: int):
        self.room = room

    def __getattr__(self, name):
        return getattr(os, name)

    def fdopen(self, fd, mode="r", *args, **kwargs):
        return _Limited(os.fdopen(fd, mode, *args, **kwargs), self)


class _Limited:
    def __init__(self, real, disk: FullDisk):
        self.real, self.disk = real, disk

    def write(self, data):
        size = memoryview(data).nbytes
        if size > self.disk.room:
            self.real.write(bytes(memoryview(data).cast("B")[: self.disk.room]))
            self.disk.room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.disk.room -= size
        return self.real.write(data)

    def __getattr__(self, name):
        return getattr(self.real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.real.close()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under folder (hidden ones too), by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def says_disk_full(err: DataError) -> None:
    assert err.code == "disk_full"
    english, korean = error_message(err, "en"), error_message(err, "ko")
    assert "the disk is full" in english and "Free some disk space" in english
    assert "still the ones in use" in english
    assert "디스크가 가득" in korean and "다시 시도" in korean


# --- a full disk while writing the course files (upload, CIFAR-100) --------------------------

@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> bytes:
    return fake_cifar.make_fake_cifar(tmp_path_factory.mktemp("fake") / "c.tgz").read_bytes()


@pytest.fixture
def new_dataset(course_bytes):
    """A valid dataset that differs from the one in course_dir: inverted pixels."""
    old = load_files(course_bytes)
    return load_files(dict(course_bytes, train_images=npy_bytes(255 - old.x_train),
                           test_images=npy_bytes(255 - old.x_test)))


def file_sizes(dataset) -> list[int]:
    """Bytes of the four course files as write_course_files writes them, in its order."""
    return [len(npy_bytes(dataset.x_train)), len(npy_bytes(dataset.x_test)),
            *(len(f.to_csv(index=False).encode()) for f in (dataset.train_labels,
                                                            dataset.test_labels))]


@pytest.mark.parametrize("failing", [0, 1, 2, 3], ids=list(COURSE_FILES.values()))
def test_full_disk_while_writing_course_files_keeps_the_old_set(course_dir, new_dataset, failing,
                                                                 monkeypatch):
    before, fingerprint = snapshot(course_dir), load_course_dir(course_dir).fingerprint
    sizes = file_sizes(new_dataset)
    room = sum(sizes[:failing]) + sizes[failing] // 2  # the disk fills halfway through it
    monkeypatch.setattr(files, "os", FullDisk(room))
    with pytest.raises(DataError) as info:
        write_course_files(course_dir, new_dataset)
    says_disk_full(info.value)
    assert info.value.details["path"].endswith(list(COURSE_FILES.values())[failing])
    assert snapshot(course_dir) == before, "no half file and no mixed set: the old one, whole"
    assert load_course_dir(course_dir).fingerprint == fingerprint


def test_cifar_prepare_on_a_full_disk_keeps_the_old_files(course_dir, tarball, tmp_path_factory,
                                                          monkeypatch):
    (course_dir / cifar.SOURCE_FILE).write_text('{"source": "course"}')
    before = snapshot(course_dir)
    monkeypatch.setattr(files, "os", FullDisk(20_000))  # the download itself fits
    with fake_cifar.FakeServer({"c.tgz": tarball}) as server, pytest.raises(DataError) as info:
        cifar.prepare(course_dir, url=server.url("ok"), md5=hashlib.md5(tarball).hexdigest(),
                      cache_dir=tmp_path_factory.mktemp("cache"))
    says_disk_full(info.value)
    assert snapshot(course_dir) == before
    assert json.loads((course_dir / cifar.SOURCE_FILE).read_text()) == {"source": "course"}


def test_download_onto_a_full_disk_leaves_the_old_archive(tmp_path, monkeypatch):
    dest = tmp_path / "c.tgz"
    dest.write_bytes(b"an older archive")
    body = bytes(range(256)) * 400
    monkeypatch.setattr(files, "os", FullDisk(50_000))
    with fake_cifar.FakeServer({"c.tgz": body}) as server, pytest.raises(DataError) as info:
        download.download(server.url("ok"), dest, hashlib.md5(body).hexdigest(), chunk=8192)
    says_disk_full(info.value)
    assert snapshot(tmp_path) == {"c.tgz": b"an older archive"}


# --- a download cut off halfway, with a complete data/ already there --------------------------

def test_interrupted_download_keeps_the_complete_data_in_use(course_dir, tarball):
    (course_dir / cifar.SOURCE_FILE).write_text('{"source": "cifar100"}')
    before = snapshot(course_dir)
    with fake_cifar.FakeServer({"c.tgz": tarball}) as server, pytest.raises(DataError) as info:
        cifar.prepare(course_dir, url=server.url("half"), md5=hashlib.md5(tarball).hexdigest())
    assert info.value.code == "download_interrupted"
    assert snapshot(course_dir) == before, "no .part file, no cached half archive, old files"
    assert load_course_dir(course_dir).x_train.shape == (8, 32, 32, 3)
    assert cifar.read_provenance(course_dir) == {"source": "cifar100"}
    page = translate("download.failed", message=error_message(info.value))
    assert "stopped after" in page and "Try again" in page and "Nothing was changed" in page
    assert "다시 시도" in error_message(info.value, "ko")


# --- a full disk while the training worker saves ------------------------------------------

class HalfSaver:
    """A Keras model whose save writes half an archive, then finds the disk full."""

    def save(self, path):
        Path(path).write_bytes(b"PK\x03\x04 half an archive")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def predict(self, *args, **kwargs):
        pytest.fail("nothing runs after a failed save")


def test_full_disk_while_saving_the_model_keeps_the_previous_file(tmp_path):
    (tmp_path / "model.keras").write_bytes(b"a good earlier model")
    x_test, y_test = np.zeros((2, 32, 32, 3), np.uint8), np.zeros(2, np.int64)
    with pytest.raises(OSError) as info:
        train_worker.save_outputs(HalfSaver(), tmp_path, x_test, y_test)
    assert snapshot(tmp_path) == {"model.keras": b"a good earlier model"}
    assert train_worker.error_event(info.value).code == "disk_full"


@pytest.mark.parametrize("name", ["extractor.keras", "test_probs.npy"])
def test_every_worker_output_is_saved_whole_or_not_at_all(tmp_path, name):
    with pytest.raises(OSError):
        files.atomic_save(tmp_path / name, HalfSaver().save)
    assert not list(tmp_path.iterdir())


def test_a_full_disk_reaches_the_page_as_its_own_message(tmp_path):
    err = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    job = Job(id=1, config=make_config("unused.npz"), out_dir=tmp_path, holders=["s"],
              watchers={"s"})
    job.handle(parse_event(to_line(train_worker.error_event(err))))  # as it crosses the pipe
    snap = job.snapshot()
    assert snap.state == JobState.FAILED and snap.error.code == "disk_full"
    for lang, words in (("en", ("disk is full", "Free some disk space", "train again")),
                        ("ko", ("디스크가 가득", "다시 학습"))):
        text = translate("train.job_error.disk_full", lang, message=snap.error.message,
                         learning_rate="0.001")
        assert all(w in text for w in words), text
    other = train_worker.error_event(ValueError("boom"))
    assert other == ErrorEvent("crash", "ValueError: boom")


def test_the_training_pages_know_the_disk_full_code():
    """Codes outside JOB_ERRORS show the generic crash advice ("try other settings"),
    which is wrong for a full disk; both training pages read this list."""
    assert "disk_full" in JOB_ERRORS
