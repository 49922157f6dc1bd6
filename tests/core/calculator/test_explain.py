"""Sentences and formulas: every error, fix and warning has both languages and fills in;
every formula ends with the number the shape engine computes."""
import re

import pytest
from hypothesis import given, settings, strategies as st

from core.stack import presets
from core.calculator.explain import (
    ARGUMENT_EXPECTATIONS, ERROR_CODES, error_key, error_text, fix_key, fmt_bytes, fmt_int,
    formulas, warning_text,
)
from core.i18n import LANGUAGES, table, translate
from core.stack.shapes import WARNING_MESSAGES, ShapeError, check_warnings, summarize, try_summarize
from tests.core.stack.test_shapes import ERROR_CASES, WARNING_CASES


def error_of(input_shape, layers) -> ShapeError:
    rows, err = try_summarize(input_shape, layers)
    assert err is not None
    return err


def test_every_code_has_its_keys_in_both_languages():
    for lang in LANGUAGES:
        keys = set(table(lang))
        for code in ERROR_CODES:
            assert {f"calc.error.{code}", f"calc.fix.{code}"} <= keys, code
        for expected in ARGUMENT_EXPECTATIONS:
            assert f"calc.error.bad_argument.{expected}" in keys
        for code in WARNING_MESSAGES:
            assert f"calc.warning.{code}" in keys


def test_error_codes_are_the_engines():
    assert {case[3] for case in ERROR_CASES.values()} == set(ERROR_CODES)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_every_error_fills_its_sentence_and_fix(case, lang):
    input_shape, layers, index, code, _ = ERROR_CASES[case]
    err = error_of(input_shape, layers)
    key, values = error_text(err)
    values["source"] = translate(f"calc.source.{values['source']}", lang)
    for text in (translate(key, lang, **values), translate(fix_key(err), lang, **values)):
        assert "{" not in text and not text.startswith("calc.") and len(text) > 15
    if index >= 0 and code not in ("bad_layer_spec",):
        assert values["layer"] == str(index + 1)


def test_stride_pool_sentence_is_the_notebooks_failure():
    err = error_of(*presets.preset("stride_pool"))
    key, values = error_text(err)
    values["source"] = translate(f"calc.source.{values['source']}", "en")
    assert translate(key, "en", **values) == (
        "Layer 12 (MaxPooling2D) needs at least 2x2 input, but the previous layer outputs 1x1.")
    assert "Negative dimension size" in translate(fix_key(err), "en")


def test_first_layer_errors_name_the_input_image():
    err = error_of((2, 4, 1), [{"type": "Conv2D", "filters": 1, "kernel_size": 3}])
    assert error_text(err)[1]["source"] == "input"


def test_bad_argument_keys_follow_the_expectation():
    err = error_of((8, 8, 1), [{"type": "Dropout", "rate": 1.5}])
    assert error_key(err) == "calc.error.bad_argument.rate_0_1"
    assert error_key(ShapeError("x", 0, "bad_argument", {"expected": "new"})) == (
        "calc.error.bad_argument")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", WARNING_CASES)
def test_every_warning_fills_its_sentence(code, lang):
    input_shape, layers, index = WARNING_CASES[code]
    found = [(i, w) for i, w in check_warnings(input_shape, layers) if w.code == code]
    key, values = warning_text(*found[0])
    text = translate(key, lang, **values)
    assert "{" not in text and values["layer"] == str(index + 1)


def test_number_formats():
    assert fmt_int(449_923) == "449{,}923" and fmt_int(56) == "56"
    assert fmt_bytes(12) == "12 B" and fmt_bytes(4096) == "4.0 KB"
    assert fmt_bytes(3 * 2**20) == "3.0 MB" and fmt_bytes(5 * 2**30) == "5,120.0 MB"


