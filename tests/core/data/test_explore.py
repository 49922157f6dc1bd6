"""The data explorer's logic: sampling, crisp enlargement, channels, statistics, upload roles."""
import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from core.data import explore
from core.data import figures
from core.data.explore import ALL


@pytest.fixture
def labels():
    """60 rows: 4 fine classes in 3 superclasses, in a shuffled order."""
    fines = np.random.default_rng(1).permutation(["otter", "seal", "fox", "mouse"] * 15)
    supers = {"otter": "aquatic", "seal": "aquatic", "fox": "medium", "mouse": "small"}
    return pd.DataFrame({"fine_labels": fines, "coarse_labels": [supers[f] for f in fines]})


@pytest.fixture
def images():
    return np.random.default_rng(2).integers(0, 256, (60, 32, 32, 3), dtype=np.uint8)


def test_select_applies_both_filters(labels):
    assert len(explore.select(labels)) == 60
    aquatic = explore.select(labels, "aquatic")
    assert set(labels.fine_labels[aquatic]) == {"otter", "seal"} and len(aquatic) == 30
    seal = explore.select(labels, ALL, "seal")
    assert (labels.fine_labels[seal] == "seal").all() and len(seal) == 15
    assert len(explore.select(labels, "medium", "seal")) == 0


def test_gallery_sample_is_deterministic_and_respects_filters(labels):
    first = explore.sample_gallery(labels, "aquatic", ALL, n=12, seed=3)
    again = explore.sample_gallery(labels, "aquatic", ALL, n=12, seed=3)
    other = explore.sample_gallery(labels, "aquatic", ALL, n=12, seed=4)
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert len(first) == 12 and len(set(first)) == 12 and list(first) == sorted(first)
    assert set(labels.coarse_labels[first]) <= {"aquatic"}
    fox = explore.sample_gallery(labels, ALL, "fox", n=50, seed=0)
    assert len(fox) == 15 and (labels.fine_labels[fox] == "fox").all(), "never more than exist"
    assert len(explore.sample_gallery(labels, "medium", "seal")) == 0


def test_upscale_is_exact_pixel_replication(images):
    image = images[0]  # (32, 32, 3)
    big = explore.upscale(image, 4)
    assert big.shape == (128, 128, 3) and big.dtype == np.uint8
    assert np.array_equal(big, np.kron(image, np.ones((4, 4, 1), np.uint8)))
    assert np.array_equal(big[::4, ::4], image) and np.array_equal(big[3::4, 3::4], image)
    assert np.array_equal(explore.upscale(image[..., 0], 2)[1::2, 1::2], image[..., 0])


def test_png_is_lossless(images):
    big = explore.upscale(images[0], 4)
    decoded = np.asarray(Image.open(io.BytesIO(explore.png(big))))
    assert np.array_equal(decoded, big)


def test_split_channels(images):
    image = images[5]
    planes = explore.split_channels(image)
    assert planes.shape == (3, 32, 32)
    for c in range(3):
        assert np.array_equal(planes[c], image[:, :, c])


def test_channel_stats_match_numpy(images):
    stats = explore.channel_stats(images)
    pixels = images.reshape(-1, 3).astype(np.float64)
    np.testing.assert_allclose(stats.mean, pixels.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats.std, pixels.std(axis=0), rtol=1e-9)
    np.testing.assert_allclose(stats.mean_image, images.mean(axis=0))
    for c in range(3):
        expected, _ = np.histogram(images[..., c], bins=256, range=(0, 256))
        assert np.array_equal(stats.histogram[c], expected)
    assert stats.histogram.sum() == images.size and stats.count == 60
    table = stats.table()
    assert list(table.channel) == ["R", "G", "B"]
    np.testing.assert_allclose(table["std / 255"], pixels.std(axis=0) / 255)


def test_constant_images_have_zero_std():
    stats = explore.channel_stats(np.full((3, 32, 32, 3), 7, np.uint8))
    assert np.array_equal(stats.mean, [7, 7, 7]) and np.array_equal(stats.std, [0, 0, 0])


def test_no_images_give_zero_statistics():
    stats = explore.channel_stats(np.zeros((0, 32, 32, 3), np.uint8))
    assert stats.count == 0 and stats.histogram.shape == (3, 256) and not stats.histogram.any()
    assert stats.mean_image.shape == (32, 32, 3) and not stats.std.any()


def test_class_mean_images(images, labels):
    means = explore.class_mean_images(images, labels, ("fox", "seal", "whale"))
    assert means.shape == (3, 32, 32, 3) and not means[2].any(), "no whale: a black image"
    np.testing.assert_allclose(means[1], images[labels.fine_labels == "seal"].mean(axis=0))
    assert np.array_equal(explore.to_uint8(np.array([[-3.0, 12.5, 254.6, 300.0]])),
                          [[0, 12, 255, 255]])


@pytest.mark.parametrize("name, role", [
    ("10_train.npy", "train_images"), ("10_test.npy", "test_images"),
    ("10_tr_labels.csv", "train_labels"), ("10_ts_labels.csv", "test_labels"),
    ("my_train.npy", "train_images"), ("Test-Images.NPY", "test_images"),
    ("labels_ts.csv", "test_labels"), ("cats.csv", "train_labels"),
    ("../../etc/10_test.npy", "test_images"), ("notes.txt", None), ("README", None),
])
def test_guess_role(name, role):
    assert explore.guess_role(name) == role


def test_assign_roles_leaves_ambiguous_roles_missing():
    names = ["10_train.npy", "10_test.npy", "10_tr_labels.csv", "10_ts_labels.csv"]
    roles, missing = explore.assign_roles(names)
    assert roles == {"train_images": 0, "test_images": 1, "train_labels": 2,
                     "test_labels": 3} and missing == []
    roles, missing = explore.assign_roles(["a.npy", "b.npy", "x_test.csv"])
    assert missing == ["train_images", "test_images", "train_labels"]
    assert roles == {"test_labels": 2}


def test_safe_name_is_only_text():
    assert explore.safe_name("../../etc/passwd") == "passwd"
    assert explore.safe_name("C:\\Users\\me\\10_train.npy") == "10_train.npy"
    assert explore.safe_name("[x](javascript:alert).npy") == "_x__javascript_alert_.npy"
    assert explore.safe_name("학습.npy") == "학습.npy"


def test_figures_have_axis_titles_and_crisp_pixels(images):
    image = images[0]
    fig = figures.image_figure(image, "x (pixel column)", "y (pixel row)")
    assert fig.layout.xaxis.title.text == "x (pixel column)"
    assert "%{color[0]}" in fig.data[0].hovertemplate
    fig = figures.channels_figure(image, {"R": "R", "G": "G", "B": "B"}, "x", "y")
    for c, trace in enumerate(fig.data):
        assert np.array_equal(np.asarray(trace.z), image[..., c])
    assert all(t.zsmooth is False for t in fig.data)
    assert fig.layout.xaxis3.title.text == "x" and fig.layout.yaxis.title.text == "y"
    hist = explore.channel_stats(images).histogram
    fig = figures.histogram_figure(hist, {"R": "R", "G": "G", "B": "B"},
                                   "pixel value (0-255)", "number of pixels")
    assert fig.layout.xaxis.title.text == "pixel value (0-255)"
    assert fig.layout.yaxis.title.text == "number of pixels"
    assert list(fig.data[2].y) == hist[2].tolist()
