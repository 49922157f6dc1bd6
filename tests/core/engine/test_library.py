"""The run library: a finished run is kept under its identity and opened instead of trained
again; damaged, foreign and other datasets' entries are never served; it stays bounded."""
import dataclasses
import json
import os
import shutil
import time

import numpy as np
import pytest

from core.engine.contract import (
    BatchEvent, DataRef, DoneEvent, EpochEvent, JobConfig, JobState, Phase, Snapshot, StartEvent,
)
from core.engine.library import ENTRY, USED, RunLibrary, check, entry_of
from core.engine.manager import JobManager
from tests.core.keras_archives import CONV, LAMBDA, keras_zip, model_config
from tests.core.engine.test_jobs import make_config

N_TEST, N_CLASSES = 6, 3


def finished(tmp_path, config: JobConfig, name="run") -> Snapshot:
    """A DONE job's snapshot with real output files (a small safe model, probabilities)."""
    out = tmp_path / name
    out.mkdir()
    (out / "model.keras").write_bytes(keras_zip(model_config(CONV)))
    probs = np.eye(N_CLASSES, dtype="float32")[[0, 1, 2, 0, 1, 1]]  # (6, 3)
    labels = np.array([0, 1, 2, 0, 1, 2])  # 5 of 6 right
    np.save(out / "test_probs.npy", probs)
    np.save(out / "test_labels.npy", labels)
    start = StartEvent(params=10, trainable=10, train_size=54, val_size=6, test_size=N_TEST,
                       steps=2, epochs=1, device="CPU")
    batches = (BatchEvent(epoch=0, step=0, loss=1.1, accuracy=0.3, seen=32, t=0.5),
               BatchEvent(epoch=0, step=1, loss=0.9, accuracy=0.5, seen=54, t=0.6))
    epochs = (EpochEvent(epoch=0, t=0.7, partial=False, loss=1.0, accuracy=0.4, val_loss=1.0,
                         val_accuracy=0.5),)
    return Snapshot(id=1, state=JobState.DONE, phase=Phase.ENDED, config=config, out_dir=out,
                    created=100.0, started=101.0, ended=110.0, start=start, batches=batches,
                    epochs=epochs, result=DoneEvent(stopped=False, test_accuracy=5 / 6))


@pytest.fixture
def config():
    return make_config("/data/x.npz", epochs=1)


@pytest.fixture
def library(tmp_path, config):
    library = RunLibrary(tmp_path / "library")
    library.store(finished(tmp_path, config))
    return library


def test_an_entry_from_before_the_controls_against_overfitting_opens(library, config):
    """Entries written before RunSettings had augment, dropout, weight_decay and
    early_stopping (the shipped library's) read as runs with those controls off."""
    path = library.folders(config.key())[0] / ENTRY
    data = json.loads(path.read_text())
    for name in ("augment", "dropout", "weight_decay", "early_stopping"):
        del data["settings"][name]
    path.write_text(json.dumps(data))
    found, skipped = library.find(config)
    assert skipped == [] and found.entry.settings == config.settings


def test_a_stored_run_is_found_whole(library, config):
    found, skipped = library.find(config)
    assert skipped == [] and found.folder.name == config.key()
    assert found.entry.result.test_accuracy == pytest.approx(5 / 6)
    assert [b.loss for b in found.entry.batches] == [1.1, 0.9]
    assert {p.name for p in found.folder.iterdir()} >= {ENTRY, "model.keras", "test_probs.npy"}


def test_it_is_found_for_the_same_run_elsewhere(library, config):
    moved = JobConfig(config.settings, DataRef("/elsewhere.npz", config.data.fingerprint,
                                               config.data.class_names))
    assert library.find(moved)[0] is not None


def test_never_served_for_another_dataset_or_another_run(library, config):
    other_data = JobConfig(config.settings, DataRef("/data/x.npz", "another-dataset",
                                                    config.data.class_names))
    assert library.find(other_data) == (None, [])
    assert library.find(make_config("/data/x.npz", epochs=1, seed=5)) == (None, [])


def damage(library, config, how):
    folder = library.writable / config.key()
    if how == "entry_garbled":
        (folder / ENTRY).write_text("{not json")
    elif how == "entry_missing_field":
        data = json.loads((folder / ENTRY).read_text())
        del data["result"]
        (folder / ENTRY).write_text(json.dumps(data))
    elif how == "foreign_fingerprint":  # an entry moved under another run's name
        data = json.loads((folder / ENTRY).read_text())
        data["fingerprint"] = "someone-else"
        (folder / ENTRY).write_text(json.dumps(data))
    elif how == "model_missing":
        (folder / "model.keras").unlink()
    elif how == "model_unsafe":
        (folder / "model.keras").write_bytes(keras_zip(model_config(LAMBDA)))
    elif how == "model_not_a_zip":
        (folder / "model.keras").write_bytes(b"MZ\x90\x00 not a model")
    elif how == "probs_pickled":
        np.save(folder / "test_probs.npy", np.array([{"x": 1}], dtype=object))
    elif how == "probs_wrong_shape":
        np.save(folder / "test_probs.npy", np.zeros((2, 2), "float32"))
    elif how == "accuracy_does_not_match":
        np.save(folder / "test_labels.npy", np.zeros(N_TEST, int))


