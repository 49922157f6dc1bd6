"""An offline stand-in for the lab's CIFAR-100 mammals: generated shapes with two label levels.

Each image shows one object from a visual family (the superclass: filled `blobs`, thin
`rings` or striped `stripes` patches) in one of five variants (the fine class: which
shape, which ring pattern, which stripe direction). The object has a random position,
size, rotation and colour and sits on a blotchy coloured background with noise, faint
distractor objects of random classes, and sometimes an occluding block. The family is
visible at a glance; the variant needs finer detail, and the same edge and texture
features serve both, so features learned on superclasses help on fine classes.
Everything is vectorised numpy, drawn from one seed: the same seed gives the same bytes on
one machine, and the same images to a few pixels on another (its float functions round
differently), so the dataset is named by `identity`, not by a hash of its bytes.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pandas and core.data.dataset load when a dataset is made, not on import:
    import pandas as pd  # the home page reads the class tree on a cold start

    from core.data.dataset import Dataset

VERSION = 1  # of the generator: see identity()
FINE_CLASSES_BY_SUPER = {  # superclass (visual family) -> its five fine classes (variants)
    "blobs": ("blobs_disk", "blobs_square", "blobs_triangle", "blobs_cross", "blobs_star"),
    "rings": ("rings_single", "rings_double", "rings_dashed", "rings_dotted", "rings_bullseye"),
    "stripes": ("stripes_horizontal", "stripes_vertical", "stripes_diagonal",
                "stripes_antidiagonal", "stripes_grid"),
}
DESCRIPTIONS = {  # what an image of each class shows, for captions
    "blobs": "a filled shape in one flat colour",
    "blobs_disk": "a filled circle",
    "blobs_square": "a filled square, turned at any angle",
    "blobs_triangle": "a filled equilateral triangle, turned at any angle",
    "blobs_cross": "a filled plus-shaped cross, turned at any angle",
    "blobs_star": "a filled five-pointed star with rounded points, turned at any angle",
    "rings": "thin circular lines around an empty centre",
    "rings_single": "one ring",
    "rings_double": "two concentric rings",
    "rings_dashed": "one ring broken into five dashes",
    "rings_dotted": "eight dots in a circle",
    "rings_bullseye": "a ring around a central dot",
    "stripes": "a round patch of parallel stripes",
    "stripes_horizontal": "stripes running left to right, give or take about 12 degrees",
    "stripes_vertical": "stripes running top to bottom",
    "stripes_diagonal": "stripes running from top left to bottom right (\\)",
    "stripes_antidiagonal": "stripes running from bottom left to top right (/)",
    "stripes_grid": "horizontal and vertical stripes crossed into a grid",
}
SUPER_CLASSES = tuple(FINE_CLASSES_BY_SUPER)  # the 3 superclasses
FINE_CLASSES = tuple(f for fines in FINE_CLASSES_BY_SUPER.values() for f in fines)  # all 15
FINE_TO_SUPER = {f: s for s, fines in FINE_CLASSES_BY_SUPER.items() for f in fines}

SIZE = 32  # image height and width in pixels
OBJECT_RADIUS = (7.0, 11.5)  # main object's radius in pixels: small objects are harder
OBJECT_ALPHA = (0.75, 1.0)  # main object's opacity over the background: its contrast
DISTRACTORS = 1  # faint objects of random classes per image, the clutter
DISTRACTOR_RADIUS = (3.0, 5.5)  # distractors are smaller than the main object...
DISTRACTOR_ALPHA = (0.15, 0.35)  # ...and fainter, so the main object is still the answer
STRIPE_PERIOD = (3.5, 6.0)  # stripe period in pixels
STRIPE_JITTER = np.deg2rad(12.0)  # std of a striped patch's angle around its class angle
OCCLUSION_P = 0.1  # chance of a flat block hiding part of the image
NOISE_STD = (3.0, 10.0)  # per-image gaussian pixel noise, in grey levels
BLOCK = 500  # images rendered at once; the random draws follow blocks, so it shapes the bytes

# Stripe classes have a direction (radians, image y downwards); blobs and rings turn freely.
_STRIPE_ANGLE = {"stripes_horizontal": 0.0, "stripes_vertical": np.pi / 2,
                 "stripes_diagonal": np.pi / 4, "stripes_antidiagonal": -np.pi / 4,
                 "stripes_grid": 0.0}
_CLASS_ANGLE = np.array([_STRIPE_ANGLE.get(name, np.nan) for name in FINE_CLASSES])  # (15,)


def _stripes(v, period, crossed=None):
    """Stripe intensity in [0, 1] across `v` (and `crossed`) with `period`, both local units."""
    wave = np.cos(2 * np.pi * v / period)
    if crossed is not None:
        wave = np.maximum(wave, np.cos(2 * np.pi * crossed / period))
    return np.clip(0.5 + 1.5 * wave, 0, 1)


def _dots_on_ring(r, phi, count, radius):
    """Signed distance to `count` dots evenly spaced on a circle of radius `radius`."""
    step = 2 * np.pi / count
    local = (phi + step / 2) % step - step / 2  # angle to the nearest dot's centre
    return np.hypot(r * np.cos(local) - radius, r * np.sin(local)) - 0.17


# Signed distance (negative inside) of each class's shape in local units, object radius 1.
# Arguments: local coordinates u, v and radius r = hypot(u, v), each (N, 32, 32).
_SDF = {
    "blobs_disk": lambda u, v, r: r - 0.9,
    "blobs_square": lambda u, v, r: np.maximum(abs(u), abs(v)) - 0.75,
    "blobs_triangle": lambda u, v, r: np.max(
        [u * np.cos(a) + v * np.sin(a) for a in (-np.pi / 2, np.pi / 6, 5 * np.pi / 6)],
        axis=0) - 0.5,
    "blobs_cross": lambda u, v, r: np.minimum(
        np.maximum(abs(u) - 0.95, abs(v) - 0.3), np.maximum(abs(u) - 0.3, abs(v) - 0.95)),
    "blobs_star": lambda u, v, r: 0.8 * (r - 0.6 - 0.35 * np.cos(5 * np.arctan2(v, u))),
    "rings_single": lambda u, v, r: abs(r - 0.8) - 0.13,
    "rings_double": lambda u, v, r: np.minimum(abs(r - 0.85), abs(r - 0.45)) - 0.1,
    "rings_dashed": lambda u, v, r: np.maximum(abs(r - 0.8) - 0.13,
                                                 -0.25 * np.cos(5 * np.arctan2(v, u))),
    "rings_dotted": lambda u, v, r: _dots_on_ring(r, np.arctan2(v, u), 8, 0.8),
    "rings_bullseye": lambda u, v, r: np.minimum(abs(r - 0.8) - 0.13, r - 0.28),
}


def _local_frames(n, rng, radius_range, angles):
    """Random object frames: local coords u, v (N, 32, 32) and the radius (N, 1, 1) in px."""
    centre = rng.uniform(9, SIZE - 9, (n, 2, 1, 1)).astype(np.float32)  # (N, 2, 1, 1) x, y
    radius = rng.uniform(*radius_range, (n, 1, 1)).astype(np.float32)  # (N, 1, 1)
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)  # (32, 32) each
    dx, dy = (xs - centre[:, 0]) / radius, (ys - centre[:, 1]) / radius  # (N, 32, 32)
    cos, sin = (np.float32(f(angles))[:, None, None] for f in (np.cos, np.sin))
    return cos * dx + sin * dy, -sin * dx + cos * dy, radius


def _masks(fine_idx, rng, radius_range):
    """Anti-aliased coverage in [0, 1] (N, 32, 32) of one object of class `fine_idx` (N,)."""
    n = len(fine_idx)
    angles = rng.uniform(0, 2 * np.pi, n)  # (N,) free rotation for blobs and rings
    stripe_angles = _CLASS_ANGLE[fine_idx] + rng.normal(0, STRIPE_JITTER, n)
    angles = np.where(np.isnan(stripe_angles), angles, stripe_angles)
    u, v, radius = _local_frames(n, rng, radius_range, angles)  # (N, 32, 32) x2, (N, 1, 1)
    period = np.float32(rng.uniform(*STRIPE_PERIOD, (n, 1, 1))) / radius  # local units
    mask = np.empty_like(u)  # (N, 32, 32)
    for c in np.unique(fine_idx):
        rows = np.flatnonzero(fine_idx == c)
        name, uc, vc, rc = FINE_CLASSES[c], u[rows], v[rows], radius[rows]
        if name.startswith("stripes"):
            disk = np.clip(0.5 - (np.hypot(uc, vc) - 0.95) * rc, 0, 1)
            crossed = uc if name == "stripes_grid" else None
            mask[rows] = disk * _stripes(vc, period[rows], crossed)
        else:
            sdf = _SDF[name](uc, vc, np.hypot(uc, vc))
            mask[rows] = np.clip(0.5 - sdf * rc, 0, 1)  # 1 px soft edge
    return mask


def _background(n, rng):
    """Blotchy coloured backgrounds (N, 32, 32, 3) in 0-255: a 4x4 colour grid, smoothed."""
    grid = rng.uniform(0, 255, (n, 4, 4, 3)) * 0.6 + rng.uniform(0, 255, (n, 1, 1, 3)) * 0.4
    t = np.linspace(0, 3, SIZE)  # bilinear interpolation weights from 4 to 32 samples
    lerp = np.maximum(0, 1 - abs(t[:, None] - np.arange(4)[None, :]))  # (32, 4)
    return np.einsum("ij,njkc,lk->nilc", lerp, grid, lerp, optimize=True).astype(np.float32)


def _paint(image, mask, rng, alpha_range):
    """Blend a random colour into `image` (N, 32, 32, 3) where `mask` (N, 32, 32) covers it."""
    colour = np.float32(rng.uniform(0, 255, (len(mask), 1, 1, 3)))  # (N, 1, 1, 3)
    alpha = np.float32(rng.uniform(*alpha_range, (len(mask), 1, 1, 1))) * mask[..., None]
    change = colour - image  # (N, 32, 32, 3); in place below: the arrays are large
    change *= alpha
    image += change
    return image


def _occlude(image, rng):
    """Hide a random block of some images (N, 32, 32, 3) under a flat colour, in place."""
    rows = np.flatnonzero(rng.random(len(image)) < OCCLUSION_P)  # the unlucky images
    corners = rng.integers(-4, SIZE - 4, (len(rows), 2))  # (K, 2) x, y; may start outside
    sizes = rng.integers(6, 13, (len(rows), 2))  # (K, 2) width, height
    colours = rng.uniform(0, 255, (len(rows), 3))  # (K, 3)
    for row, (x, y), (w, h), colour in zip(rows, corners, sizes, colours):
        image[row, max(y, 0):y + h, max(x, 0):x + w] = colour
    return image


def _render_block(fine_idx, rng):
    """Float images (N, 32, 32, 3) of the classes `fine_idx` (N,): all layers, then noise."""
    n = len(fine_idx)
    image = _background(n, rng)  # (N, 32, 32, 3)
    for _ in range(DISTRACTORS):  # faint clutter first, the main object on top
        others = rng.integers(0, len(FINE_CLASSES), n)
        image = _paint(image, _masks(others, rng, DISTRACTOR_RADIUS), rng, DISTRACTOR_ALPHA)
    image = _paint(image, _masks(fine_idx, rng, OBJECT_RADIUS), rng, OBJECT_ALPHA)
    image = _occlude(image, rng)
    gain = np.float32(rng.uniform(0.6, 1.2, (n, 1, 1, 1)))  # global contrast jitter
    shift = np.float32(rng.normal(128, 20, (n, 1, 1, 1)))  # and brightness jitter
    image -= 128  # in place from here on: (image - 128) * gain + shift + noise
    image *= gain
    image += shift
    noise_std = np.float32(rng.uniform(*NOISE_STD, (n, 1, 1, 1)))
    noise = rng.standard_normal(image.shape, dtype=np.float32)  # (N, 32, 32, 3)
    noise *= noise_std
    image += noise
    return image


def render(fine_idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Images (N, 32, 32, 3) uint8 of fine classes `fine_idx` (N,), indexes into FINE_CLASSES."""
    images = np.empty((len(fine_idx), SIZE, SIZE, 3), np.uint8)  # (N, 32, 32, 3)
    for start in range(0, len(fine_idx), BLOCK):  # blocks keep the float temporaries small
        block = _render_block(fine_idx[start:start + BLOCK], rng)
        images[start:start + BLOCK] = np.clip(np.rint(block, out=block), 0, 255, out=block)
    return images


