"""The generated dataset: CIFAR-mammal structure, deterministic, neither trivial nor noise.

No TensorFlow here: a numpy nearest-class-mean on Fourier power spectra stands in for a
model, to show the families leave a signal that simple statistics only partly catch.
"""
import numpy as np
import pytest

from core.data import synthetic
from core.data.dataset import LABEL_COLUMNS


@pytest.fixture(scope="module")
def data():
    return synthetic.generate(0)  # the full 7,500 + 1,500 images, once


def test_class_names_are_three_families_of_five_variants():
    assert synthetic.SUPER_CLASSES == ("blobs", "rings", "stripes")
    assert all(len(fines) == 5 for fines in synthetic.FINE_CLASSES_BY_SUPER.values())
    assert len(set(synthetic.FINE_CLASSES)) == 15
    for fine, superclass in synthetic.FINE_TO_SUPER.items():
        assert fine.startswith(superclass + "_")  # the name says the family
    assert set(synthetic.DESCRIPTIONS) == set(synthetic.FINE_CLASSES) | set(synthetic.SUPER_CLASSES)


def test_structure_matches_the_lab_data(data):
    assert data.x_train.shape == (7500, 32, 32, 3) and data.x_test.shape == (1500, 32, 32, 3)
    assert data.x_train.dtype == np.uint8 and data.x_test.dtype == np.uint8
    assert data.source == "synthetic" and data.synthetic and data.detail == "generated, seed 0"
    assert list(data.train_labels.columns) == list(LABEL_COLUMNS)
    assert data.super_classes == synthetic.SUPER_CLASSES
    assert set(data.fine_classes) == set(synthetic.FINE_CLASSES)
    assert data.fine_to_super == synthetic.FINE_TO_SUPER
    counts = data.counts()
    assert len(counts) == 15  # each fine class sits under exactly one superclass
    assert (counts.train == 500).all() and (counts.test == 100).all()
    assert (counts.groupby("coarse_labels").size() == 5).all()


def test_sizes_are_configurable():
    small = synthetic.generate(1, n_train_per_class=4, n_test_per_class=2)
    assert small.x_train.shape == (60, 32, 32, 3) and small.x_test.shape == (30, 32, 32, 3)
    assert (small.counts().train == 4).all() and (small.counts().test == 2).all()


def test_same_seed_same_bytes_and_different_seed_different_images():
    first, again = synthetic.generate(3, 10, 2), synthetic.generate(3, 10, 2)
    assert np.array_equal(first.x_train, again.x_train)
    assert np.array_equal(first.x_test, again.x_test)
    assert first.train_labels.equals(again.train_labels)
    assert first.fingerprint == again.fingerprint
    other = synthetic.generate(4, 10, 2)
    assert not np.array_equal(first.x_train, other.x_train)
    assert other.detail == "generated, seed 4"
    assert other.fingerprint != first.fingerprint


def test_the_synthetic_set_is_named_not_hashed():
    """Its bytes may differ by a few pixels on another CPU; what was trained on it (the
    bundled extractor, the shipped run library) must still match: it is the same set."""
    from core.data.dataset import Dataset

    small = synthetic.generate(0, 10, 2)
    assert small.fingerprint == "synthetic-v1-seed0-10x2"
    assert synthetic.identity(0) == "synthetic-v1-seed0"
    altered = Dataset(small.x_train.copy(), small.x_test, small.train_labels,
                      small.test_labels, source="synthetic", identity=small.identity)
    assert altered.fingerprint == small.fingerprint
    hashed = Dataset(small.x_train, small.x_test, small.train_labels, small.test_labels,
                     source="course")
    assert len(hashed.fingerprint) == 16 and hashed.fingerprint != small.fingerprint


def test_the_bundled_extractor_is_for_the_synthetic_set():
    import json

    from core.transfer.pretrain import CHECKPOINT_DIR

    meta = json.loads((CHECKPOINT_DIR / "extractor-w16.json").read_text())
    assert meta["fingerprint"] == synthetic.identity(0)