def last_number(latex: str) -> int:
    """The result at the end of a formula: '... = 1{,}792' -> 1792."""
    tail = latex.replace(r"\end{aligned}", "").strip().replace("{,}", "")
    return int(re.findall(r"= (-?\d+)(?: < 1)?$", tail)[0])


def check_row_formulas(spec, row, before):
    shape = before.output_shape if before else row.input_shape
    rf, jump = (before.receptive_field, before.jump) if before else ((1, 1), (1, 1))
    lines = formulas(spec, shape, rf, jump)
    by_caption = {line.caption: line.latex for line in lines}
    if row.type in ("Conv2D", "MaxPooling2D", "AveragePooling2D"):
        sizes = [last_number(l.latex) for l in lines
                 if l.caption in ("calc.formula.same", "calc.formula.valid")]
        assert sizes in ([row.output_shape[0]], list(row.output_shape[:2]))
        if row.jump is not None and row.receptive_field[0] == row.receptive_field[1]:
            assert last_number(by_caption["calc.formula.rf"]) == row.receptive_field[0]
    if row.type == "Conv2D":
        assert last_number(by_caption["calc.formula.conv_params"]) == row.params
    if row.type == "BatchNormalization":
        assert last_number(by_caption["calc.formula.bn"]) == row.params
    if row.type == "Dense":
        assert last_number(by_caption["calc.formula.dense"]) == row.params
    if row.type == "Flatten":
        assert last_number(by_caption["calc.formula.flatten"]) == row.output_shape[0]


@pytest.mark.parametrize("preset_id", [p for p in presets.PRESET_IDS if p != "stride_pool"])
def test_formulas_agree_with_the_shape_engine_on_presets(preset_id):
    input_shape, layers = presets.preset(preset_id)
    rows = summarize(input_shape, layers)
    for i, row in enumerate(rows):
        check_row_formulas(layers[i], row, rows[i - 1] if i else None)


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 40), m=st.integers(1, 40), k=st.integers(1, 7), l=st.integers(1, 7),
       s=st.integers(1, 4), t=st.integers(1, 4), padding=st.sampled_from(["valid", "same"]),
       c=st.integers(1, 8), filters=st.integers(1, 16), bias=st.booleans())
def test_conv_formulas_agree_with_the_shape_engine(n, m, k, l, s, t, padding, c, filters, bias):
    spec = {"type": "Conv2D", "filters": filters, "kernel_size": (k, l), "strides": (s, t),
            "padding": padding, "use_bias": bias}
    rows, err = try_summarize((n, m, c), [spec])
    if err is None:
        check_row_formulas(spec, rows[0], None)
    else:  # the failing size is shown below 1
        assert any("< 1" in line.latex for line in formulas(spec, (n, m, c)))


def test_stride_pool_formula_shows_the_negative_size():
    input_shape, layers = presets.preset("stride_pool")
    rows, err = try_summarize(input_shape, layers)
    lines = formulas(layers[err.layer_index], rows[-1].output_shape,
                     rows[-1].receptive_field, rows[-1].jump)
    assert lines[0].caption == "calc.formula.negative"
    assert r"\frac{1 - 2}{2}" in lines[0].latex and lines[0].latex.endswith(r"= 0 < 1 \end{aligned}")


def test_no_formula_where_none_can_be_computed():
    assert formulas({"type": "Conv2D", "filters": 0, "kernel_size": 3}, (8, 8, 1)) == []
    assert formulas({"type": "Conv2D", "filters": 1, "kernel_size": 3}, (64,)) == []
    assert formulas({"type": "Dropout"}, (64,))[0].caption == "calc.formula.training_only"
    assert formulas({"type": "Activation", "activation": "relu"}, (64,))[0].caption == (
        "calc.formula.same_shape")
    flip = formulas({"type": "RandomFlip", "mode": "horizontal"}, (32, 32, 3))
    assert flip[0].caption == "calc.formula.training_only" and "(32, 32, 3)" in flip[0].latex
