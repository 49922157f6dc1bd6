"""The training engine: worker processes, true per-batch losses, Stop, NaN, queue, reaping."""
import math
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from core.training.contract import DataRef, JobConfig, JobState, RunSettings
from core.training.manager import OWNER_FILE, ROOT_PREFIX, JobManager, remove_stale_roots

pytestmark = pytest.mark.slow

TINY = [  # a small CNN: fast to train, still a real convolution stack
    {"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"},
    {"type": "BatchNormalization"},
    {"type": "Activation", "activation": "relu"},
    {"type": "Flatten"},
    {"type": "Dense", "units": 3, "activation": "softmax"},
]


@pytest.fixture(scope="module")
def data_path(tmp_path_factory):
    """600 train / 90 test images whose class is the brightest colour channel."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 120, (690, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 3, 690)
    x[np.arange(690), :, :, y] += 100
    path = tmp_path_factory.mktemp("jobs") / "data.npz"
    np.savez(path, x_train=x[:600], y_train=y[:600], x_test=x[600:], y_test=y[600:])
    return str(path)


def make_config(data_path, **changes) -> JobConfig:
    """The tiny CNN on `data_path`'s three classes; `changes` override RunSettings fields."""
    settings = dict(model="calculator", target="super", input_shape=(32, 32, 3),
                    layers=tuple(TINY), n_classes=3, epochs=2, batch_size=64, optimizer="adam",
                    learning_rate=0.01, validation_split=0.1, seed=0)
    return JobConfig(RunSettings(**dict(settings, **changes)),
                     DataRef(str(data_path), "test-data", ("a", "b", "c")))


@pytest.fixture
def manager(tmp_path):
    manager = JobManager(max_running=1, warm=False, root=tmp_path)
    yield manager
    manager.shutdown()


