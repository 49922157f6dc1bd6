"""The controls against overfitting: the stack a run builds, and what the worker does with
them (the same curves for the same seed, early stopping that keeps the best epoch)."""
import math

import numpy as np
import pytest

from core.engine.contract import EpochEvent, JobState
from core.training.plan import DEFAULTS, plan
from core.training.regularise import AUGMENTATION, active, best_epoch, model_layers
from tests.core.engine.test_jobs import data_path, make_config, manager, wait  # noqa: F401


def settings(**changes):
    return plan(dict(DEFAULTS, **changes), train_size=7500).settings


def test_off_the_stack_is_the_chosen_model():
    plain = settings()
    assert model_layers(plain) == list(plain.layers) and active(plain) == {}


def test_augmentation_goes_first_and_dropout_before_the_head():
    run = settings(augment=True, dropout=0.3)
    layers = model_layers(run)
    assert layers[:2] == list(AUGMENTATION)
    assert layers[-3:] == [{"type": "Flatten"}, {"type": "Dropout", "rate": 0.3},
                           {"type": "Dense", "units": 3, "activation": "softmax"}]
    assert len(layers) == len(run.layers) + 3
    assert active(run) == {"augment": True, "dropout": 0.3}


def test_the_best_epoch_is_the_lowest_validation_loss_of_a_whole_epoch():
    def epoch(i, val_loss, partial=False):
        return EpochEvent(epoch=i, t=i, partial=partial, loss=1.0, accuracy=0.5,
                          val_loss=val_loss, val_accuracy=0.5)
    assert best_epoch([epoch(0, 1.0), epoch(1, 0.7), epoch(2, 0.7), epoch(3, 0.1, True)]) == 1
    assert best_epoch([epoch(0, None)]) is None


@pytest.mark.slow
def test_every_control_trains_and_the_same_seed_gives_the_same_curves(manager, data_path):
    config = make_config(data_path, epochs=2, augment=True, dropout=0.5, weight_decay=1e-3,
                         early_stopping=5)
    runs = []
    for session in ("a", "b"):  # this manager keeps no library: the second one trains too
        job = manager.submit(session, config).job
        wait(lambda: not job.active)
        runs.append(job.snapshot())
    first, second = runs
    assert first.state == JobState.DONE, first.error
    assert [b.loss for b in first.batches] == [b.loss for b in second.batches]
    assert first.start.params == 4 * 27 + 4 + 16 + 16 * 16 * 4 * 3 + 3, "no control adds weights"


@pytest.fixture(scope="module")
def noisy_path(tmp_path_factory):
    """600 train / 90 test images with a faint class signal and a third of the labels
    wrong: the tiny CNN memorises them, and its validation loss turns upwards."""
    rng = np.random.default_rng(1)
    x = rng.integers(0, 200, (690, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 3, 690)
    x[np.arange(690), :, :, y] += 30
    wrong = rng.random(690) < 1 / 3
    y[wrong] = rng.integers(0, 3, wrong.sum())
    path = tmp_path_factory.mktemp("noisy") / "data.npz"
    np.savez(path, x_train=x[:600], y_train=y[:600], x_test=x[600:], y_test=y[600:])
    return str(path)


@pytest.mark.slow
def test_early_stopping_ends_the_fit_and_keeps_the_best_epochs_weights(manager, noisy_path):
    import keras

    from core.training.fit import load_arrays

    config = make_config(noisy_path, epochs=40, learning_rate=0.01, early_stopping=1)
    job = manager.submit("early", config).job
    wait(lambda: not job.active, timeout=300)
    run = job.snapshot()
    assert run.state == JobState.DONE and not run.result.stopped
    assert len(run.epochs) < 40, "the validation loss stopped improving"
    best = best_epoch(run.epochs)
    assert len(run.epochs) == best + 1 + 1, "patience 1: one epoch without improvement"
    _, _, x_val, y_val, _, _ = load_arrays(config.settings, config.data.path)
    model = keras.saving.load_model(run.out_dir / "model.keras")
    loss = model.evaluate(x_val.astype("float32"), y_val, verbose=0)[0]
    assert math.isclose(loss, run.epochs[best].val_loss, rel_tol=1e-3), "the best epoch's weights"
    assert not np.isclose(loss, run.epochs[-1].val_loss, rtol=1e-3)
