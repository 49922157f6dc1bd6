"""Every number of "one output value, computed" against Keras' own layers: random weights,
strides 1 and 2, both paddings, odd and even image sizes, every output position.

Keras computes in float32 and we in float64, so values agree to well below the two
decimals the page shows (ATOL); patches agree exactly."""
import numpy as np
import pytest

from core.calculator import one_value as ov
from core.calculator.sharing import notebook_layers, versus_dense
from core.config import INPUT_SHAPE

keras = pytest.importorskip("keras")

ATOL, RTOL = 1e-3, 1e-5  # the page rounds to 0.01 at best
SIZES = ((7, 7), (8, 8), (7, 10), (32, 32))


def conv(filters, strides, padding, kernel, bias=None):
    """A Keras Conv2D with these weights, built for 3 input channels."""
    layer = keras.layers.Conv2D(filters, 3, strides=strides, padding=padding,
                                use_bias=bias is not None)
    layer.build((None, None, None, 3))
    layer.set_weights([kernel] if bias is None else [kernel, bias])
    return layer


def run(layer, x):
    return np.asarray(layer(x[None].astype(np.float32)))[0]


def only_channel(kernel, c):
    """kernel (3, 3, 3, 1) with the weights of every channel but c set to 0."""
    kept = np.zeros_like(kernel)
    kept[:, :, c] = kernel[:, :, c]
    return kept


def one_hot_kernel():
    """(3, 3, 3, 27): filter (i, j, c) copies the input cell (i, j) of channel c."""
    kernel = np.zeros((3, 3, 3, 27), np.float32)
    for f, (i, j, c) in enumerate(np.ndindex(3, 3, 3)):
        kernel[i, j, c, f] = 1
    return kernel


