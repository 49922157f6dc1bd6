"""The numpy convolution and pooling against tf.nn (every padding, stride and kernel), and
the kernels a student can pick or type."""
import numpy as np
import pytest

from core.calculator import feature_map
from core.stack.shapes import summarize

tf = pytest.importorskip("tensorflow")

PADDINGS = ("valid", "same")


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("strides", [1, 2, 3])
@pytest.mark.parametrize("kernel_size", [1, 2, 3, 4, 5])
def test_conv2d_matches_tf_nn_conv2d(kernel_size, strides, padding):
    rng = np.random.default_rng(kernel_size * 10 + strides)
    for height, width in ((7, 9), (8, 8), (32, 32)):
        x = rng.normal(size=(height, width, 3))                       # (H, W, C_in)
        kernel = rng.normal(size=(kernel_size, kernel_size, 3, 2))    # (k, k, C_in, C_out)
        ours = feature_map.conv2d(x, kernel, strides, padding)
        theirs = tf.nn.conv2d(x[None], kernel, strides, padding.upper()).numpy()[0]
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)
        assert ours.shape[:2] == feature_map.output_shape((height, width), kernel_size,
                                                          strides, padding)


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("strides", [None, 1, 2, 3])
@pytest.mark.parametrize("pool_size", [1, 2, 3])
def test_max_pool2d_matches_tf_nn_max_pool2d(pool_size, strides, padding):
    rng = np.random.default_rng(pool_size)
    for height, width in ((7, 9), (8, 8)):
        # float32, as TensorFlow pools (a max is exact); negative: padding must never win
        x = (rng.normal(size=(height, width, 2)) - 5).astype(np.float32)
        ours = feature_map.max_pool2d(x, pool_size, strides, padding)
        theirs = tf.nn.max_pool2d(x[None], pool_size, strides or pool_size,
                                  padding.upper()).numpy()[0]
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name", list(feature_map.KERNELS))
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("strides", [1, 2])
def test_feature_maps_match_tf_for_every_kernel_choice(name, strides, padding):
    image = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    maps = feature_map.feature_maps(image, feature_map.KERNELS[name], strides, padding)
    grey = tf.image.rgb_to_grayscale(image[None].astype("float64") / 255).numpy()
    np.testing.assert_allclose(maps.grey, grey[0], atol=1e-3)  # TF rounds its weights
    kernel = feature_map.KERNELS[name][:, :, None, None]
    feature = tf.nn.conv2d(maps.grey[None], kernel, strides, padding.upper())
    pooled = tf.nn.max_pool2d(feature, 2, 2, "VALID")
    np.testing.assert_allclose(maps.feature, feature.numpy()[0], atol=1e-12)
    np.testing.assert_allclose(maps.pooled, pooled.numpy()[0], atol=1e-12)
    # the shapes the page prints are the shape engine's
    layers = [{"type": "Conv2D", "filters": 1, "kernel_size": 3, "strides": strides,
               "padding": padding}, {"type": "MaxPooling2D", "pool_size": 2}]
    rows = summarize((32, 32, 1), layers)
    assert (maps.feature.shape, maps.pooled.shape) == (rows[0].output_shape, rows[1].output_shape)


def test_valid_padding_refuses_a_window_larger_than_the_input():
    with pytest.raises(ValueError):
        feature_map.conv2d(np.zeros((2, 2, 1)), np.zeros((3, 3, 1, 1)))


@pytest.mark.parametrize("text, ok", [
    ("0 -1 0 -1 5 -1 0 -1 0", True), ("1,2,3\n4,5,6\n7,8,9", True), ("1 2 3 4 5 6 7 8 9.5", True),
    (".5 1e-1 -2 +3 0 0 0 0 0", True), ("1 2 3", False), ("1 2 3 4 5 6 7 8 x", False),
    ("", False), ("1 2 3 4 5 6 7 8 9 10", False), ("nan 1 1 1 1 1 1 1 1", False),
])
def test_parse_kernel(text, ok):
    kernel = feature_map.parse_kernel(text)
    assert (kernel is not None) == ok
    if ok:
        assert kernel.shape == (3, 3)
