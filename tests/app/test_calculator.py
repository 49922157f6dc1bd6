"""The conv calculator page under AppTest: presets, editing, every error and warning,
shared links, the code export, Korean, and no TensorFlow."""
import subprocess
import sys
from pathlib import Path

import pytest

from core.stack import presets
from core.calculator import link as stack_url
from core.i18n import translate
from tests.core.stack.test_shapes import ERROR_CASES, WARNING_CASES
from ui.calculator import share as calc_share

PAGE = "app_pages/calculator.py"
ROOT = Path(__file__).resolve().parents[2]


def open_page(app, lang=None, link=None, state=None):
    """The calculator after a first run of the app, optionally with a link or a stack."""
    if lang:
        app.query_params["lang"] = lang
    if link is not None:
        app.query_params["stack"] = link
    for key, value in (state or {}).items():
        app.session_state[key] = value
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def load(app, preset_id):
    """Choose a notebook model in the menu: that alone loads it."""
    app.selectbox(key="calc_preset").set_value(preset_id).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def table(app):
    return app.dataframe[0].value


def params(app) -> list[int]:
    return [int(p) for p in table(app)["Param #"] if p == p]  # NaN rows: not computed


def metrics(app) -> dict:
    return {m.label: m.value for m in app.metric}


def errors(app) -> str:
    return "\n".join(e.value for e in app.main.error)


# --- presets: the notebook's numbers ----------------------------------------------

def test_default_is_the_stride_model(app):
    open_page(app)
    assert app.title[0].value.startswith("Conv calculator")
    assert len(table(app)) == 14 and metrics(app)["Total params"] == "114,371"
    assert not app.main.error and not app.main.warning


def test_single_conv_has_56_parameters(app):
    load(open_page(app), "single_conv")
    assert params(app) == [56]
    assert list(table(app)["Output shape"]) == ["(None, 32, 32, 2)"]


def test_stride_model_has_the_notebooks_layer_params(app):
    load(open_page(app), "stride")
    assert params(app)[:6] == [1_792, 256, 0, 36_928, 256, 0]
    assert list(table(app)["Output shape"])[-2:] == ["(None, 256)", "(None, 3)"]


def test_shared_extractor_and_super_model_totals(app):
    load(open_page(app), "shared_extractor")
    assert metrics(app)["Total params"] == "448,384"
    load(app, "super_model")
    assert metrics(app)["Total params"] == "449,923"
    assert metrics(app)["Non-trainable params"] == "1,024"
    assert metrics(app)["Trainable params"] == "448,899"


def test_stride_pool_shows_where_and_why_it_fails(app):
    load(open_page(app), "stride_pool")
    assert ("Layer 12 (MaxPooling2D) needs at least 2x2 input, but the previous layer "
            "outputs 1x1.") in errors(app)
    assert "Negative dimension size" in errors(app)  # the notebook's own error, named
    frame = table(app)
    assert frame["Output shape"][11] == "✖ fails here"
    assert frame["Output shape"][10] == "(None, 1, 1, 64)"
    assert set(frame["Output shape"][12:]) == {"not computed"}
    # the failing layer is selected, and its formula shows the size below 1
    assert app.selectbox(key="calc_layer").value == 11
    assert any(r"\frac{1 - 2}{2}" in latex.value and "< 1" in latex.value for latex in app.latex)
    assert any("Keras raises an error here" in code.value for code in app.code)


def test_stride_pool_says_what_keras_3_prints_and_what_tensorflow_2_printed(app):
    from core.stack.keras_errors import keras_error

    load(open_page(app), "stride_pool")
    said = keras_error(*presets.preset("stride_pool"))
    assert said.keras3 in [code.value for code in app.code]
    assert any("subtracting 2 from 1" in c.value for c in app.caption)


def test_stride_pool_fixed_builds(app):
    load(open_page(app), "stride_pool_fixed")
    assert not app.main.error and metrics(app)["Total params"] == "114,371"
    note = [c.value for c in app.caption if "larger than the 32x32 image" in c.value]
    assert note and "46x46" in note[0] and "padding='same'" in note[0]


