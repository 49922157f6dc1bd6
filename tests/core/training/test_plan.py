"""The training page's settings: checked into the engine's config, with clear error codes."""
import math

import pytest

from core.training import plan as train_config
from core.i18n import LANGUAGES, table
from core.engine.contract import RunSettings
from core.training.plan import ConfigError, plan

TRAIN_SIZE = 7500  # the course's (and the synthetic set's) training images


def settings(**changes):
    return dict(train_config.DEFAULTS, **changes)


def error_of(**changes) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        plan(settings(**changes), TRAIN_SIZE)
    return info.value


def test_defaults_are_the_notebooks_stride_model():
    result = plan(settings(), TRAIN_SIZE)
    assert isinstance(result.settings, RunSettings)
    assert result.params == 114_371  # the notebook's model.summary()
    assert result.settings.batch_size == 200 and result.settings.epochs == 20
    assert result.settings.optimizer == "adam" and result.settings.learning_rate == 0.001
    assert result.settings.n_classes == 3 and result.settings.transfer is None
    assert result.train_images == 6750  # 7,500 less the 10% validation split
    assert result.rows[-1].output_shape == (3,)
    assert result.settings.max_train is None and result.settings.max_test is None


def test_fine_classes_resize_the_head():
    fine = plan(settings(target="fine"), TRAIN_SIZE)
    assert fine.rows[-1].output_shape == (15,)
    assert fine.params == 114_371 + 12 * (2 * 2 * 64 + 1)  # 12 more units on a 256-vector


def test_notebook_models():
    assert plan(settings(model="stride_pool_fixed"), TRAIN_SIZE).params == 114_371
    assert plan(settings(model="super_model"), TRAIN_SIZE).params == 449_923
    err = error_of(model="stride_pool")
    assert err.code == "bad_stack" and err.shape_error.code == "pool_too_small"
    assert err.shape_error.layer_index == 11  # the third MaxPooling2D gets a 1x1 input
    assert err.details["layer"] == 12
    assert error_of(model="resnet").code == "bad_model"
    assert error_of(target="coarse").code == "bad_target"


STACK = {"input_shape": [32, 32, 3], "layers": [
    {"type": "Conv2D", "filters": 8, "kernel_size": 3},
    {"type": "Activation", "activation": "relu"}]}


def test_calculator_stack_gets_a_head():
    result = plan(settings(model="calculator"), TRAIN_SIZE, stack=STACK)
    assert [r.type for r in result.rows] == ["Conv2D", "Activation", "Flatten", "Dense"]
    assert result.rows[-1].output_shape == (3,)
    with_softmax = {"input_shape": (32, 32, 3), "layers": STACK["layers"] + [
        {"type": "Flatten"}, {"type": "Dense", "units": 10, "activation": "softmax"}]}
    fine = plan(settings(model="calculator", target="fine"), TRAIN_SIZE, stack=with_softmax)
    assert len(fine.rows) == 4 and fine.rows[-1].output_shape == (15,), "units replaced"
    assert with_softmax["layers"][-1]["units"] == 10, "the calculator's stack is not changed"


def test_calculator_stack_problems():
    with pytest.raises(ConfigError) as info:
        plan(settings(model="calculator"), TRAIN_SIZE, stack=None)
    assert info.value.code == "no_stack"
    impossible = {"input_shape": (32, 32, 3), "layers": [
        {"type": "Conv2D", "filters": 4, "kernel_size": 40}]}
    with pytest.raises(ConfigError) as info:
        plan(settings(model="calculator"), TRAIN_SIZE, stack=impossible)
    assert info.value.code == "bad_stack" and info.value.shape_error.layer_index == 0
    other_shape = dict(STACK, input_shape=(64, 64, 3))
    with pytest.raises(ConfigError) as info:
        plan(settings(model="calculator"), TRAIN_SIZE, stack=other_shape)
    assert info.value.code == "bad_input_shape"


