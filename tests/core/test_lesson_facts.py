"""Every number and claim the lesson's text states, computed from the app's own engine and
checked against the text in both languages, so the prose cannot drift from the code.

Each test names the i18n keys it guards. Where a claim is about Keras (what it prints,
what `compile` takes), Keras itself is asked.
"""
import re

import pytest

from core.calculator.slide import slide
from core.i18n import translate
from core.stack import presets
from core.stack.shapes import summarize, totals

LANGUAGES = ("en", "ko")


def text(key: str, lang: str) -> str:
    return translate(key, lang)


def macs(preset_id: str) -> int:
    return totals(summarize(*presets.preset(preset_id))).macs


# ---- the calculator ------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_fixed_pooling_model_costs_4x_the_stride_models_work(lang):
    """calc.preset.stride_pool_fixed.about: 4.0x, not "about 16 times"."""
    fixed, stride = macs("stride_pool_fixed"), macs("stride")
    assert (fixed, stride) == (14_156_544, 3_539_712)
    said = text("calc.preset.stride_pool_fixed.about", lang)
    assert f"{fixed / stride:.1f}" in said and f"{fixed:,}" in said and f"{stride:,}" in said
    assert "16" not in said.replace(f"{fixed:,}", "")
    assert f"{fixed / stride:.1f}" in text("train.model.stride_pool_fixed.about", lang)
    params = [totals(summarize(*presets.preset(p))).params for p in ("stride", "stride_pool_fixed")]
    assert params[0] == params[1], "the same parameters, as the text says"


def covered(size: int, kernel: int, strides: int, padding: str) -> bool:
    """Whether the windows of a convolution touch every pixel of a size x size input."""
    steps = slide(size, kernel, strides, padding)
    seen = steps.is_pad.copy()
    for frame in steps.frames:
        seen[frame.top:frame.top + kernel, frame.left:frame.left + kernel] = True
    return bool(seen.all())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_strided_3x3_convolution_skips_no_pixel(lang):
    """calc.preset.stride_pool_fixed.about, train.model.stride_pool_fixed.about: both models
    see every pixel (the notebook's "region을 스킵하지 않고" is true of strides 2 too)."""
    for row in summarize(*presets.preset("stride")):
        if row.type == "Conv2D":
            k, s = row.spec["kernel_size"][0], row.spec["strides"][0]
            assert covered(row.input_shape[0], k, s, row.spec["padding"])
    assert not covered(8, 1, 2, "valid"), "a 1x1 window at strides 2 would skip pixels"
    for key in ("calc.preset.stride_pool_fixed.about", "train.model.stride_pool_fixed.about"):
        said = text(key, lang)
        assert ("every pixel" in said) == (lang == "en") and "is seen" not in said
        assert lang == "en" or "건너뛰지 않습니다" in said


@pytest.mark.parametrize("lang", LANGUAGES)
def test_valid_padding_shrinks_by_kernel_size_minus_1(lang):
    """calc.help.padding: "valid" shrinks the output by kernel_size - 1 at strides 1."""
    for k in (1, 3, 5):
        (row,) = summarize((32, 32, 3), [{"type": "Conv2D", "filters": 1, "kernel_size": k}])
        assert row.output_shape[0] == 32 - (k - 1)
    said = text("calc.help.padding", lang)
    assert "kernel_size - 1" in said and f"32 → {32 - (3 - 1)}" in said


def test_the_receptive_field_outgrows_the_image_only_with_padding():
    """calc.rf_outside: the fixed pooling model's last field is 46x46 on a 32x32 image, and
    the part outside the image is padding: without padding='same' it cannot outgrow it."""
    rows = summarize(*presets.preset("stride_pool_fixed"))
    assert rows[-3].receptive_field == (46, 46) and rows[-3].input_shape[0] == 4
    valid = [dict(layer, padding="valid") if layer["type"] == "Conv2D" else layer
             for layer in presets.shared_extractor(4)[:12]]  # three blocks fit
    assert max(r.receptive_field[0] for r in summarize((32, 32, 3), valid)) <= 32
    for lang in LANGUAGES:
        assert "padding='same'" in text("calc.rf_outside", lang)


@pytest.mark.parametrize("key", ["calc.intro", "calc.preset.stride_pool.about",
                                 "calc.formula.negative"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_negative_dimension_size_is_called_tensorflow_2s_wording(key, lang):
    """The notebook's "Negative dimension size" is TF 2's; the text gives Keras 3's too
    (tests/core/stack/test_keras_errors.py checks both words against the real messages)."""
    said = text(key, lang)
    assert "Computed output size would be zero or negative" in said
    assert "TensorFlow 2" in said and "Negative dimension size" in said
    assert re.search(r"Keras 3", said)