def test_rows_are_shuffled(data):
    fine = data.train_labels.fine_labels.to_numpy()
    changes = (fine[1:] != fine[:-1]).mean()  # sorted rows would change class 14 times
    assert changes > 0.8
    assert data.train_labels.fine_labels.iloc[:100].nunique() > 10
    assert data.test_labels.fine_labels.iloc[:100].nunique() > 10


def test_pixels_are_not_degenerate(data):
    x = data.x_train
    assert 30 < x.std() < 90
    low, high = np.percentile(x, [1, 99])
    assert low < 30 and high > 225  # most of the 0-255 range is used
    per_image_std = x.reshape(len(x), -1).std(axis=1)  # (N,)
    assert per_image_std.min() > 5  # no blank images
    means = np.stack([x[data.train_labels.fine_labels == f].mean(axis=0)
                      for f in data.fine_classes])  # (15, 32, 32, 3)
    assert np.abs(means[:, None] - means[None]).max() > 1  # class mean images differ


def spectrum_features(x):
    """Log Fourier power of grey images in 6 radial x 4 orientation bins: (N, 24)."""
    grey = x.astype(np.float32).mean(axis=-1)  # (N, 32, 32)
    power = np.abs(np.fft.rfft2(grey - grey.mean(axis=(1, 2), keepdims=True)))  # (N, 32, 17)
    fy, fx = np.meshgrid(np.fft.fftfreq(32), np.fft.rfftfreq(32), indexing="ij")  # (32, 17)
    radial = np.minimum((np.hypot(fx, fy) * 12).astype(int), 5)
    orientation = ((np.arctan2(fy, fx) % np.pi) / np.pi * 4).astype(int) % 4
    bins = np.eye(24)[(radial * 4 + orientation).ravel()]  # (32 * 17, 24) one-hot
    return np.log1p(power.reshape(len(x), -1) @ bins / bins.sum(axis=0))  # (N, 24)


def nearest_class_mean_accuracy(data, features, target):
    """Test accuracy of the nearest standardised class-mean feature vector."""
    f_train, f_test = features
    mean, std = f_train.mean(axis=0), f_train.std(axis=0)
    f_train, f_test = (f_train - mean) / std, (f_test - mean) / std
    y_train, y_test = data.y("train", target), data.y("test", target)
    centres = np.stack([f_train[y_train == c].mean(axis=0)
                        for c in range(len(data.classes(target)))])  # (K, 24)
    distances = ((f_test[:, None] - centres[None]) ** 2).sum(axis=-1)  # (N_test, K)
    return (distances.argmin(axis=1) == y_test).mean()


def test_a_simple_baseline_beats_chance_but_does_not_solve_it(data):
    features = spectrum_features(data.x_train), spectrum_features(data.x_test)
    superclass = nearest_class_mean_accuracy(data, features, "super")  # 48% when written
    fine = nearest_class_mean_accuracy(data, features, "fine")  # 25% when written
    assert 0.40 < superclass < 0.80  # chance 33%: a signal, far from separable
    assert 0.12 < fine < 0.50  # chance 6.7%


def test_raw_pixels_alone_do_not_give_the_answer(data):
    """Position and colour are random, so a nearest mean image is at chance level."""
    def pixels(x):  # (N, 32, 32, 3) -> (N, 8 * 8 * 3): 4x4 block means
        blocks = x.astype(np.float32).reshape(len(x), 8, 4, 8, 4, 3)
        return blocks.mean(axis=(2, 4)).reshape(len(x), -1)
    y_train, y_test = data.y("train", "super"), data.y("test", "super")
    train, test = pixels(data.x_train), pixels(data.x_test)  # (N, 192)
    centres = np.stack([train[y_train == c].mean(axis=0) for c in range(3)])  # (3, 192)
    predicted = ((test[:, None] - centres[None]) ** 2).sum(axis=-1).argmin(axis=1)
    assert (predicted == y_test).mean() < 0.45