def _labels(fine_idx: np.ndarray) -> pd.DataFrame:
    import pandas as pd

    fine = np.array(FINE_CLASSES)[fine_idx]  # (N,)
    return pd.DataFrame({"fine_labels": fine,
                         "coarse_labels": [FINE_TO_SUPER[name] for name in fine]})


def generate(seed: int = 0, n_train_per_class: int = 500,
             n_test_per_class: int = 100) -> Dataset:
    """The synthetic dataset: 15 fine classes in 3 superclasses, rows shuffled like CIFAR's.

    Returns a `Dataset` with uint8 images (15 * n_per_class, 32, 32, 3) per split and
    source "synthetic". The same seed gives byte-identical arrays.
    """
    from core.data.dataset import Dataset

    rng = np.random.default_rng(seed)
    classes = np.arange(len(FINE_CLASSES))
    train_idx = rng.permutation(np.repeat(classes, n_train_per_class))  # (N_train,)
    test_idx = rng.permutation(np.repeat(classes, n_test_per_class))  # (N_test,)
    images = render(np.concatenate([train_idx, test_idx]), rng)  # (N_train + N_test, 32, 32, 3)
    return Dataset(x_train=images[:len(train_idx)], x_test=images[len(train_idx):],
                   train_labels=_labels(train_idx), test_labels=_labels(test_idx),
                   source="synthetic", detail=detail(seed),
                   identity=identity(seed, n_train_per_class, n_test_per_class))


def detail(seed: int) -> str:
    return f"generated, seed {seed}"


def identity(seed: int, n_train_per_class: int = 500, n_test_per_class: int = 100) -> str:
    """The dataset's fingerprint (core.data.dataset.Dataset.fingerprint): the same on every
    machine for the same generator, seed and sizes. Change VERSION whenever `render`
    draws anything differently: what was trained on the old images must not match."""
    sizes = "" if (n_train_per_class, n_test_per_class) == (500, 100) else (
        f"-{n_train_per_class}x{n_test_per_class}")
    return f"synthetic-v{VERSION}-seed{seed}{sizes}"