def wait(predicate, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError("condition not reached")


def test_job_records_batches_epochs_and_result(manager, data_path):
    job = manager.submit("a", make_config(data_path))
    wait(lambda: not job.active)
    record = job.snapshot()
    assert record.state == JobState.DONE, record.error
    steps = math.ceil(540 / 64)  # 600 images less a 10% validation split
    assert record.steps == steps and record.start.train_size == 540
    assert len(record.batches) == 2 * steps and len(record.epochs) == 2
    first_epoch = record.epochs[0]
    assert None not in (first_epoch.loss, first_epoch.accuracy, first_epoch.val_loss,
                        first_epoch.val_accuracy)
    # True per-batch losses: their sample-weighted mean is the epoch's loss.
    first = [b for b in record.batches if b.epoch == 0]
    sizes = np.diff([0] + [b.seen for b in first])
    mean = np.average([b.loss for b in first], weights=sizes)
    assert mean == pytest.approx(first_epoch.loss, rel=1e-4)
    assert len({round(b.loss, 6) for b in first}) > 1, "per-batch, not a running mean"
    assert 0 <= record.test_accuracy <= 1
    assert (job.out_dir / "model.keras").is_file()
    probs = np.load(job.out_dir / "test_probs.npy")
    assert probs.shape == (90, 3)


def test_same_seed_same_curves(manager, data_path):
    jobs = [manager.submit("a", make_config(data_path, epochs=1)) for _ in range(2)]
    wait(lambda: not any(j.active for j in jobs))
    losses = [[b.loss for b in j.snapshot().batches] for j in jobs]
    assert losses[0] == losses[1]
    other = manager.submit("a", make_config(data_path, epochs=1, seed=1))
    wait(lambda: not other.active)
    assert [b.loss for b in other.snapshot().batches] != losses[0]


def test_stop_ends_within_one_batch_and_keeps_the_model(manager, data_path):
    job = manager.submit("a", make_config(data_path, epochs=50, batch_size=16))
    wait(lambda: len(job.batches) >= 3)
    manager.stop(job)
    at_stop = len(job.batches)
    wait(lambda: not job.active)
    assert job.state == JobState.STOPPED and job.result.stopped is True
    assert len(job.batches) <= at_stop + 1, "Stop takes effect after the current batch"
    assert len(job.epochs) < 50
    assert (job.out_dir / "model.keras").is_file(), "the model so far stays usable"


def test_nonfinite_loss_stops_with_an_explanation(manager, data_path):
    job = manager.submit("a", make_config(data_path, optimizer="sgd", learning_rate=1e12,
                                          epochs=5))
    wait(lambda: not job.active)
    assert job.state == JobState.FAILED and job.error.code == "nonfinite_loss"
    assert len(job.epochs) < 5


def test_second_job_waits_in_the_queue_then_runs(manager, data_path):
    first = manager.submit("a", make_config(data_path, epochs=3))
    second = manager.submit("b", make_config(data_path, epochs=1))
    assert manager.queue_position(second) == 1 and manager.queue_position(first) is None
    wait(lambda: first.state == JobState.RUNNING)
    assert second.state == JobState.QUEUED
    wait(lambda: not second.active)
    assert first.state == JobState.DONE and second.state == JobState.DONE
    assert second.started >= first.ended


def test_cancel_a_queued_job(manager, data_path):
    first = manager.submit("a", make_config(data_path, epochs=1))
    second = manager.submit("b", make_config(data_path, epochs=1))
    manager.stop(second)
    assert second.state == JobState.STOPPED and second.error.code == "cancelled"
    wait(lambda: not first.active)
    assert first.state == JobState.DONE


def test_orphaned_job_is_stopped(tmp_path, data_path):
    alive = {"a": True}
    manager = JobManager(max_running=1, warm=False, root=tmp_path,
                         session_alive=lambda s: alive[s], orphan_grace=0.5)
    try:
        job = manager.submit("a", make_config(data_path, epochs=50, batch_size=16))
        wait(lambda: len(job.batches) >= 2)
        alive["a"] = False  # the tab was closed
        wait(lambda: not job.active, timeout=60)
        assert job.state == JobState.STOPPED
        wait(lambda: job.worker is None or not job.worker.alive(), timeout=30)
    finally:
        manager.shutdown()


def test_a_crashing_worker_is_reported(manager, tmp_path):
    job = manager.submit("a", make_config(str(tmp_path / "missing.npz")))
    wait(lambda: not job.active)
    assert job.state == JobState.FAILED and job.error.code == "crash"
    assert "missing.npz" in job.error.message


def test_a_killed_worker_is_reported(manager, data_path):
    job = manager.submit("a", make_config(data_path, epochs=50, batch_size=16))
    wait(lambda: len(job.batches) >= 2)
    job.worker.kill()
    wait(lambda: not job.active)
    assert job.state == JobState.FAILED and job.error.code == "worker_died"


def test_session_folders_are_private_and_not_named_by_users(manager):
    a, b = manager.session_dir("../../etc"), manager.session_dir("b")
    assert a.parent == manager.root and a != b and ".." not in a.name
    assert (a.stat().st_mode & 0o777) == 0o700


def ended(manager, session_id, group="train"):
    """A job that has already ended (no worker started: this manager runs none)."""
    job = manager.submit(session_id, make_config("unused.npz", epochs=1), group=group)
    job.out_dir.mkdir(parents=True)
    (job.out_dir / "model.keras").write_bytes(b"a model")
    job.state = JobState.DONE
    return job


def test_a_session_keeps_only_its_newest_ended_runs_per_page(tmp_path):
    manager = JobManager(max_running=0, warm=False, root=tmp_path, keep_ended=2)
    try:
        lesson = ended(manager, "a", group="transfer")
        runs = [ended(manager, "a") for _ in range(4)]
        other = ended(manager, "b")
        kept = manager.jobs_of("a")
        assert kept[-2:] == runs[-2:] and lesson in kept and runs[0] not in kept
        assert not runs[0].out_dir.exists() and runs[-1].out_dir.exists()
        assert other in manager.jobs_of("b")  # another session's runs are its own
    finally:
        manager.shutdown()


def test_an_ended_session_is_forgotten_with_its_files(tmp_path):
    alive = {"a": True, "b": True}
    manager = JobManager(max_running=0, warm=False, root=tmp_path, orphan_grace=0,
                         forget_after=0, session_alive=lambda s: alive[s])
    try:
        done, waiting = ended(manager, "a"), manager.submit("a", make_config("unused.npz"))
        kept = ended(manager, "b")
        manager.reap()
        assert manager.jobs_of("a") == [done, waiting]  # both tabs still open
        alive["a"] = False  # the tab was closed
        manager.reap()  # its queued job is cancelled, then the session is forgotten
        assert waiting.state == JobState.STOPPED and manager.jobs_of("a") == []
        assert not done.out_dir.exists() and not done.out_dir.parent.exists()
        assert manager.jobs_of("b") == [kept] and kept.out_dir.exists()
    finally:
        manager.shutdown()


def test_a_closed_tab_keeps_its_results_while_it_may_come_back(tmp_path):
    alive = {"a": False}
    manager = JobManager(max_running=0, warm=False, root=tmp_path, orphan_grace=0,
                         forget_after=60, session_alive=lambda s: alive[s])
    try:
        done = ended(manager, "a")
        manager.reap()
        assert manager.jobs_of("a") == [done] and done.out_dir.exists()
    finally:
        manager.shutdown()


def test_job_folders_of_dead_servers_are_removed(tmp_path):
    """A killed server leaves its models in /tmp; the next one clears them."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale, alive, unowned = (tmp_path / f"{ROOT_PREFIX}{n}" for n in ("a", "b", "c"))
    for folder, owner in ((stale, dead.pid), (alive, os.getpid()), (unowned, None)):
        (folder / "job-1").mkdir(parents=True)
        if owner:
            (folder / OWNER_FILE).write_text(str(owner))
    assert remove_stale_roots(tmp_path) == [stale]
    assert not stale.exists() and alive.exists() and unowned.exists()