@pytest.mark.parametrize("how", ["entry_garbled", "entry_missing_field", "foreign_fingerprint",
                                 "model_missing", "model_unsafe", "model_not_a_zip",
                                 "probs_pickled", "probs_wrong_shape",
                                 "accuracy_does_not_match"])
def test_a_damaged_or_foreign_entry_is_skipped_with_a_reason(library, config, how):
    damage(library, config, how)
    found, skipped = library.find(config)
    assert found is None
    assert len(skipped) == 1 and skipped[0].reason.split(":")[0] in ("damaged", "foreign")


def test_a_shipped_entry_is_used_when_the_writable_one_is_damaged(tmp_path, config):
    shipped = RunLibrary(tmp_path / "shipped")
    shipped.store(finished(tmp_path, config, "a"))
    library = RunLibrary(tmp_path / "writable", shipped=(tmp_path / "shipped",))
    library.store(finished(tmp_path, config, "b"))
    damage(library, config, "model_missing")
    found, skipped = library.find(config)
    assert found.folder.parent == tmp_path / "shipped" and len(skipped) == 1


def test_the_library_stays_within_its_bound_oldest_unused_first(tmp_path):
    library = RunLibrary(tmp_path / "library", max_bytes=10**9)
    configs = [make_config("/d.npz", epochs=1, seed=s) for s in range(4)]
    for i, config in enumerate(configs):
        library.store(finished(tmp_path, config, f"run{i}"))
        os.utime(library.writable / config.key() / USED, (1000 + i, 1000 + i))
    library.find(configs[0])  # opened just now: the newest use
    size = library.size(library.writable / configs[0].key())
    library.max_bytes = 2 * size + size // 2  # room for two entries
    library.evict()
    kept = {p.name for p in library.entries()}
    assert kept == {configs[0].key(), configs[3].key()}, "runs 1 and 2 were used longest ago"
    library.max_bytes = 0
    library.evict(keep={library.writable / configs[0].key()})
    assert {p.name for p in library.entries()} == {configs[0].key()}, "one in use is spared"


def test_a_full_disk_keeps_nothing_half_written(tmp_path, config, monkeypatch):
    library = RunLibrary(tmp_path / "library")
    snapshot = finished(tmp_path, config)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", full)
    assert library.store(snapshot) is None
    assert library.entries() == [] and not any(library.writable.iterdir())


def test_a_library_hit_opens_without_a_worker(tmp_path, library, config):
    manager = JobManager(max_running=1, warm=False, root=tmp_path / "jobs", library=library)
    try:
        submitted = manager.submit("alice", config)
        job = submitted.job
        assert submitted.how == "library" and job.state == JobState.DONE and job.worker is None
        assert job.snapshot().origin == "library" and job.result.test_accuracy == pytest.approx(5 / 6)
        assert job.out_dir.parent == library.writable
        assert manager.running() == [] and manager.pool.idle == []
        manager.forget_session("alice")
        assert job.out_dir.is_dir(), "forgetting a session never deletes a library entry"
    finally:
        manager.shutdown()


@pytest.mark.slow
def test_a_run_that_finishes_enters_the_library_and_the_next_start_opens_it(tmp_path):
    from tests.core.engine.test_jobs import TINY, wait  # noqa: F401

    data = tmp_path / "data.npz"
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (200, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 3, 200)
    np.savez(data, x_train=x[:150], y_train=y[:150], x_test=x[150:], y_test=y[150:])
    library = RunLibrary(tmp_path / "library")
    manager = JobManager(max_running=1, warm=False, root=tmp_path / "jobs", library=library)
    try:
        trained = manager.submit("alice", make_config(data, epochs=1)).job
        wait(lambda: not trained.active and library.entries())
        assert trained.state == JobState.DONE
        meanwhile = manager.submit("carol", make_config(data, epochs=1))
        assert meanwhile.how == "library" and meanwhile.job is trained, "the run itself"
        manager.forget_session("alice")
        manager.forget_session("carol")  # nobody holds it: it goes with its folder
        assert not trained.out_dir.exists()
        again = manager.submit("bob", make_config(data, epochs=1))
        assert again.how == "library" and again.job is not trained
        assert again.job.origin == "library" and again.job.worker is None
        assert [b.loss for b in again.job.batches] == [b.loss for b in trained.batches]
        assert again.job.result == trained.result
        found, _ = library.find(make_config(data, epochs=1))
        check(found.folder, make_config(data, epochs=1))  # whole, by the same checks
    finally:
        manager.shutdown()
