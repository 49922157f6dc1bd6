"""The transfer lesson's jobs are a fair comparison, its parameter counts and time
estimates are right, and a saved extractor loads back identical."""
import dataclasses

import numpy as np
import pytest

from core.stack import presets
from core.engine.contract import DataRef, JobConfig, Recipe, TransferRecipe
from core.transfer import lesson

FINE = [f"fine{i}" for i in range(15)]
EXTRACTOR = presets.shared_extractor(8)


SHA = "5e" * 32  # the extractor file's sha256
DATA = DataRef("/data/fine.npz", "fine-data", tuple(FINE))


def configs(**changes):
    settings = lesson.Settings(width=8, epochs=4, batch_size=50, seed=3, head_epochs=1,
                               max_images=300, **changes)
    arms = lesson.arm_jobs(settings, "/x/extractor.keras", SHA, EXTRACTOR, len(FINE))
    return settings, arms


def test_the_three_arms_share_everything_but_the_recipe():
    settings, arms = configs()
    assert list(arms) == ["scratch", "frozen", "finetune"]
    common = lesson.shared([JobConfig(run, DATA) for run in arms.values()])
    assert common["seed"] == 3
    assert common["epochs"] == 4 and common["batch_size"] == 50
    assert common["target"] == "fine" and common["n_classes"] == 15
    assert common["max_train"] == common["max_test"] == 300
    recipes = {arm: run.transfer for arm, run in arms.items()}
    assert recipes["scratch"] == TransferRecipe(Recipe.SCRATCH, extractor_layers=tuple(EXTRACTOR))
    assert recipes["frozen"] == TransferRecipe(Recipe.FROZEN, extractor_path="/x/extractor.keras",
                                               extractor_sha256=SHA)
    assert recipes["finetune"] == TransferRecipe(
        Recipe.FINETUNE, extractor_path="/x/extractor.keras", extractor_sha256=SHA, head_epochs=1,
        finetune_learning_rate=lesson.DEFAULTS["finetune_learning_rate"])


def test_pretraining_holds_out_the_same_validation_images():
    settings, arms = configs()
    pretrain = lesson.pretrain_job(settings)
    assert pretrain.transfer.recipe == Recipe.PRETRAIN and pretrain.n_classes == 3
    assert pretrain.transfer.extractor_layers == tuple(EXTRACTOR)
    for key in ("seed", "validation_split", "max_train", "max_test", "batch_size",
                "learning_rate", "optimizer"):
        assert getattr(pretrain, key) == getattr(arms["scratch"], key), key  # same split, order


def test_a_difference_between_arms_is_caught():
    _, arms = configs()
    configs_ = [JobConfig(run, DATA) for run in arms.values()]
    configs_[1] = JobConfig(dataclasses.replace(arms["frozen"], seed=4), DATA)
    with pytest.raises(ValueError, match="seed"):
        lesson.shared(configs_)
    other_data = DataRef("/data/fine.npz", "another-dataset", tuple(FINE))
    with pytest.raises(ValueError, match="different data"):
        lesson.shared([JobConfig(arms["scratch"], DATA), JobConfig(arms["frozen"], other_data)])


def test_recipe_params_by_hand():
    params = lesson.recipe_params(EXTRACTOR, 15)
    conv = [3 * 3 * 3 * 8 + 8] + [3 * 3 * 8 * 8 + 8] * 3
    assert params.extractor == sum(conv) + 4 * (4 * 8)  # BN: gamma, beta, mean, variance
    assert params.head == 2 * 2 * 8 * 15 + 15
    assert params.frozen == params.head
    assert params.scratch == sum(conv) + 4 * (2 * 8) + params.head
    assert params.finetune == sum(conv) + params.head  # BatchNormalization stays frozen


