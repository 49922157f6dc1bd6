"""CIFAR-100 download and extraction, against a fake tarball served from 127.0.0.1.

Nothing here reaches the internet: a small tarball in the official format (see
fake_cifar.py) is served from 127.0.0.1 by fake_cifar.FakeServer, which can serve it
whole, stop halfway, omit Content-Length, or answer 404.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.data import cifar
from core.data.course_files import COURSE_FILES, load_course_dir
from core.data.dataset import DataError
from core.data.download import download
from tests.core import fake_cifar

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    """(tarball path, its bytes, its md5, the batches it holds)."""
    batches = fake_cifar.make_batches(per_class_train=3, per_class_test=1)
    path = fake_cifar.make_fake_cifar(tmp_path_factory.mktemp("fake") / "cifar.tgz", batches)
    body = path.read_bytes()
    return path, body, hashlib.md5(body).hexdigest(), batches


@pytest.fixture(scope="module")
def server(fake):
    with fake_cifar.FakeServer({"cifar.tgz": fake[1]}) as httpd:
        yield httpd


def _error(call, *args, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        call(*args, **kwargs)
    return info.value


# --- download -----------------------------------------------------------------------

def test_download_streams_with_progress_and_verifies_md5(fake, server, tmp_path):
    calls = []
    dest = download(server.url("ok"), tmp_path / "c.tgz", fake[2],
                    progress=lambda done, total: calls.append((done, total)), chunk=64 << 10)
    assert dest.read_bytes() == fake[1]
    done = [d for d, _ in calls]
    assert len(calls) > 3 and done == sorted(set(done)) and done[-1] == len(fake[1])
    assert {t for _, t in calls} == {len(fake[1])}
    assert os.listdir(tmp_path) == ["c.tgz"]  # no temporary file left


def test_unknown_length_is_reported_as_none(fake, server, tmp_path):
    calls = []
    download(server.url("nolength"), tmp_path / "c.tgz", fake[2],
             progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (len(fake[1]), None)


def test_md5_mismatch_is_refused_and_leaves_no_file(server, tmp_path):
    err = _error(download, server.url("ok"), tmp_path / "c.tgz", "0" * 32)
    assert err.code == "md5_mismatch" and err.details["expected"] == "0" * 32
    assert err.details["actual"] in str(err) and "md5" in str(err)
    assert os.listdir(tmp_path) == []


def test_interrupted_transfer_is_refused_and_leaves_no_file(fake, server, tmp_path):
    err = _error(download, server.url("half"), tmp_path / "c.tgz", fake[2])
    assert err.code == "download_interrupted"
    assert err.details["received"] < err.details["expected"] == len(fake[1])
    assert os.listdir(tmp_path) == []


def test_http_404_names_the_url_and_status(fake, server, tmp_path):
    url = server.url("ok", "missing.tgz")
    err = _error(download, url, tmp_path / "c.tgz", fake[2])
    assert err.code == "download_failed" and err.details["url"] == url
    assert "404" in err.details["reason"] and url in str(err) and "404" in str(err)
    assert os.listdir(tmp_path) == []


def test_unreachable_server_fails_cleanly(fake, tmp_path):
    with socket.socket() as sock:  # a port that was free a moment ago: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    err = _error(download, f"http://127.0.0.1:{port}/x.tgz", tmp_path / "c.tgz", fake[2],
                 timeout=5)
    assert err.code == "download_failed" and err.details["reason"]


def test_only_http_and_https_are_fetched(fake, tmp_path):
    for url in ("file:///etc/hostname", "ftp://127.0.0.1/c.tgz", "not a url"):
        err = _error(download, url, tmp_path / "c.tgz", fake[2])
        assert err.code == "download_failed" and "http" in err.details["reason"]
    assert not (tmp_path / "c.tgz").exists()


def test_valid_existing_file_is_reused_without_a_request(fake, server, tmp_path):
    dest = tmp_path / "c.tgz"
    dest.write_bytes(fake[1])
    before = len(server.requests)
    assert download(server.url("ok"), dest, fake[2].upper()) == dest
    assert len(server.requests) == before


def test_wrong_existing_file_is_replaced(fake, server, tmp_path):
    dest = tmp_path / "c.tgz"
    dest.write_bytes(b"an old broken download")
    download(server.url("ok"), dest, fake[2])
    assert dest.read_bytes() == fake[1]


def test_ctrl_c_during_download_leaves_no_partial_file(fake, server, tmp_path):
    def interrupt(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download(server.url("ok"), tmp_path / "c.tgz", fake[2], progress=interrupt)
    assert os.listdir(tmp_path) == []


# --- extraction ---------------------------------------------------------------------

def _expected_split(batch):
    """The mammal rows of a fake batch, computed the plain way: (images HWC, fine, coarse)."""
    fine_names = fake_cifar.FINE_NAMES
    rows = [i for i, f in enumerate(batch[b"fine_labels"]) if fine_names[f] in cifar.FINE_TO_SUPER]
    planes = [batch[b"data"][rows, c * 1024:(c + 1) * 1024].reshape(-1, 32, 32) for c in range(3)]
    fine = [fine_names[batch[b"fine_labels"][i]] for i in rows]
    coarse = [fake_cifar.COARSE_NAMES[batch[b"coarse_labels"][i]] for i in rows]
    return np.stack(planes, axis=-1), fine, coarse


def test_extract_keeps_the_15_mammals_in_file_order(fake):
    dataset = cifar.extract_mammals(fake[0])
    assert dataset.source == "cifar100"
    assert set(dataset.fine_classes) == set(cifar.FINE_TO_SUPER)
    assert dataset.super_classes == tuple(sorted(cifar.MAMMALS))
    assert dataset.fine_to_super == cifar.FINE_TO_SUPER
    for split, n in (("train", 45), ("test", 15)):
        images, fine, coarse = _expected_split(fake[3][split])
        assert dataset.images(split).shape == (n, 32, 32, 3)
        assert dataset.images(split).dtype == np.uint8
        np.testing.assert_array_equal(dataset.images(split), images)
        assert list(dataset.labels(split).fine_labels) == fine
        assert list(dataset.labels(split).coarse_labels) == coarse


def test_pixels_are_converted_from_planes_to_hwc(fake):
    image = cifar.extract_mammals(fake[0]).x_train[0]  # (32, 32, 3)
    np.testing.assert_array_equal(image, fake_cifar.known_pattern())
    assert tuple(image[5, 7]) == (40, 56, 255 - 48)  # R=8*row, G=8*col, B=255-4*(row+col)


def test_names_pickled_as_str_are_accepted(fake, tmp_path):
    meta = {"fine_label_names": fake_cifar.FINE_NAMES,
            "coarse_label_names": fake_cifar.COARSE_NAMES}
    path = fake_cifar.make_fake_cifar(tmp_path / "c.tgz", fake[3], omit=("meta",),
                                      extra={cifar.MEMBERS["meta"]: pickle.dumps(meta, 2)})
    assert len(cifar.extract_mammals(path).x_train) == 45


def test_missing_member_is_named(fake, tmp_path):
    path = fake_cifar.make_fake_cifar(tmp_path / "c.tgz", fake[3], omit=("test",))
    err = _error(cifar.extract_mammals, path)
    assert err.code == "archive_member_missing"
    assert err.details["member"] == "cifar-100-python/test" and "cifar-100-python/test" in str(err)


def test_wrong_class_names_are_refused(fake, tmp_path):
    batches = dict(fake[3])
    names = [b"castor" if n == b"beaver" else n for n in batches["meta"][b"fine_label_names"]]
    batches["meta"] = {**batches["meta"], b"fine_label_names": names}
    err = _error(cifar.extract_mammals, fake_cifar.make_fake_cifar(tmp_path / "c.tgz", batches))
    assert err.code == "cifar_classes_missing" and "beaver" in err.details["names"]


def test_a_file_that_is_not_an_archive_is_refused(tmp_path):
    path = tmp_path / "c.tgz"
    path.write_bytes(b"<html>not found</html>")
    assert _error(cifar.extract_mammals, path).code == "archive_corrupt"


class _Evil:
    def __reduce__(self):
        return os.system, ("touch pwned",)


def test_unpickler_refuses_code_without_running_it(fake, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    evil = pickle.dumps({"fine_label_names": _Evil()}, protocol=2)  # pickling runs nothing
    err = _error(cifar.load_pickle, io.BytesIO(evil), "meta")
    assert err.code == "unsafe_pickle" and err.details["name"].endswith(".system")
    path = fake_cifar.make_fake_cifar(tmp_path / "c.tgz", fake[3], omit=("meta",),
                                      extra={cifar.MEMBERS["meta"]: evil})
    assert _error(cifar.extract_mammals, path).code == "unsafe_pickle"
    assert not (tmp_path / "pwned").exists()


def test_path_traversal_member_is_never_written(fake, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    path = fake_cifar.make_fake_cifar(work / "c.tgz", fake[3],
                                      extra={"../evil": b"x", "cifar-100-python/../../evil2": b"x"})
    assert len(cifar.extract_mammals(path).x_train) == 45
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["c.tgz", "work"]


# --- prepare and the command line ---------------------------------------------------

def test_prepare_writes_course_files_and_provenance(fake, server, tmp_path):
    data_dir = tmp_path / "data"
    dataset = cifar.prepare(data_dir, url=server.url("ok"), md5=fake[2])
    assert (data_dir / cifar.CACHE_DIRNAME / cifar.ARCHIVE_NAME).read_bytes() == fake[1]
    again = load_course_dir(data_dir)
    np.testing.assert_array_equal(again.x_train, dataset.x_train)
    np.testing.assert_array_equal(again.x_test, dataset.x_test)
    assert again.train_labels.equals(dataset.train_labels)
    assert again.test_labels.equals(dataset.test_labels)
    assert again.fingerprint == dataset.fingerprint
    provenance = json.loads((data_dir / cifar.SOURCE_FILE).read_text())
    assert provenance.items() >= {"source": "cifar100", "url": server.url("ok"),
                                  "md5": fake[2], "train": 45, "test": 15}.items()
    assert provenance["prepared"][:2] == "20" and cifar.read_provenance(data_dir) == provenance
    before = len(server.requests)
    cifar.prepare(data_dir, url=server.url("ok"), md5=fake[2])  # the cached tarball is reused
    assert len(server.requests) == before


def _cli(*args, cwd=ROOT):
    env = {**os.environ, "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_cli_prepares_end_to_end(fake, server, tmp_path):
    result = _cli("prepare-cifar", "--data-dir", str(tmp_path), "--url", server.url("ok"),
                  "--md5", fake[2])
    assert result.returncode == 0, result.stderr
    assert "100%" in result.stderr and "MB" in result.stderr
    assert "45 train" in result.stdout and "15 test" in result.stdout
    assert all((tmp_path / name).is_file() for name in COURSE_FILES.values())
    assert cifar.read_provenance(tmp_path)["train"] == 45


def test_cli_fails_cleanly_on_md5_mismatch(server, tmp_path):
    result = _cli("prepare-cifar", "--data-dir", str(tmp_path), "--url", server.url("ok"),
                  "--md5", "0" * 32)
    assert result.returncode == 1
    assert "md5" in result.stderr and "0" * 32 in result.stderr
    assert "Traceback" not in result.stderr
    assert not any(tmp_path.rglob("10_*"))


def test_cli_help():
    result = _cli("--help")
    assert result.returncode == 0 and "prepare-cifar" in result.stdout
    result = _cli("prepare-cifar", "--help")
    assert result.returncode == 0 and "--md5" in result.stdout and cifar.OFFICIAL_MD5 in result.stdout
