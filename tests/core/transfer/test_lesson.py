"""The transfer lesson's jobs are a fair comparison, its numbers and sentences say what the
histories show, and a saved extractor loads back identical."""
import numpy as np
import pytest

from core.stack import presets
from core.transfer import lesson
from core.i18n import missing_keys

FINE = [f"fine{i}" for i in range(15)]
EXTRACTOR = presets.shared_extractor(8)


def configs(**changes):
    settings = lesson.Settings(width=8, epochs=4, batch_size=50, seed=3, head_epochs=1,
                               max_images=300, **changes)
    arms = lesson.arm_jobs(settings, "/data/fine.npz", "/x/extractor.keras", EXTRACTOR, FINE)
    return settings, arms


def test_the_three_arms_share_everything_but_the_recipe():
    settings, arms = configs()
    assert list(arms) == ["scratch", "frozen", "finetune"]
    common = lesson.shared(list(arms.values()))
    assert common["data_path"] == "/data/fine.npz" and common["seed"] == 3
    assert common["epochs"] == 4 and common["batch_size"] == 50
    assert common["target"] == "fine" and common["n_classes"] == 15
    assert common["max_train"] == common["max_test"] == 300
    recipes = {arm: config["transfer"] for arm, config in arms.items()}
    assert recipes["scratch"] == {"recipe": "scratch", "extractor_layers": EXTRACTOR}
    assert recipes["frozen"] == {"recipe": "frozen", "extractor_path": "/x/extractor.keras"}
    assert recipes["finetune"] == {"recipe": "finetune", "extractor_path": "/x/extractor.keras",
                                   "head_epochs": 1, "finetune_learning_rate":
                                       lesson.DEFAULTS["finetune_learning_rate"]}


def test_pretraining_holds_out_the_same_validation_images():
    settings, arms = configs()
    pretrain = lesson.pretrain_job(settings, "/data/super.npz", ("a", "b", "c"))
    assert pretrain["transfer"]["recipe"] == "pretrain" and pretrain["n_classes"] == 3
    assert pretrain["transfer"]["extractor_layers"] == EXTRACTOR
    for key in ("seed", "validation_split", "max_train", "max_test", "batch_size",
                "learning_rate", "optimizer"):
        assert pretrain[key] == arms["scratch"][key], key  # same split, same order


def test_a_difference_between_arms_is_caught():
    _, arms = configs()
    arms["frozen"]["seed"] = 4
    with pytest.raises(ValueError, match="seed"):
        lesson.shared(list(arms.values()))


def epoch(i, val_accuracy, t=None, partial=False, val_loss=1.0):
    return {"epoch": i, "loss": 1.0, "accuracy": 0.5, "val_loss": val_loss,
            "val_accuracy": val_accuracy, "t": t if t is not None else 2.0 * (i + 1),
            "partial": partial}


def history(*accuracies, partial_last=False):
    return [epoch(i, a, partial=partial_last and i == len(accuracies) - 1)
            for i, a in enumerate(accuracies)]


def test_best_epoch_and_epochs_to_target():
    epochs = history(0.2, 0.45, 0.52, 0.61, 0.58)
    assert lesson.best_epoch(epochs) == 4
    assert lesson.epochs_to_target(epochs, 0.5) == 3
    assert lesson.epochs_to_target(epochs, 0.45) == 2, "reaching means >="
    assert lesson.epochs_to_target(epochs, 0.7) is None
    assert lesson.best_epoch(history(0.3, 0.6, 0.6)) == 2, "the first of ties"
    assert lesson.best_epoch([]) is None


def test_a_partial_epoch_of_a_stopped_run_is_not_counted():
    epochs = history(0.2, 0.3, 0.9, partial_last=True)
    assert lesson.best_epoch(epochs) == 2 and lesson.epochs_to_target(epochs, 0.5) is None


def snapshot(accuracies, test, trainable, after=None, state="done"):
    info = {"trainable": trainable, **({"trainable_after": after} if after else {})}
    return {"state": state, "epochs": history(*accuracies), "info": info,
            "result": {"test_accuracy": test}}


