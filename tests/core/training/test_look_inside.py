"""Looking inside a saved model, and decoding a student's uploaded image."""
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from core.training import look_inside as inspect_model
from core.training.look_inside import ImageError, decode_upload
from core.stack.shapes import summarize

TINY = [
    {"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"},
    {"type": "BatchNormalization"},
    {"type": "Activation", "activation": "relu"},
    {"type": "Conv2D", "filters": 6, "kernel_size": 3},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Flatten"},
    {"type": "Dense", "units": 3, "activation": "softmax"},
]


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    from core.stack.build import build_model

    path = tmp_path_factory.mktemp("model") / "model.keras"
    build_model((32, 32, 3), TINY).save(path)
    return path


@pytest.fixture(scope="module")
def model(saved_model):
    return inspect_model.load_model(saved_model)


IMAGE = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)


@pytest.mark.slow
def test_feature_maps_have_the_shape_engines_shapes(model):
    maps = inspect_model.feature_maps(model, IMAGE)
    rows = [r for r in summarize((32, 32, 3), TINY) if r.type == "Conv2D"]
    assert [m.index for m in maps] == [r.index for r in rows] == [0, 3]
    assert [m.maps.shape for m in maps] == [r.output_shape for r in rows] == [(16, 16, 4),
                                                                               (14, 14, 6)]
    assert all(np.isfinite(m.maps).all() for m in maps)


@pytest.mark.slow
def test_first_filters_are_rgb_tiles_normalised_per_filter(model):
    tiles = inspect_model.first_filters(model)
    assert tiles.shape == (4, 3, 3, 3)
    assert tiles.min(axis=(1, 2, 3)) == pytest.approx(np.zeros(4))
    assert tiles.max(axis=(1, 2, 3)) == pytest.approx(np.ones(4))
    kernel = np.asarray(model.layers[0].kernel)  # (3, 3, 3, 4)
    first = kernel[..., 0]
    assert tiles[0] == pytest.approx((first - first.min()) / (first.max() - first.min()))


@pytest.mark.slow
def test_classify_matches_predict(model):
    probs = inspect_model.classify(model, IMAGE)
    assert probs.shape == (3,) and probs.sum() == pytest.approx(1, abs=1e-5)
    expected = model.predict(IMAGE[None].astype("float32"), verbose=0)[0]
    assert probs == pytest.approx(expected, abs=1e-5)


@pytest.mark.slow
def test_models_load_in_safe_mode(tmp_path):
    import keras

    risky = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x * 2)])
    risky.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="safe_mode"):
        inspect_model.load_model(tmp_path / "lambda.keras")


def encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def test_png_and_jpeg_are_cut_square_and_shrunk_to_32x32():
    wide = Image.new("RGBA", (120, 60), (255, 0, 0, 128))
    wide.paste((0, 0, 255, 255), (0, 0, 20, 60))  # a blue band well outside the centre square
    image, size = decode_upload(encode(wide, "PNG"))
    assert image.shape == (32, 32, 3) and image.dtype == np.uint8 and size == (120, 60)
    assert image[..., 2].max() < 10, "the centre square is kept, the sides are cut"
    photo, size = decode_upload(encode(Image.new("RGB", (300, 400), (10, 200, 30)), "JPEG"))
    assert photo.shape == (32, 32, 3) and size == (300, 400)
    assert abs(int(photo[16, 16, 1]) - 200) < 5


@pytest.mark.parametrize("data", [b"just some text\n", b"", b"\x89PNG\r\n\x1a\nbroken"])
def test_not_an_image_is_refused(data):
    with pytest.raises(ImageError) as info:
        decode_upload(data)
    assert info.value.code == "not_image"


def test_other_formats_are_refused():
    with pytest.raises(ImageError) as info:
        decode_upload(encode(Image.new("RGB", (40, 40)), "GIF"))
    assert info.value.code == "not_image"


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height pixels but holds almost nothing: a bomb's header."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("side", [6000, 100_000])
def test_decompression_bombs_are_refused_before_decoding(side):
    with pytest.raises(ImageError) as info:
        decode_upload(png_header_only(side, side))
    assert info.value.code == "too_many_pixels"


def test_a_huge_file_is_refused():
    with pytest.raises(ImageError) as info:
        decode_upload(b"\0" * (inspect_model.MAX_UPLOAD_BYTES + 1))
    assert info.value.code == "too_large"