@pytest.mark.parametrize("changes, code", [
    ({"validation_split": 1.0}, "bad_validation_split"),
    ({"validation_split": 1.5}, "bad_validation_split"),
    ({"validation_split": -0.1}, "bad_validation_split"),
    ({"batch_size": 0}, "bad_batch_size"),
    ({"batch_size": 10**6}, "bad_batch_size"),
    ({"batch_size": 20.5}, "bad_batch_size"),
    ({"epochs": 0}, "bad_epochs"),
    ({"epochs": True}, "bad_epochs"),
    ({"learning_rate": 0.0}, "bad_learning_rate"),
    ({"learning_rate": -0.01}, "bad_learning_rate"),
    ({"learning_rate": math.nan}, "bad_learning_rate"),
    ({"learning_rate": math.inf}, "bad_learning_rate"),
    ({"optimizer": "adagrad"}, "bad_optimizer"),
    ({"seed": -1}, "bad_seed"),
    ({"seed": 2**40}, "bad_seed"),
    ({"augment": 1}, "bad_augment"),
    ({"dropout": 0.95}, "bad_dropout"),
    ({"dropout": -0.1}, "bad_dropout"),
    ({"weight_decay": 2.0}, "bad_weight_decay"),
    ({"early_stopping": 1.5}, "bad_early_stopping"),
    ({"early_stopping": 3, "validation_split": 0.0}, "early_stopping_needs_validation"),
])
def test_invalid_settings_are_rejected_with_a_code(changes, code):
    assert error_of(**changes).code == code


def test_a_split_that_leaves_nothing_to_train_on():
    with pytest.raises(ConfigError) as info:
        plan(settings(validation_split=0.99), TRAIN_SIZE, max_images=20)
    assert info.value.code == "bad_validation_split"
    assert plan(settings(validation_split=0.0), TRAIN_SIZE).train_images == TRAIN_SIZE


def test_every_error_code_has_a_message_in_every_language():
    codes = {"bad_stack", "bad_model", "no_stack", "bad_target", "bad_input_shape",
             "bad_output", "bad_epochs", "bad_batch_size", "bad_learning_rate",
             "bad_validation_split", "bad_seed", "bad_optimizer", "bad_augment",
             "bad_dropout", "bad_weight_decay", "bad_early_stopping",
             "early_stopping_needs_validation"}
    for lang in LANGUAGES:
        assert {f"train.error.{c}" for c in codes} <= set(table(lang)), lang


def test_image_cap_for_tests_and_demos():
    result = plan(settings(), TRAIN_SIZE, max_images=300)
    assert result.settings.max_train == 300 and result.settings.max_test == 300
    assert result.train_images == 270


def test_time_estimate_is_sane():
    def seconds(model="stride", images=TRAIN_SIZE, batch_size=200):
        return plan(settings(model=model, batch_size=batch_size), images).seconds_per_epoch

    stride = seconds()
    assert 0.5 < stride < 120, "the notebook's 20 epochs took 111 s on the author's CPU"
    assert stride < seconds("stride_pool_fixed") < seconds("super_model")
    assert seconds(images=750) == pytest.approx(stride / 10, rel=0.1)
    assert seconds(batch_size=10) > stride, "more optimizer steps per epoch"
    assert train_config.epoch_seconds(10**6, 1000, 100) == pytest.approx(
        10 * train_config.SECONDS_PER_STEP
        + 1000 * (train_config.SECONDS_PER_IMAGE + 10**6 * train_config.SECONDS_PER_MAC))


def test_choices_missing_a_setting_are_a_bug_not_a_default():
    """The page passes every widget's value; a missing one is never filled in silently."""
    choices = settings()
    del choices["seed"]
    with pytest.raises(ValueError, match="seed"):
        plan(choices, TRAIN_SIZE)


def test_the_controls_against_overfitting_are_off_by_default_and_change_the_built_stack():
    off = plan(settings(), TRAIN_SIZE)
    assert (off.settings.augment, off.settings.dropout, off.settings.weight_decay,
            off.settings.early_stopping) == (False, 0.0, 0.0, 0)
    on = plan(settings(augment=True, dropout=0.5, weight_decay=1e-4, early_stopping=3),
              TRAIN_SIZE)
    assert on.settings.layers == off.settings.layers, "the chosen model, as chosen"
    types = [row.type for row in on.rows]
    assert types[:2] == ["RandomFlip", "RandomTranslation"]
    assert types[-3:] == ["Flatten", "Dropout", "Dense"]
    assert on.params == off.params, "no control adds a weight"
    assert on.settings.early_stopping == 3 and on.settings.weight_decay == 1e-4
