"""Every number and claim the lesson's text states, computed from the app's own engine and
checked against the text in both languages, so the prose cannot drift from the code.

Each test names the i18n keys it guards. Where a claim is about Keras (what it prints,
what `compile` takes), Keras itself is asked.
"""
import json
import re

import numpy as np
import pytest

from core.calculator.slide import slide
from core.config import ROOT, SHIPPED_RUNS
from core.i18n import translate
from core.stack import presets
from core.stack.shapes import summarize, totals
from core.engine.contract import with_added_fields
from core.engine.library import Entry
from core.training.plan import DEFAULTS, plan
from core.training.runs_table import NOTEBOOK_STRIDE_ACCURACY, notebook_facts

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


# ---- the training page ---------------------------------------------------------------------

README = (ROOT / "README.md").read_text()


def readme_row(*cells: str) -> list[str]:
    """The cells of the README table row that starts with these cells."""
    start = "| " + " | ".join(cells) + " |"
    (line,) = [line for line in README.splitlines() if line.startswith(start)]
    return [cell.strip() for cell in line.strip("|").split("|")]


def shipped(model: str) -> Entry:
    """The shipped run library's entry for a notebook model at the page's defaults."""
    for path in SHIPPED_RUNS.glob("*/entry.json"):
        data = json.loads(path.read_text())
        data["settings"] = with_added_fields(data["settings"])  # written before the controls
        entry = Entry.from_dict(data)
        if entry.settings.model == model:
            return entry
    raise AssertionError(f"assets/runs has no {model} run")


@pytest.mark.parametrize("model, name", [("stride", "stride model"),
                                         ("stride_pool_fixed", "stride + pooling, fixed"),
                                         ("super_model", "super model (shared extractor, "
                                                         "128 filters)")])
def test_the_readmes_table_of_the_pages_default_runs_is_the_shipped_runs(model, name):
    entry, row = shipped(model), readme_row(name)
    last = entry.epochs[-1]
    assert row[1:4] == [f"{100 * entry.result.test_accuracy:.1f}%",
                        f"{100 * last.accuracy:.1f}%", f"{100 * last.val_accuracy:.1f}%"]
    assert row[4] == f"{macs(model):,}" and row[5] == f"{entry.seconds:,.0f} s"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_accuracy_the_training_page_expects_is_what_was_measured(lang):
    """train.expect.super, train.expect.fine, train.model.stride.about: the notebook's own
    figure, the README's (the notebook's settings on the synthetic set), the shipped run."""
    notebook = f"{100 * NOTEBOOK_STRIDE_ACCURACY:.1f}%"
    stride = shipped("stride")
    super_text, fine_text = text("train.expect.super", lang), text("train.expect.fine", lang)
    assert notebook in super_text and notebook in text("train.model.stride.about", lang)
    assert readme_row("notebook's stride model", "superclasses")[3] in super_text
    assert readme_row("notebook's stride model", "fine classes")[3] in fine_text
    assert f"{100 * stride.result.test_accuracy:.1f}%" in super_text
    assert stride.epochs[-1].accuracy == 1.0 and "100%" in super_text
    assert f"{100 / 3:.1f}%" in super_text and f"{100 / 15:.1f}%" in fine_text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_what_differs_from_the_notebooks_settings(lang):
    """train.choose.why, train.differs.text: the validation split, and the loss."""
    split = DEFAULTS["validation_split"]
    assert f"{100 * split:.0f}%" in text("train.choose.why", lang)
    differs = text("train.differs.text", lang)
    assert f"{round(7500 * split):,}" in differs and "7,500" in differs
    assert "sparse_categorical_crossentropy" in differs and "to_categorical" in differs
    assert "loss_weights" in differs


def test_sparse_crossentropy_on_integers_is_the_notebooks_one_hot_crossentropy():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3), size=50).astype("float32")  # (50, 3), rows sum to 1
    labels = rng.integers(0, 3, 50)
    sparse = keras.losses.sparse_categorical_crossentropy(labels, probs)
    one_hot = keras.losses.categorical_crossentropy(keras.utils.to_categorical(labels, 3), probs)
    np.testing.assert_allclose(np.asarray(sparse), np.asarray(one_hot), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(sparse), -np.log(probs[np.arange(50), labels]),
                               rtol=1e-5)


@pytest.mark.parametrize("key", ["train.differs.text", "transfer.notebook.text"])
def test_keras_3s_compile_takes_loss_weights_third(key):
    """The notebook's compile('Adam', 'categorical_crossentropy', 'accuracy') fails in
    Keras 3, and both pages say why."""
    import inspect

    keras = pytest.importorskip("keras")
    assert list(inspect.signature(keras.Model.compile).parameters)[1:4] == [
        "optimizer", "loss", "loss_weights"]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    with pytest.raises(ValueError, match="loss_weights"):
        model.compile("Adam", "categorical_crossentropy", "accuracy")
    for lang in LANGUAGES:
        assert "loss_weights" in text(key, lang) and "compile" in text(key, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pooling_is_not_called_a_control_against_overfitting(lang):
    """train.concepts.text: the controls act on training; none of them adds pooling."""
    said = text("train.concepts.text", lang)
    assert "Dropout or pooling" not in said and "Dropout이나 풀링" not in said
    assert ("Pooling is not one of them" in said) == (lang == "en")
    assert lang == "en" or "풀링은 이런 방법이 아닙니다" in said
    off = plan(dict(DEFAULTS), 7500)
    on = plan(dict(DEFAULTS, augment=True, dropout=0.5, weight_decay=1e-4, early_stopping=3),
              7500)
    pools = lambda p: [r.output_shape for r in p.rows if "Pooling" in r.type]
    assert pools(on) == pools(off)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_notebooks_comparison_is_told_with_the_engines_numbers(lang):
    said = translate("train.notebook.text", lang, **notebook_facts())
    assert "12" in said and "4.0" in said and "{" not in said


# ---- the transfer page ---------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_transfer_page_says_scratch_can_overtake_a_frozen_extractor(lang):
    """transfer.step5.why: the README's 20-epoch figures, in which scratch overtakes frozen."""
    rows = {arm: readme_row(*cells)[3].split(",")[0] for arm, cells in {
        "frozen": ("shared extractor (width 32) pretrained on superclasses, frozen, new "
                   "Dense(15)", "fine classes", "20"),
        "finetune": ("pretrained extractor fine-tuned (all layers, Adam 1e-3)",),
        "scratch": ("from scratch",)}.items()}
    assert float(rows["scratch"][:-1]) > float(rows["frozen"][:-1])
    said = text("transfer.step5.why", lang)
    assert all(figure in said for figure in rows.values()) and "20" in said and "32" in said


def test_the_transfer_pages_expected_accuracies_are_the_demo_lessons_measured_ones():
    """transfer.expect.synthetic states core.transfer.lesson.EXPECTED_SYNTHETIC: the
    README's demo-lesson table (`python -m benchmarks.transfer_demo`)."""
    from core.transfer.lesson import EXPECTED_SYNTHETIC

    for arm, row in {"scratch": "fine classes from scratch",
                     "frozen": "frozen pretrained extractor",
                     "finetune": "fine-tuned pretrained extractor"}.items():
        assert readme_row(row)[1] == f"{100 * EXPECTED_SYNTHETIC[arm]:.1f}%"
