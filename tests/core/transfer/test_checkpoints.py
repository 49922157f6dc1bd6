"""Uploaded extractors are checked from their zip listing and JSON config, never executed."""
import io
import json
import zipfile

import pytest

from core.stack import presets
from core.transfer.checkpoints import CheckpointError, inspect_keras


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Real .keras files made with Keras: a small extractor, and a Lambda model."""
    import keras

    from core.stack.build import build_model

    folder = tmp_path_factory.mktemp("ckpt")
    build_model((32, 32, 3), presets.shared_extractor(8), name="extractor").save(folder / "ok.keras")
    lam = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Lambda(lambda x: x * 2)])
    lam.save(folder / "lambda.keras")
    build_model((28, 28, 3), presets.shared_extractor(8)).save(folder / "small.keras")
    build_model((32, 32, 3), presets.super_model(8)).save(folder / "flat.keras")
    build_model((32, 32, 3), presets.shared_extractor(8)).save(folder / "old.h5")
    augmented = [{"type": "RandomFlip", "mode": "horizontal"},
                 {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1},
                 *presets.shared_extractor(8)]
    build_model((32, 32, 3), augmented).save(folder / "augmented.keras")
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def rezip(data: bytes, change) -> bytes:
    """A copy of a .keras archive with its members changed by `change(dict) -> dict`."""
    members = {n: zipfile.ZipFile(io.BytesIO(data)).read(n)
               for n in zipfile.ZipFile(io.BytesIO(data)).namelist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in change(members).items():
            archive.writestr(name, content)
    return out.getvalue()


def code_of(data, name="x.keras"):
    with pytest.raises(CheckpointError) as info:
        inspect_keras(data, name)
    assert info.value.details.get("file") == name
    return info.value.code


def test_a_real_extractor_is_described(saved):
    info = inspect_keras(saved["ok.keras"], "ok.keras")
    assert info.output_shape == (2, 2, 8)
    assert info.params == 3 * 3 * 3 * 8 + 8 + 4 * 8 + 3 * (3 * 3 * 8 * 8 + 8 + 4 * 8)
    assert info.layers[0] == {"type": "Conv2D", "filters": 8, "kernel_size": (3, 3),
                              "strides": (1, 1), "padding": "same", "activation": None,
                              "use_bias": True}


def test_an_extractor_with_augmentation_layers_is_described(saved):
    info = inspect_keras(saved["augmented.keras"], "augmented.keras")
    assert info.layers[:2] == [
        {"type": "RandomFlip", "mode": "horizontal"},
        {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1,
         "fill_mode": "reflect"}]
    assert info.output_shape == (2, 2, 8)


def test_lambda_layer_is_refused(saved):
    assert code_of(saved["lambda.keras"]) == "unsafe_layer"


def test_h5_is_refused(saved):
    assert code_of(saved["old.h5"], "old.h5") == "h5_refused"


def test_other_files_are_refused():
    assert code_of(b"hello", "notes.txt") == "not_keras"
    assert code_of(b"PK\x03\x04 truncated", "x.keras") == "bad_zip"


def test_path_traversal_member_is_refused(saved):
    evil = rezip(saved["ok.keras"], lambda m: {**m, "../../evil.py": b"print('x')"})
    assert code_of(evil) == "unsafe_member"


def test_custom_object_is_refused(saved):
    def custom(members):
        config = json.loads(members["config.json"])
        config["config"]["layers"][1]["module"] = "mypackage.layers"
        return {**members, "config.json": json.dumps(config).encode()}

    assert code_of(rezip(saved["ok.keras"], custom)) == "custom_object"


def test_unsafe_deserialization_request_is_refused(saved):
    def function(members):
        config = json.loads(members["config.json"])
        config["config"]["layers"][2]["config"]["activation"] = {
            "class_name": "function", "config": "os.system", "module": "builtins"}
        return {**members, "config.json": json.dumps(config).encode()}

    assert code_of(rezip(saved["ok.keras"], function)) in ("unsafe_layer", "custom_object")


def test_wrong_input_shape_is_refused(saved):
    assert code_of(saved["small.keras"]) == "wrong_input"


def test_a_whole_classifier_is_not_an_extractor(saved):
    assert code_of(saved["flat.keras"]) == "not_extractor"


def test_a_regularised_runs_model_passes_the_library_check(tmp_path):
    """The run library checks every stored model.keras: one with augmentation layers,
    Dropout and L2 kernel regularizers (core.training.regularise) is plain Keras."""
    from core.stack.build import build_model
    from core.transfer.checkpoints import check_archive
    from core.training.plan import DEFAULTS, plan
    from core.training.regularise import model_layers

    settings = plan(dict(DEFAULTS, augment=True, dropout=0.5, weight_decay=1e-4),
                    train_size=7500).settings
    build_model(settings.input_shape, model_layers(settings),
                weight_decay=settings.weight_decay).save(tmp_path / "model.keras")
    config = check_archive((tmp_path / "model.keras").read_bytes())
    assert '"L2"' in json.dumps(config) and '"RandomTranslation"' in json.dumps(config)
