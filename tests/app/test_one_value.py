"""The calculator's "one output value, computed" tab under AppTest: what it says is what
core.calculator.one_value computes, strides and padding move the window, the Dense
comparison comes from the shape engine, Korean, and still no TensorFlow."""
import subprocess
import sys

import numpy as np

from core import st_cache
from core.calculator import one_value as ov
from tests.app.conftest import ROOT

PAGE = "app_pages/calculator.py"
TAB = "One output value, computed"


def open_tab(app, lang=None):
    if lang:
        app.query_params["lang"] = lang
    app.session_state["calc_view"] = TAB if lang != "ko" else "출력값 하나, 직접 계산"
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def markdown(app) -> str:
    return "\n".join(m.value for m in app.markdown)


def charts(app) -> set[str]:
    return {c.proto.id.rsplit("-", 1)[-1] for c in app.get("plotly_chart")}


def sharing_table(app):
    """The weight-sharing table (AppTest gives dataframes no key): the one with Dense counts."""
    table, = [d.value for d in app.dataframe if "dense" in d.value.columns]
    return table


def expected(app) -> ov.OneValue:
    """The page's numbers, computed again from its widgets' values."""
    state = app.session_state
    image = st_cache.default_data().dataset.x_train[state["calc_one_index"]]
    kernel, bias = ov.initial_weights(state["calc_one_seed"])
    return ov.one_value(image, kernel, bias, state["calc_one_filter"], state["calc_one_row"],
                        state["calc_one_col"], state["calc_one_strides"],
                        state["calc_one_padding"])


def test_the_tab_follows_one_value_from_pixels_to_pooling(app):
    open_tab(app)
    assert charts(app) == {"calc_one_where", "calc_one_steps", "calc_one_pool",
                           "calc_share_chart"}
    text = markdown(app)
    assert "**56 parameters**" in text and "2 × 28" in text
    result = expected(app)
    red, green, blue = (f"({s:.2f})" if s < 0 else f"{s:.2f}" for s in result.sums)
    assert f"= {red} + {green} + {blue} + " in text
    assert f"= **{result.value:.2f}**: what the Conv2D writes at row 0, column 0" in text
    assert f"= **{result.relu:.2f}**" in text
    assert f"keeps the largest of its four values: **{result.pool.value:.2f}**" in text
    assert any("zero padding" in c.value for c in app.caption), "the corner shows padding"


def test_moving_the_position_filter_and_weights_changes_the_numbers(app):
    open_tab(app)
    before = expected(app).value
    app.number_input(key="calc_one_row").set_value(9).run()
    app.number_input(key="calc_one_col").set_value(20).run()
    app.selectbox(key="calc_one_filter").set_value(1).run()
    app.number_input(key="calc_one_seed").set_value(5).run()
    result = expected(app)
    assert result.value != before
    assert f"= **{result.value:.2f}**: what the Conv2D writes at row 9, column 20 of " \
           "filter 2's feature map" in markdown(app)
    assert not any("zero padding" in c.value for c in app.caption), "no padding inside"


def test_strides_and_padding_move_the_window_as_keras_does(app):
    open_tab(app)
    app.number_input(key="calc_one_row").set_value(31).run()
    app.number_input(key="calc_one_col").set_value(31).run()
    app.selectbox(key="calc_one_strides").set_value(2).run()
    assert app.number_input(key="calc_one_row").value == 15, "clamped to the 16x16 output"
    assert app.number_input(key="calc_one_row").label == "Output row (0 to 15)"
    app.radio(key="calc_one_padding").set_value("valid").run()
    assert app.number_input(key="calc_one_col").value == 14, "15x15 with padding='valid'"
    assert not app.exception
    assert "fits no 2x2 window" in markdown(app), "an odd map's last row is never pooled"
    assert "calc_one_pool" not in charts(app)
    result = expected(app)
    assert (result.top, result.left) == (28, 28) and not result.is_pad.any()


def test_the_dense_comparison_is_the_shape_engines(app):
    open_tab(app)
    text = markdown(app)
    assert "**6,293,504 parameters**, 112,384 times as many" in text
    frame = sharing_table(app)
    assert list(frame["conv"]) == [56, 1792] and list(frame["dense"]) == [6_293_504, 50_348_032]
    app.selectbox(key="calc_one_strides").set_value(2).run()
    frame = sharing_table(app)
    assert len(frame) == 3 and frame["output"][0] == "16x16x2", "this view's layer is added"
    assert frame["dense"][0] == 3072 * 512 + 512


def test_korean_tab(app):
    open_tab(app, lang="ko")
    text = markdown(app)
    assert "**파라미터는 56개**" in text and "가중치 공유" in text
    assert "출력 행 (0 ~ 31)" == app.number_input(key="calc_one_row").label
    assert not app.exception


def test_the_tab_never_imports_tensorflow(tmp_path):
    script = f"""
import sys
from streamlit.testing.v1 import AppTest
app = AppTest.from_file({str(ROOT / 'streamlit_app.py')!r}, default_timeout=120)
app.session_state["calc_view"] = {TAB!r}
app.run()
app.switch_page({PAGE!r}).run()
assert not app.exception, app.exception
assert app.get("plotly_chart"), "the tab was drawn"
heavy = {{"tensorflow", "keras"}} & set(sys.modules)
assert not heavy, heavy
"""
    env = {**__import__("os").environ, "CNNLAB_DATA_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, env=env, timeout=300)


def test_the_image_shown_is_the_training_image_chosen(app):
    open_tab(app)
    app.number_input(key="calc_one_index").set_value(3).run()
    result = expected(app)
    image = st_cache.default_data().dataset.x_train[3].astype(float)
    np.testing.assert_array_equal(result.patches[:, 1:, 1:], np.moveaxis(image[:2, :2], -1, 0))