def test_lesson_seconds_grow_with_width_and_epochs():
    settings = lesson.Settings()
    small = lesson.lesson_seconds(settings, presets.shared_extractor(16), 7500)
    large = lesson.lesson_seconds(settings, presets.shared_extractor(128), 7500)
    assert large["pretrain"] > 10 * small["pretrain"]
    assert small["scratch"] == pytest.approx(small["pretrain"] * settings.epochs
                                             / settings.pretrain_epochs)
    assert small["frozen"] < small["finetune"] < small["scratch"], "frozen runs forward only"


# ---- with Keras: parameter counts and the save/load round trip ---------------------------

@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A pretrained-like model.keras and extractor.keras, another extractor, a wider one."""
    import keras

    from core.transfer.models import transfer_model

    folder = tmp_path_factory.mktemp("roundtrip")
    keras.utils.set_random_seed(0)
    model, extractor = transfer_model("pretrain", (32, 32, 3), 3, extractor_layers=EXTRACTOR)
    model.save(folder / "model.keras")
    extractor.save(folder / "extractor.keras")
    keras.utils.set_random_seed(1)
    _, other = transfer_model("pretrain", (32, 32, 3), 3, extractor_layers=EXTRACTOR)
    other.save(folder / "other.keras")
    _, wide = transfer_model("pretrain", (32, 32, 3), 3,
                             extractor_layers=presets.shared_extractor(16))
    wide.save(folder / "wide.keras")
    lam = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Lambda(lambda x: x * 2)])
    lam.save(folder / "lambda.keras")
    return folder


def images():
    return np.random.default_rng(0).integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)


@pytest.mark.slow
def test_recipe_params_match_keras(saved):
    from core.transfer.models import trainable_count, transfer_model, unfreeze

    params = lesson.recipe_params(EXTRACTOR, 15)
    scratch, _ = transfer_model("scratch", (32, 32, 3), 15, extractor_layers=EXTRACTOR)
    frozen, extractor = transfer_model("finetune", (32, 32, 3), 15,
                                       extractor_path=str(saved / "extractor.keras"))
    assert trainable_count(scratch) == params.scratch
    assert trainable_count(frozen) == params.frozen
    unfreeze(extractor)
    assert trainable_count(frozen) == params.finetune


@pytest.mark.slow
def test_save_and_load_give_identical_weights_and_predictions(saved):
    from core.transfer.roundtrip import compare

    result = compare(saved / "model.keras", saved / "extractor.keras", images())
    assert result.same_architecture and result.tensors == 4 * 6  # conv 2 + BN 4, 4 blocks
    assert result.max_weight_difference == 0 and result.max_feature_difference == 0
    assert result.max_probability_difference == 0
    assert (result.trained_classes == result.loaded_classes).all()


@pytest.mark.slow
def test_another_extractor_is_told_apart(saved):
    from core.transfer.roundtrip import compare, describe

    other = compare(saved / "model.keras", saved / "other.keras", images())
    assert other.same_architecture and other.max_weight_difference > 0
    wide = compare(saved / "model.keras", saved / "wide.keras", images())
    assert not wide.same_architecture and wide.max_weight_difference is None
    alone = describe(saved / "wide.keras", images())
    assert alone.output_shape == (2, 2, 16)
    assert alone.max_weight_difference == 0 and alone.max_feature_difference == 0, (
        "a file saved again and loaded back is the same extractor")


@pytest.mark.slow
def test_safe_loading_refuses_a_lambda_layer(saved):
    from core.transfer.checkpoints import CheckpointError, inspect_keras
    from core.transfer.models import load_extractor

    data = (saved / "lambda.keras").read_bytes()
    with pytest.raises(CheckpointError) as info:
        inspect_keras(data, "lambda.keras")
    assert info.value.code == "unsafe_layer"
    with pytest.raises(ValueError, match="(?i)lambda"):  # and Keras itself would not run it
        load_extractor(str(saved / "lambda.keras"))


def test_archive_listing(tmp_path):
    import zipfile

    path = tmp_path / "x.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")
        archive.writestr("model.weights.h5", b"1234")
    assert lesson.archive_listing(path.read_bytes()) == [("config.json", 2),
                                                         ("model.weights.h5", 4)]