HISTORIES = {
    "scratch": snapshot([0.1, 0.2, 0.3, 0.38, 0.44, 0.47, 0.51], 0.49, 9000),
    "frozen": snapshot([0.35, 0.45, 0.48, 0.49, 0.5, 0.5, 0.5], 0.47, 500),
    "finetune": snapshot([0.36, 0.52, 0.55, 0.6, 0.63, 0.64, 0.65], 0.62, 500, 8500),
}


def test_compare_reads_each_arm():
    results = lesson.compare(HISTORIES, 0.5)
    assert list(results) == ["scratch", "frozen", "finetune"]
    assert [r.epochs_to_target for r in results.values()] == [7, 5, 2]
    finetune = results["finetune"]
    assert finetune.best_epoch == 7 and finetune.best_val_accuracy == 0.65
    assert finetune.trainable == 500 and finetune.trainable_after == 8500
    assert finetune.seconds == 14.0 and finetune.epochs_run == 7
    assert results["frozen"].best_epoch == 5, "the first epoch at the plateau"


def test_the_sentence_says_what_happened_in_both_languages():
    results = lesson.compare(HISTORIES, 0.5)
    english = lesson.summary(results, 0.5, 7, "en")
    assert english[0] == ("Pretrained (fine-tuned) reached 50% validation accuracy in 2 "
                          "epoch(s), scratch in 7.")
    assert english[1] == "Final test accuracy: fine-tuned 62.0%, scratch 49.0%, frozen 47.0%."
    assert "Fine-tuning ended above the frozen extractor" in english[2]
    korean = lesson.summary(results, 0.5, 7, "ko")
    assert "2 epoch" in korean[0] and "7 epoch" in korean[0] and "50%" in korean[0]
    assert "fine-tuning 62.0%" in korean[1]


@pytest.mark.parametrize("target, words", [
    (0.4, "Pretrained (fine-tuned) reached 40% validation accuracy in 2 epoch(s), scratch in 5"),
    (0.62, "Pretrained (fine-tuned) reached 62% validation accuracy in 5 epoch(s); scratch did "
           "not reach it in 7 epochs"),
    (0.9, "No arm reached 90% validation accuracy in 7 epochs"),
])
def test_the_sentence_for_other_targets(target, words):
    assert words in lesson.summary(lesson.compare(HISTORIES, target), target, 7)[0]


def test_the_sentence_when_pretraining_did_not_help():
    histories = dict(HISTORIES, scratch=snapshot([0.55, 0.6], 0.6, 9000),
                     frozen=snapshot([0.3, 0.4], 0.4, 500),
                     finetune=snapshot([0.3, 0.52], 0.5, 500, 8500))
    sentences = lesson.summary(lesson.compare(histories, 0.5), 0.5, 2)
    assert sentences[0] == ("Scratch reached 50% validation accuracy in 1 epoch(s), pretrained "
                            "(fine-tuned) in 2: here pretraining did not get there sooner.")
    histories["finetune"] = snapshot([0.3, 0.4], 0.4, 500, 8500)
    sentences = lesson.summary(lesson.compare(histories, 0.5), 0.5, 2)
    assert sentences[0].startswith("Scratch reached 50% validation accuracy in 1 epoch(s); "
                                   "neither pretrained arm")
    assert "frozen extractor did at least as well" in sentences[2]


def test_a_failed_arm_has_no_numbers_but_the_rest_still_compare():
    failed = {"state": "failed", "epochs": [], "info": {}, "result": {}}
    results = lesson.compare(dict(HISTORIES, frozen=failed), 0.5)
    assert results["frozen"].test_accuracy is None and results["frozen"].best_epoch is None
    assert "frozen" not in lesson.summary(results, 0.5, 7)[1]


def test_the_sentence_keys_exist_in_both_languages():
    assert missing_keys() == {}


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
    assert describe(saved / "wide.keras", images()).output_shape == (2, 2, 16)


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
