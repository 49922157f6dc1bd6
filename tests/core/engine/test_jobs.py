"""The training engine with real worker processes: true per-batch losses, the same curves
for the same seed, reused workers, Stop within a batch, NaN, a crash, the queue, a closed
tab. What the manager decides is tested in seconds on fake workers (test_manager.py)."""
import math
import time

import numpy as np
import pytest

from core.engine.contract import DataRef, JobConfig, JobState, RunSettings
from core.engine.manager import JobManager

pytestmark = pytest.mark.slow

TINY = [  # a small CNN: fast to train, still a real convolution stack
    {"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"},
    {"type": "BatchNormalization"},
    {"type": "Activation", "activation": "relu"},
    {"type": "Flatten"},
    {"type": "Dense", "units": 3, "activation": "softmax"},
]


def brightest_channel_data(path, train: int, test: int) -> str:
    """`train` + `test` images whose class is the brightest colour channel, saved at `path`."""
    rng = np.random.default_rng(0)
    n = train + test
    x = rng.integers(0, 120, (n, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 3, n)
    x[np.arange(n), :, :, y] += 100
    np.savez(path, x_train=x[:train], y_train=y[:train], x_test=x[train:], y_test=y[train:])
    return str(path)


@pytest.fixture(scope="module")
def data_path(tmp_path_factory):
    """600 train / 90 test images whose class is the brightest colour channel."""
    return brightest_channel_data(tmp_path_factory.mktemp("jobs") / "data.npz", 600, 90)


LONG = 5000  # epochs no test waits for: a run that is still going when the test acts on it
# Batches slow enough (tens of ms each) that the server's view of a run lags it by a batch
# or so, not the several a tiny model trains while a busy machine delivers one event (or
# Ray's 0.25 s poll collects them): then "soon after the Stop" means what it says.
SLOW = ({"type": "Conv2D", "filters": 32, "kernel_size": 3, "padding": "same"},
        {"type": "Conv2D", "filters": 64, "kernel_size": 3, "padding": "same"},
        {"type": "Flatten"}, {"type": "Dense", "units": 3, "activation": "softmax"})


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
    job = manager.submit("a", make_config(data_path)).job
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


def losses(job) -> list[float]:
    wait(lambda: not job.active)
    assert job.state == JobState.DONE, job.error
    return [b.loss for b in job.snapshot().batches]


def test_same_seed_same_curves(manager, data_path):
    """Trained twice (this manager keeps no library, and the first run is let go before
    the second Start), one run gives the same losses to the last digit: what makes
    sharing identical runs between students honest."""
    first = losses(manager.submit("a", make_config(data_path, epochs=1)).job)
    manager.forget_session("a")
    again = manager.submit("b", make_config(data_path, epochs=1))
    assert again.how == "new"
    assert losses(again.job) == first
    other = manager.submit("c", make_config(data_path, epochs=1, seed=1)).job
    assert losses(other) != first


def test_a_reused_worker_trains_exactly_like_a_fresh_one(tmp_path, data_path):
    manager = JobManager(max_running=1, warm=True, root=tmp_path, jobs_per_worker=3)
    try:
        fresh = manager.submit("a", make_config(data_path, epochs=1)).job
        first = losses(fresh)
        worker = manager.pool.idle[0]
        other = losses(manager.submit("a", make_config(data_path, epochs=1, seed=1)).job)
        manager.forget_session("a")  # let go of the first run, so the same Start trains it
        reused = manager.submit("b", make_config(data_path, epochs=1)).job
        assert losses(reused) == first and other != first
        assert worker.jobs_assigned == 3, "one worker trained all three"
        assert reused.import_seconds is None, "it did not wait for TensorFlow"
        wait(lambda: not worker.alive(), timeout=30)  # its last job: retired
    finally:
        manager.shutdown()


def test_stop_ends_within_one_batch_and_keeps_the_model(manager, data_path):
    job = manager.submit("a", make_config(data_path, layers=SLOW, epochs=LONG,
                                          batch_size=32)).job
    wait(lambda: len(job.batches) >= 3)
    manager.stop(job)
    at_stop = len(job.batches)
    wait(lambda: not job.active)
    assert job.state == JobState.STOPPED and job.result.stopped is True
    assert len(job.batches) <= at_stop + 1, "Stop takes effect after the current batch"
    assert len(job.epochs) < LONG
    assert (job.out_dir / "model.keras").is_file(), "the model so far stays usable"


def test_nonfinite_loss_stops_with_an_explanation(manager, data_path):
    job = manager.submit("a", make_config(data_path, optimizer="sgd", learning_rate=1e12,
                                          epochs=5)).job
    wait(lambda: not job.active)
    assert job.state == JobState.FAILED and job.error.code == "nonfinite_loss"
    assert len(job.epochs) < 5


def test_second_job_waits_in_the_queue_then_runs(manager, data_path):
    first = manager.submit("a", make_config(data_path, epochs=3)).job
    second = manager.submit("b", make_config(data_path, epochs=1, seed=2)).job
    assert manager.queue_position(second) == 1 and manager.queue_position(first) is None
    wait(lambda: first.state == JobState.RUNNING)
    assert second.state == JobState.QUEUED
    wait(lambda: not second.active)
    assert first.state == JobState.DONE and second.state == JobState.DONE
    assert second.started >= first.ended


def test_cancel_a_queued_job(manager, data_path):
    first = manager.submit("a", make_config(data_path, epochs=1)).job
    second = manager.submit("b", make_config(data_path, epochs=1, seed=2)).job
    manager.stop(second)
    assert second.state == JobState.STOPPED and second.error.code == "cancelled"
    wait(lambda: not first.active)
    assert first.state == JobState.DONE


def test_orphaned_job_is_stopped(tmp_path, data_path):
    alive = {"a": True}
    manager = JobManager(max_running=1, warm=False, root=tmp_path,
                         session_alive=lambda s: alive[s], orphan_grace=0.5)
    try:
        job = manager.submit("a", make_config(data_path, epochs=LONG, batch_size=16)).job
        wait(lambda: len(job.batches) >= 2)
        alive["a"] = False  # the tab was closed
        wait(lambda: not job.active, timeout=60)
        assert job.state == JobState.STOPPED
        wait(lambda: job.worker is None or not job.worker.alive(), timeout=30)
    finally:
        manager.shutdown()


def test_a_crashing_worker_is_reported(manager, tmp_path):
    job = manager.submit("a", make_config(str(tmp_path / "missing.npz"))).job
    wait(lambda: not job.active)
    assert job.state == JobState.FAILED and job.error.code == "crash"
    assert "missing.npz" in job.error.message


def test_a_killed_worker_is_reported(manager, data_path):
    job = manager.submit("a", make_config(data_path, epochs=LONG, batch_size=16)).job
    wait(lambda: len(job.batches) >= 2)
    job.worker.kill()
    wait(lambda: not job.active)
    assert job.state == JobState.FAILED and job.error.code == "worker_died"


# ---- a class trains together: shared runs --------------------------------------------------

def test_identical_starts_share_one_run_and_its_worker(manager, data_path):
    first = manager.submit("alice", make_config(data_path, epochs=2))
    second = manager.submit("bob", make_config(data_path, epochs=2))
    assert (first.how, second.how) == ("new", "joined") and first.job is second.job
    job = first.job
    assert job.snapshot().watchers == 2
    assert manager.jobs_of("alice") == manager.jobs_of("bob") == [job]
    other = manager.submit("carol", make_config(data_path, epochs=2, seed=1))
    assert other.how == "new" and other.job is not job, "another seed trains her own"
    wait(lambda: not other.job.active)
    assert job.state == other.job.state == JobState.DONE
    assert (job.out_dir / "model.keras").is_file()


def test_one_watcher_leaving_does_not_stop_the_others_run(manager, data_path):
    job = manager.submit("alice", make_config(data_path, epochs=LONG, batch_size=16)).job
    manager.submit("bob", make_config(data_path, epochs=LONG, batch_size=16))
    wait(lambda: len(job.batches) >= 2)
    manager.leave(job, "alice")  # her Stop
    assert job.state == JobState.RUNNING and manager.jobs_of("alice") == []
    assert job.snapshot().watchers == 1 and manager.jobs_of("bob") == [job]
    manager.leave(job, "bob")  # the last watcher's Stop stops it
    wait(lambda: not job.active)
    assert job.state == JobState.STOPPED and manager.jobs_of("bob") == [job]
    assert (job.out_dir / "model.keras").is_file(), "his model so far stays his"