def test_a_receptive_field_inside_the_image_gets_no_note(app):
    load(open_page(app), "stride")  # its last field is 31x31
    assert not [c.value for c in app.caption if "larger than the" in c.value]


# --- editing ----------------------------------------------------------------------

def test_editing_a_layer_changes_shapes_and_params(app):
    load(open_page(app), "single_conv")
    app.number_input(key="calc_filters").set_value(4).run()
    assert params(app) == [(3 * 3 * 3 + 1) * 4]
    app.radio(key="calc_padding").set_value("valid").run()
    assert table(app)["Output shape"][0] == "(None, 30, 30, 4)"
    app.text_input(key="calc_kernel_size").input("5").run()
    app.text_input(key="calc_strides").input("2").run()
    assert table(app)["Output shape"][0] == "(None, 14, 14, 4)"
    assert params(app) == [(5 * 5 * 3 + 1) * 4]
    app.text_input(key="calc_kernel_size").input("3x5").run()
    assert table(app)["Output shape"][0] == "(None, 15, 14, 4)"
    assert app.session_state["calc_stack"] == [
        {"type": "Conv2D", "filters": 4, "kernel_size": (3, 5), "strides": 2}]


def test_input_shape_is_editable(app):
    load(open_page(app), "single_conv")
    app.number_input(key="calc_height").set_value(28).run()
    app.number_input(key="calc_channels").set_value(1).run()
    assert table(app)["Output shape"][0] == "(None, 28, 32, 2)"
    assert params(app) == [(3 * 3 * 1 + 1) * 2]


def test_add_move_change_type_and_remove_layers(app):
    load(open_page(app), "single_conv")
    app.selectbox(key="calc_new_type").set_value("MaxPooling2D")
    app.button(key="calc_add").click().run()
    assert list(table(app)["Layer (type)"]) == ["conv2d (Conv2D)", "max_pooling2d (MaxPooling2D)"]
    assert app.selectbox(key="calc_layer").value == 1  # the new layer is selected
    assert table(app)["Output shape"][1] == "(None, 16, 16, 2)"
    app.button(key="calc_up").click().run()
    assert list(table(app)["Output shape"]) == ["(None, 16, 16, 3)", "(None, 16, 16, 2)"]
    app.selectbox(key="calc_type").set_value("AveragePooling2D").run()
    assert table(app)["Layer (type)"][0] == "average_pooling2d (AveragePooling2D)"
    app.selectbox(key="calc_layer").set_value(1).run()  # fields follow the selection
    assert app.number_input(key="calc_filters").value == 2
    app.button(key="calc_remove").click().run()
    assert len(table(app)) == 1
    app.button(key="calc_remove").click().run()
    assert not app.dataframe and not app.exception  # an empty stack is fine too
    app.selectbox(key="calc_new_type").set_value("Flatten")
    app.button(key="calc_add").click().run()
    assert list(table(app)["Output shape"]) == ["(None, 3072)"]


def test_typed_zero_stride_is_explained_not_crashed(app):
    load(open_page(app), "single_conv")
    app.text_input(key="calc_strides").input("0").run()
    assert "would never move the window" in errors(app)
    app.text_input(key="calc_strides").input("two").run()
    assert "must be a whole number like 3 or a pair like 3x5" in errors(app)
    app.number_input(key="calc_height").set_value(0).run()
    assert "1 or more" in errors(app) and not app.exception


# --- every error and warning, in both languages -------------------------------------

@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_every_shape_error_is_translated(app, case, lang):
    input_shape, layers, index, code, _ = ERROR_CASES[case]
    open_page(app, lang=lang, state={"calc_stack": list(layers), "calc_input_shape": input_shape})
    text = errors(app)
    assert text and "{" not in text and "calc." not in text
    if index >= 0:
        assert (f"Layer {index + 1}" if lang == "en" else f"레이어 {index + 1}") in text
    title = translate("calc.error.title", lang)
    assert title in text
    if lang == "ko":
        assert any("\uac00" <= ch <= "\ud7a3" for ch in text.replace(title, ""))