@pytest.mark.parametrize("padding", ("same", "valid"))
@pytest.mark.parametrize("strides", (1, 2))
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_number_shown_is_what_keras_computes(size, strides, padding):
    rng = np.random.default_rng(size[0] * 100 + size[1] * 10 + strides)
    image = rng.integers(0, 256, (*size, 3)).astype(np.float32)     # (H, W, 3), 0..255
    kernel = rng.normal(0, 0.3, (3, 3, 3, 2)).astype(np.float32)     # random weights
    bias = rng.normal(0, 2, 2).astype(np.float32)
    output = run(conv(2, strides, padding, kernel, bias), image)     # (H', W', 2)
    relu = np.asarray(keras.layers.ReLU()(output))
    pooled = np.asarray(keras.layers.MaxPooling2D(2)(relu[None]))[0]
    seen = run(conv(27, strides, padding, one_hot_kernel()), image)  # (H', W', 27)
    channel_sums = [run(conv(1, strides, padding, only_channel(kernel[..., :1], c)), image)
                    for c in range(3)]  # filter 0 seeing one channel: that channel's sum
    assert ov.positions(size, 3, strides, padding) == output.shape[:2]
    for row, col in np.ndindex(*output.shape[:2]):
        for f in (0, 1):
            shown = ov.one_value(image, kernel, bias, f, row, col, strides, padding)
            patches = seen[row, col].reshape(3, 3, 3).transpose(2, 0, 1)  # (C, k, k)
            np.testing.assert_array_equal(shown.patches, patches)
            np.testing.assert_array_equal(shown.kernels, kernel[:, :, :, f].transpose(2, 0, 1))
            np.testing.assert_allclose(shown.products, patches * shown.kernels, rtol=1e-12)
            if f == 0:
                np.testing.assert_allclose(
                    shown.sums, [s[row, col, 0] for s in channel_sums], rtol=RTOL, atol=ATOL)
            assert shown.bias == bias[f]
            np.testing.assert_allclose(shown.value, output[row, col, f], rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(shown.relu, relu[row, col, f], rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(shown.feature, output[..., f], rtol=RTOL, atol=ATOL)
            if shown.pool is None:  # Keras' pooled map has no cell for this row or column
                assert row // 2 >= pooled.shape[0] or col // 2 >= pooled.shape[1]
            else:
                p = shown.pool
                np.testing.assert_allclose(p.value, pooled[p.out_row, p.out_col, f],
                                           rtol=RTOL, atol=ATOL)
                np.testing.assert_allclose(
                    p.values, relu[p.top:p.top + 2, p.left:p.left + 2, f], rtol=RTOL, atol=ATOL)
                assert p.top <= row < p.top + 2 and p.left <= col < p.left + 2


def test_padding_cells_are_marked_where_keras_adds_them():
    image = np.ones((8, 8, 3))
    kernel, bias = ov.initial_weights(0)
    corner = ov.one_value(image, kernel, bias, 0, 0, 0, 1, "same")
    assert corner.is_pad[0].all() and corner.is_pad[:, 0].all() and not corner.is_pad[1:, 1:].any()
    assert (corner.patches[:, corner.is_pad] == 0).all()
    # strides 2 on an even size: TensorFlow pads the bottom and right only
    strided = ov.one_value(image, kernel, bias, 0, 0, 0, 2, "same")
    assert not strided.is_pad.any() and (strided.top, strided.left) == (0, 0)
    last = ov.one_value(image, kernel, bias, 0, 3, 3, 2, "same")
    assert last.is_pad[2].all() and last.is_pad[:, 2].all()
    assert not ov.one_value(image, kernel, bias, 1, 5, 5, 1, "valid").is_pad.any()


def test_a_position_outside_the_output_is_refused():
    kernel, bias = ov.initial_weights(0)
    with pytest.raises(ValueError):
        ov.one_value(np.zeros((8, 8, 3)), kernel, bias, 0, 6, 0, 1, "valid")
    with pytest.raises(ValueError):
        ov.one_value(np.zeros((8, 8, 3)), kernel, bias, 2, 0, 0, 1, "same")


def test_initial_weights_are_drawn_as_keras_draws_them():
    kernel, bias = ov.initial_weights(7)
    limit = np.sqrt(6 / (27 + 18))  # Glorot uniform: fan_in 3*3*3, fan_out 3*3*2
    assert kernel.shape == (3, 3, 3, 2) and bias.shape == (2,)
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.8 * limit
    layer = keras.layers.Conv2D(2, 3)
    layer.build((None, 32, 32, 3))
    keras_limit = np.abs(np.asarray(layer.kernel)).max()
    assert keras_limit <= limit and keras_limit > 0.8 * limit
    assert np.array_equal(kernel, ov.initial_weights(7)[0]), "a seed gives the same weights"
    assert np.abs(bias).max() <= ov.BIAS_LIMIT


def test_the_notebooks_56_against_a_dense_layers_6293504():
    shared = versus_dense(INPUT_SHAPE, notebook_layers()["single_conv"])
    assert (shared.conv_params, shared.dense_params) == (56, 6_293_504)
    assert shared.output_shape == (32, 32, 2) and shared.per_filter == 28
    assert shared.positions == 1024
    stride = versus_dense(INPUT_SHAPE, notebook_layers()["stride"])
    assert stride.output_shape == (16, 16, 64)
    assert (stride.conv_params, stride.dense_params) == (1_792, 3072 * 16384 + 16384)


@pytest.mark.parametrize("name", ["single_conv", "stride"])
def test_the_dense_count_is_keras_own(name):
    """Both counts are what Keras builds: the Conv2D, and Flatten + Dense to the same size."""
    shared = versus_dense(INPUT_SHAPE, notebook_layers()[name])
    spec = notebook_layers()[name]
    layer = keras.layers.Conv2D(spec["filters"], spec["kernel_size"], strides=spec["strides"],
                                padding=spec["padding"])
    layer.build((None, *INPUT_SHAPE))
    dense = keras.layers.Dense(int(np.prod(shared.output_shape)))
    dense.build((None, int(np.prod(INPUT_SHAPE))))
    assert layer.count_params() == shared.conv_params
    assert dense.count_params() == shared.dense_params
