"""The forward pass's pictures: one diverging colour scale per layer, previews of maps and
vectors, and charts with titled axes."""
import numpy as np

from core.training import forward_figures as pictures


def test_colours_white_at_zero_blue_below_red_above():
    rgb = pictures.colour(np.array([0.0, 2.0, -2.0, 5.0, np.nan]), limit=2.0)
    assert rgb.tolist() == [[255, 255, 255], [220, 38, 38], [37, 99, 235], [220, 38, 38],
                            [255, 255, 255]]


def test_the_scale_is_the_99th_percentile_or_the_largest():
    values = np.concatenate([np.ones(999), [1000.0]])
    assert pictures.scale_of(values) < 2  # one outlier does not wash the rest out
    sparse = np.zeros(1000)
    sparse[0] = 3.0
    assert pictures.scale_of(sparse) == 3.0
    assert pictures.scale_of(np.zeros(5)) == 1.0


def test_previews_of_maps_and_vectors():
    maps = pictures.preview(np.random.default_rng(0).normal(size=(16, 16, 64)))
    assert maps.dtype == np.uint8 and maps.shape[2] == 3
    assert maps.shape[0] == 64  # 16 pixels high, drawn 4x
    assert maps.shape[1] == 4 * (8 * 16 + 7 * 2)  # 8 maps, 2-pixel gaps
    vector = pictures.preview(np.arange(100.0))
    assert vector.shape == (64, 32 * 64, 3)  # two rows of 64 cells, 32 pixels each
    assert (vector[32:, -32:] == 255).all(), "the unused cells of the last row stay white"
    assert pictures.preview(np.array([0.2, 0.5, 0.3])).shape == (64, 192, 3)


def test_charts_have_titled_axes():
    fig = pictures.class_figure(np.array([1.0, -2.0, 0.5]), np.array([0.6, 0.1, 0.3]),
                                ("a", "b", "c"), {"logits_title": "L", "probs_title": "P",
                                                  "logit": "value", "probability": "%",
                                                  "class": "class"})
    assert fig.layout.xaxis.title.text == "value" and fig.layout.xaxis2.title.text == "%"
    assert fig.layout.yaxis.title.text == "class"
    assert list(fig.data[1].x) == [60.0, 10.0, 30.0]
    bars = pictures.vector_figure(np.arange(5.0), {"title": "t", "x": "position", "y": "value"})
    assert bars.layout.xaxis.title.text == "position" and bars.layout.yaxis.title.text == "value"