@pytest.mark.parametrize("code", WARNING_CASES)
def test_every_warning_is_shown(app, code):
    input_shape, layers, index = WARNING_CASES[code]
    open_page(app, state={"calc_stack": list(layers), "calc_input_shape": input_shape})
    warnings = [w.value for w in app.main.warning]
    assert any(w.startswith(f"Layer {index + 1}:") for w in warnings), warnings
    assert not app.main.error and all("{" not in w for w in warnings)
    assert table(app)["Layer (type)"][index].startswith("⚠ ")


def test_dense_on_a_feature_map_says_what_keras_does(app):
    open_page(app, state={"calc_stack": [{"type": "Dense", "units": 3}],
                          "calc_input_shape": (4, 4, 2)})
    assert "applies it to every position separately" in app.main.warning[0].value


# --- shared links -----------------------------------------------------------------

def test_link_round_trip(app):
    layers = [{"type": "Conv2D", "filters": 8, "kernel_size": (3, 5), "strides": 2,
               "padding": "same", "activation": "relu", "use_bias": False},
              {"type": "AveragePooling2D", "pool_size": 2, "strides": 1},
              {"type": "Dropout", "rate": 0.25}, {"type": "GlobalAveragePooling2D"},
              {"type": "Dense", "units": 15, "activation": "softmax"}]
    open_page(app, lang="ko", link=stack_url.encode((20, 24, 1), layers))
    assert app.session_state["calc_input_shape"] == (20, 24, 1)
    assert app.session_state["calc_stack"] == layers
    assert app.query_params["lang"] == ["ko"] or app.query_params["lang"] == "ko"
    # the page keeps the link in the URL; an edit updates it
    app.number_input(key="calc_filters").set_value(16).run()
    link = app.query_params["stack"]
    link = link[0] if isinstance(link, list) else link
    assert stack_url.decode(link)[1][0]["filters"] == 16
    assert app.query_params["lang"] in ("ko", ["ko"])


def test_failing_preset_travels_by_link(app):
    open_page(app, link=stack_url.encode(*presets.preset("stride_pool")))
    assert "Layer 12 (MaxPooling2D)" in errors(app)
    assert app.selectbox(key="calc_layer").value == 11


@pytest.mark.parametrize("link, reason", [
    ("not base64 !!", "cut off"), ("", "no model"), ("A" * 5000, "too long"),
    (stack_url.encode((32, 32, 3), [{"type": "Conv3D"}]), "does not know"),
    (stack_url.encode((32, 32, 3), [{"type": "Conv2D", "filters": "x", "kernel_size": 3}]),
     "does not accept"),
])
def test_malformed_link_gets_a_message_and_the_default(app, link, reason):
    open_page(app, link=link)
    assert reason in app.main.warning[0].value and "default model" in app.main.warning[0].value
    assert len(table(app)) == 14 and metrics(app)["Total params"] == "114,371"
    app.run()  # e.g. another view's widget: the message stays
    assert reason in app.main.warning[0].value
    app.number_input(key="calc_filters").set_value(8).run()  # an edit: it goes
    assert not app.main.warning


# --- the convolution views -------------------------------------------------------

def test_animation_follows_its_controls(app):
    open_page(app)
    (chart,) = app.get("plotly_chart")
    assert "calc_anim_chart" in chart.proto.id
    app.selectbox(key="calc_anim_strides").set_value(2).run()
    app.radio(key="calc_anim_padding").set_value("valid").run()
    assert any(r"\frac{5 - 3}{2}" in latex.value for latex in app.latex)
    assert not app.exception


