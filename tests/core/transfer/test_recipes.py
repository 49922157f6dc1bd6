"""Transfer-learning recipes in the worker: pretrain saves an extractor, frozen keeps it,
fine-tuning unfreezes it with BatchNormalization kept in inference mode."""
import numpy as np
import pytest

from core.engine.contract import FROM_FILE, JobState, Recipe, TransferRecipe
from core.engine.manager import JobManager
from core.transfer.lesson import file_sha256

from tests.core.engine.test_jobs import data_path, make_config, wait  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow

EXTRACTOR = [
    {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same"},
    {"type": "BatchNormalization"},
    {"type": "Activation", "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": 4},
]


@pytest.fixture(scope="module")
def manager(tmp_path_factory):
    manager = JobManager(max_running=1, warm=False, root=tmp_path_factory.mktemp("transfer"))
    yield manager
    manager.shutdown()


def run(manager, data_path, recipe, seed=0, **transfer):
    if Recipe(recipe) not in FROM_FILE:
        transfer["extractor_layers"] = tuple(EXTRACTOR)
    else:
        transfer["extractor_sha256"] = file_sha256(transfer["extractor_path"])
    config = make_config(data_path, n_classes=3, epochs=2, layers=None, seed=seed,
                         transfer=TransferRecipe(Recipe(recipe), **transfer))
    job = manager.submit("t", config).job
    wait(lambda: not job.active)
    assert job.state == JobState.DONE, job.error
    return job


def weights(path, name="extractor"):
    import keras

    model = keras.saving.load_model(path, safe_mode=True, compile=False)
    layer = model if name is None else model.get_layer(name)
    return [w.numpy() for w in layer.weights]


@pytest.fixture(scope="module")
def pretrained(manager, data_path):
    job = run(manager, data_path, "pretrain")
    assert (job.out_dir / "extractor.keras").is_file()
    return job.out_dir / "extractor.keras"


def test_frozen_extractor_does_not_change(manager, data_path, pretrained):
    job = run(manager, data_path, "frozen", extractor_path=str(pretrained))
    assert job.start.trainable == 8 * 8 * 4 * 3 + 3, "only the Dense(3) head on 8x8x4 trains"
    before, after = weights(pretrained, None), weights(job.out_dir / "model.keras")
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


def test_finetune_unfreezes_but_keeps_batchnorm_statistics(manager, data_path, pretrained):
    job = run(manager, data_path, "finetune", extractor_path=str(pretrained), head_epochs=1,
              finetune_learning_rate=1e-3)
    assert job.unfreeze.epoch == 1 and job.unfreeze.trainable > job.start.trainable
    before = weights(pretrained, None)
    after = weights(job.out_dir / "model.keras")
    kernel_changed = not np.array_equal(before[0], after[0])
    moving_mean_same = np.array_equal(before[4], after[4])  # BN: gamma, beta, mean, var
    assert kernel_changed and moving_mean_same


def test_scratch_has_fresh_weights(manager, data_path, pretrained):
    # Same data as the pretraining here, so another seed: with seed 0 scratch *is* pretrain.
    job = run(manager, data_path, "scratch", seed=1)
    assert job.start.trainable > 3 * 64 * 3
    assert not np.array_equal(weights(pretrained, None)[0], weights(job.out_dir / "model.keras")[0])
