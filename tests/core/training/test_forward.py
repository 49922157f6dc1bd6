"""The forward pass against Keras: every layer's output equals what Keras' own model computes
(a probe model over the same layers, and model(x) for the last), the Dense values before
the softmax equal a linear Dense with the same weights, and every shape is the shape
engine's (the calculator's row) for the notebook's models, a transfer model, the bundled
extractor and a shipped trained run."""
import numpy as np
import pytest

from core.config import INPUT_SHAPE, SHIPPED_RUNS
from core.stack import presets
from core.training import forward as fw
from core.training.look_inside import _KERAS_LOCK, load_model
from core.transfer.pretrain import CHECKPOINT_DIR

keras = pytest.importorskip("keras")
# Calling Keras' functional probe with a tensor instead of a one-item list only warns.
pytestmark = pytest.mark.filterwarnings("ignore:The structure of `inputs`:UserWarning")

RTOL, ATOL = 1e-5, 1e-5


def image(seed=0):
    return np.random.default_rng(seed).integers(0, 256, INPUT_SHAPE, dtype=np.uint8)


def probe_outputs(model, x):
    """Every layer's output as Keras computes it: a model whose outputs are the layers'."""
    inner = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    probe = keras.Model(model.inputs, [layer.output for layer in inner])
    outputs = probe(x, training=False)
    return [np.asarray(o)[0] for o in (outputs if isinstance(outputs, list) else [outputs])]


def randomise_batchnorm(model, seed=1):
    """Moving statistics and scales away from 0 and 1, so BatchNormalization does something."""
    rng = np.random.default_rng(seed)
    for layer in fw.layers_of(model):
        if type(layer).__name__ == "BatchNormalization":
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 2, gamma.shape), rng.normal(0, 1, beta.shape),
                               rng.normal(0, 50, mean.shape), rng.uniform(10, 4000, var.shape)])


def assert_matches_keras(model, result, x):
    np.testing.assert_allclose(result.layers[-1].values, np.asarray(model(x, training=False))[0],
                               rtol=RTOL, atol=ATOL)
    for layer in result.layers:
        assert layer.same_as_calculator, (layer.name, layer.values.shape, layer.row)


@pytest.mark.parametrize("preset", ["stride", "stride_pool_fixed", "super_model"])
def test_every_layer_of_a_notebook_model_is_what_keras_computes(preset):
    from core.stack.build import build_model

    keras.utils.set_random_seed(0)
    layers = presets.PRESETS[preset]()
    if preset == "super_model":
        layers = presets.super_model(width=8)
    model = build_model(INPUT_SHAPE, layers)
    randomise_batchnorm(model)
    result = fw.forward(model, image(), _KERAS_LOCK)
    x = image()[None].astype(np.float32)
    theirs = probe_outputs(model, x)
    assert [layer.type for layer in result.layers] == [spec["type"] for spec in layers]
    for ours, keras_value in zip(result.layers, theirs):
        np.testing.assert_allclose(ours.values, keras_value, rtol=RTOL, atol=ATOL,
                                   err_msg=ours.name)
    assert_matches_keras(model, result, x)
    names = [layer.name for layer in result.layers]
    assert names[:4] == ["conv2d", "batch_normalization", "activation",
                         "max_pooling2d" if "pool" in preset or preset == "super_model"
                         else "conv2d_1"]
    assert names[-2:] == ["flatten", "dense"]


def test_the_values_before_the_softmax_are_a_linear_dense_layers():
    from core.stack.build import build_model

    keras.utils.set_random_seed(3)
    model = build_model(INPUT_SHAPE, presets.stride())
    result = fw.forward(model, image(3))
    dense = result.layers[-1]
    flat = result.layers[-2].values
    linear = keras.layers.Dense(3)
    linear.build((None, flat.shape[0]))
    linear.set_weights(model.layers[-1].get_weights())
    np.testing.assert_allclose(dense.logits, np.asarray(linear(flat[None]))[0], rtol=RTOL,
                               atol=ATOL)
    softmax = np.exp(dense.logits - dense.logits.max())
    np.testing.assert_allclose(softmax / softmax.sum(), dense.values, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.probabilities, dense.values, rtol=1e-6)
    assert all(layer.logits is None for layer in result.layers[:-1])


def test_a_transfer_model_opens_its_extractor_up():
    from core.transfer.models import transfer_model

    keras.utils.set_random_seed(1)
    model, extractor = transfer_model("pretrain", INPUT_SHAPE, 15,
                                      extractor_layers=presets.shared_extractor(4))
    randomise_batchnorm(model, 2)
    result = fw.forward(model, image(1))
    x = image(1)[None].astype(np.float32)
    assert len(result.layers) == len(extractor.layers) + 2  # + Flatten, Dense(15)
    inner = probe_outputs(extractor, x)
    for ours, theirs in zip(result.layers, inner):
        np.testing.assert_allclose(ours.values, theirs, rtol=RTOL, atol=ATOL, err_msg=ours.name)
    assert_matches_keras(model, result, x)
    assert result.probabilities.shape == (15,)
    assert result.layers[-1].row.output_shape == (15,)


def test_the_bundled_extractor_ends_in_feature_maps():
    path, = sorted(CHECKPOINT_DIR.glob("*.keras"))
    model = load_model(path)
    result = fw.forward(model, image(2), _KERAS_LOCK)
    x = image(2)[None].astype(np.float32)
    for ours, theirs in zip(result.layers, probe_outputs(model, x)):
        np.testing.assert_allclose(ours.values, theirs, rtol=RTOL, atol=ATOL)
    assert_matches_keras(model, result, x)
    assert result.probabilities is None and result.layers[-1].maps
    assert result.layers[-1].values.shape == (2, 2, 16)


def test_a_shipped_trained_run():
    """A model trained by the worker and saved (BatchNormalization's learned statistics)."""
    folder = sorted(p for p in SHIPPED_RUNS.iterdir() if (p / "model.keras").is_file())[0]
    model = load_model(folder / "model.keras")
    x = image(4)[None].astype(np.float32)
    result = fw.forward(model, image(4), _KERAS_LOCK)
    for ours, theirs in zip(result.layers, probe_outputs(model, x)):
        np.testing.assert_allclose(ours.values, theirs, rtol=RTOL, atol=ATOL, err_msg=ours.name)
    assert_matches_keras(model, result, x)
    np.testing.assert_allclose(result.probabilities.sum(), 1, rtol=1e-5)


def test_a_layer_the_calculator_cannot_read_gets_no_row():
    model = keras.Sequential([keras.Input(INPUT_SHAPE), keras.layers.Conv2D(2, 3),
                              keras.layers.ReLU(), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation="softmax")])
    result = fw.forward(model, image())
    assert result.layers[0].same_as_calculator and result.layers[0].name == "conv2d"
    assert [layer.row for layer in result.layers[1:]] == [None, None, None]
    assert [layer.name for layer in result.layers[1:]] == [l.name for l in model.layers[1:]]
    assert result.probabilities is not None


def test_first_conv_finds_the_extractors_first_layer():
    from core.transfer.models import transfer_model

    model, extractor = transfer_model("scratch", INPUT_SHAPE, 3,
                                      extractor_layers=presets.shared_extractor(4))
    before, conv = fw.first_conv(model)
    assert before == [] and conv is extractor.layers[0]
    plain = keras.Sequential([keras.Input(INPUT_SHAPE), keras.layers.BatchNormalization(),
                              keras.layers.Conv2D(2, 3)])
    before, conv = fw.first_conv(plain)
    assert [type(b).__name__ for b in before] == ["BatchNormalization"]
    assert fw.first_conv(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])) is None