def test_feature_map_view_shows_every_shape(app):
    open_page(app, state={"calc_view": "One filter on a real image"})
    (chart,) = app.get("plotly_chart")
    assert "calc_fm_chart" in chart.proto.id
    assert any("Synthetic image" in c.value for c in app.caption)
    app.selectbox(key="calc_fm_kernel").set_value("custom").run()
    app.text_input(key="calc_fm_custom").input("1 2 3").run()
    assert "exactly 9 numbers" in errors(app) and not app.get("plotly_chart")
    app.text_input(key="calc_fm_custom").input("0 0 0 0 1 0 0 0 0").run()
    app.radio(key="calc_fm_padding").set_value("valid").run()
    app.selectbox(key="calc_fm_strides").set_value(2).run()
    assert app.get("plotly_chart") and not app.exception


# --- code, language, training, imports ---------------------------------------------

def test_code_export_matches_the_stack(app):
    load(open_page(app), "super_model")
    (code,) = [c.value for c in app.code if c.value.startswith("import keras")]
    assert code.count("keras.layers.Conv2D(filters=128") == 4
    assert app.get("download_button"), "the code can be downloaded"
    assert any("stack=" in c.value and "lang=en" in c.value for c in app.code)


def test_korean_page(app):
    load(open_page(app, lang="ko"), "stride_pool")
    assert app.title[0].value.startswith("합성곱 계산기")
    assert "레이어 12 (MaxPooling2D)에는 최소 2x2 크기의 입력이 필요하지만, 이전 레이어의 출력은 1x1입니다." in errors(app)
    assert "전체 파라미터" in metrics(app)
    assert "레이어 (종류)" in table(app).columns
    assert any("# Keras가 여기서 오류를 냅니다" in code.value for code in app.code), (
        "the exported code's comments in Korean too")


def test_train_button_takes_the_stack_to_the_training_page(app):
    load(open_page(app), "single_conv")
    assert not app.button(key="calc_train").disabled
    app.button(key="calc_train").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state["train_stack"] == {
        "input_shape": (32, 32, 3), "layers": presets.single_conv()}
    assert not [b for b in app.button if b.key == "calc_train"], "now on the training page"


def test_failing_stack_cannot_be_sent_to_training(app):
    load(open_page(app), "stride_pool")
    buttons = [b for b in app.button if b.key == "calc_train"]
    assert all(b.disabled for b in buttons)


def test_page_never_imports_tensorflow(tmp_path):
    script = f"""
import sys
from streamlit.testing.v1 import AppTest
app = AppTest.from_file({str(ROOT / 'streamlit_app.py')!r}, default_timeout=120)
app.run()
app.switch_page({PAGE!r}).run()
assert not app.exception, app.exception
app.selectbox(key="calc_preset").set_value("super_model").run()
heavy = {{"tensorflow", "keras"}} & set(sys.modules)
assert not heavy, heavy
"""
    env = {**__import__("os").environ, "CNNLAB_DATA_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, env=env, timeout=300)


def current(app) -> str:
    return next(m.value for m in app.markdown if "In the table" in m.value)


def test_the_menu_says_which_model_the_table_holds(app):
    open_page(app)
    assert app.selectbox(key="calc_preset").value == "stride", "the table's model, not another"
    assert "Section 2: the stride model" in current(app)
    assert metrics(app)["Total params"] == "114,371"
    load(app, "single_conv")  # choosing is loading: one gesture, no button
    assert "Section 1" in current(app) and metrics(app)["Total params"] == "56"
    app.number_input(key="calc_filters").set_value(4).run()  # an edit: now the student's own
    assert app.selectbox(key="calc_preset").value is None
    assert "your own stack (started from Section 1" in current(app)
    load(app, "single_conv")  # choosing it again starts over
    assert metrics(app)["Total params"] == "56" and "Section 1" in current(app)


def test_a_shared_link_says_it_is_a_shared_model(app):
    open_page(app, link=stack_url.encode((32, 32, 3), [
        {"type": "Conv2D", "filters": 5, "kernel_size": 3}]))
    assert app.selectbox(key="calc_preset").value is None
    assert "from a shared link" in current(app)


def test_the_menu_in_korean(app):
    open_page(app, lang="ko")
    assert "표에 있는 모델" in current_ko(app)


def current_ko(app) -> str:
    return next(m.value for m in app.markdown if "표에 있는 모델" in m.value)
