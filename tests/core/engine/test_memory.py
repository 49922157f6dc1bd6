"""A job's memory estimate, and the scheduler starting a second job only when it fits."""
import dataclasses

import pytest

from core.stack import presets
from core.engine import memory
from core.engine.contract import JobState, TransferRecipe
from core.engine.manager import JobManager
from core.transfer.checkpoints import inspect_keras
from core.transfer.pretrain import CHECKPOINT_DIR
from tests.core.engine.test_jobs import LONG, make_config, wait
from tests.core.engine.test_jobs import data_path  # noqa: F401  (a fixture)


def preset_config(data_path, model: str, batch_size: int = 200):
    layers = presets.with_head(presets.preset(model)[1], 3)
    return make_config(data_path, layers=tuple(layers), batch_size=batch_size)


def test_a_bigger_batch_or_model_needs_more(data_path):
    stride = memory.job_mb(preset_config(data_path, "stride"))
    assert memory.job_mb(preset_config(data_path, "stride", 1000)) > stride
    assert memory.job_mb(preset_config(data_path, "super_model")) > stride
    assert stride > memory.WORKER_BASE_MB


def test_the_default_budget_runs_two_stride_jobs_together_and_super_models_alone(data_path):
    stride = memory.job_mb(preset_config(data_path, "stride"))
    big = memory.job_mb(preset_config(data_path, "super_model"))
    budget = memory.BUDGET_MB
    assert memory.fits([stride], stride, budget)
    assert not memory.fits([big], big, budget)
    assert not memory.fits([stride], big, budget)
    assert memory.fits([], 10 * budget, budget), "a job alone always starts"


def test_a_loaded_extractor_is_read_from_its_file(data_path):
    layers = inspect_keras(bundled_path().read_bytes()).layers
    fresh = make_config(data_path, layers=None, transfer=TransferRecipe(
        "scratch", extractor_layers=tuple(layers)))
    loaded = make_config(data_path, layers=None, transfer=TransferRecipe(
        "frozen", extractor_path=str(bundled_path()), extractor_sha256="0" * 64))
    assert memory.job_mb(loaded) == pytest.approx(memory.job_mb(fresh))


def test_an_unreadable_model_is_assumed_to_need_everything(data_path, tmp_path):
    broken = tmp_path / "extractor.keras"
    broken.write_bytes(b"not a zip")
    config = make_config(data_path, layers=None, transfer=TransferRecipe(
        "frozen", extractor_path=str(broken), extractor_sha256="0" * 64))
    assert memory.job_mb(config) == memory.BUDGET_MB


def bundled_path():
    return next(CHECKPOINT_DIR.glob("*.keras"))  # the extractor the app ships


def manager_for(tmp_path, small, big) -> JobManager:
    """Two slots, and memory for two small jobs beside the server, not a big and a small."""
    budget = memory.SERVER_MB + 2 * memory.job_mb(small) + 1
    assert memory.job_mb(big) > memory.job_mb(small) + 1
    return JobManager(max_running=2, warm=False, root=tmp_path, memory_budget_mb=budget)


def test_two_jobs_that_fit_train_at_once(tmp_path, data_path):
    small = make_config(data_path, epochs=LONG)
    manager = manager_for(tmp_path, small, make_config(data_path, batch_size=50_000))
    try:
        first = manager.submit("a", small).job
        second = manager.submit("b", dataclasses.replace(
            small, settings=dataclasses.replace(small.settings, seed=1))).job
        assert first.state.running and second.state.running
    finally:
        manager.shutdown()


def test_a_job_that_does_not_fit_waits_and_holds_back_the_ones_behind_it(tmp_path, data_path):
    small = make_config(data_path, epochs=LONG)
    big_config = make_config(data_path, epochs=LONG, batch_size=50_000)
    manager = manager_for(tmp_path, small, big_config)
    try:
        first = manager.submit("a", small).job
        big = manager.submit("b", big_config).job
        behind = manager.submit("c", make_config(data_path, epochs=LONG, seed=1)).job
        assert first.state.running
        assert big.state == behind.state == JobState.QUEUED, "a free slot, but not the memory"
        forecast = manager.forecast()
        assert forecast[big.id][0] > 0 and forecast[behind.id][0] > 0
        manager.stop(first)
        wait(lambda: big.state.running, timeout=120)
        assert behind.state == JobState.QUEUED, "nothing fits beside the big one"
    finally:
        manager.shutdown()
