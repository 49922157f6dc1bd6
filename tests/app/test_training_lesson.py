"""The training page's lesson under AppTest: the controls against overfitting, the notebook's
comparison done fairly (from the shipped run library: no training here), the runs table,
the gap curves, the whole-run script, in English and Korean."""
import pytest

from core import st_cache
from core.config import SHIPPED_RUNS
from core.engine.library import RunLibrary
from tests.app.conftest import follow
from tests.app.test_training import page  # noqa: F401  the training page, opened


@pytest.fixture
def shipped(monkeypatch, tmp_path):
    """The run library the repository ships: the notebook's runs at the page's defaults."""
    library = RunLibrary(tmp_path / "library", shipped=(SHIPPED_RUNS,))
    monkeypatch.setattr(st_cache.job_manager(), "library", library)
    return library


def texts(app) -> str:
    return " ".join(e.value for kind in (app.success, app.info, app.error, app.warning,
                                         app.markdown, app.caption) for e in kind)


def runs_table(app, lang="en"):
    """The runs table's frame, its rows by run."""
    column = "MACs per image" if lang == "en" else "이미지당 MACs"
    return next(d.value for d in app.table if column in d.value.columns)


def code(app) -> str:
    return "\n".join(c.value for c in app.code)


def test_the_controls_start_off_and_go_into_the_model_and_its_code(page):
    assert "RandomFlip" not in code(page) and "Dropout" not in code(page)
    params = {m.label: m.value for m in page.metric}["Parameters"]
    page.toggle(key="train_augment").set_value(True).run()
    page.number_input(key="train_dropout").set_value(0.5).run()
    page.number_input(key="train_weight_decay").set_value(0.0001).run()
    assert not page.exception and not page.error
    shown = next(c.value for c in page.code if c.value.startswith("import keras"))
    assert 'keras.layers.RandomFlip(mode="horizontal"),  # (32, 32, 3)' in shown
    assert "keras.layers.Dropout(rate=0.5),  # (256,)" in shown
    assert shown.count("kernel_regularizer=keras.regularizers.L2(0.0001)") == 5  # 4 Conv2D, Dense
    assert {m.label: m.value for m in page.metric}["Parameters"] == params, "no weights added"


def test_early_stopping_needs_a_validation_split(page):
    page.number_input(key="train_early_stopping").set_value(3).run()
    page.number_input(key="train_validation_split").set_value(0.0).run()
    assert "needs a validation split above 0" in page.error[0].value
    assert page.button(key="train_start").disabled


def test_the_notebooks_comparison_is_explained_with_computed_numbers(page):
    said = texts(page)
    assert "fails at layer 12, the pooling layer of block 3" in said
    assert "4.0× the multiply-accumulates" in said and "does not follow" in said


def test_the_fair_comparison_in_one_click_opens_both_runs_side_by_side(page, shipped):
    page.button(key="train_fair").click().run()
    assert not page.exception
    follow(page, lambda a: "differ only in the model" in texts(a))
    table = runs_table(page)
    assert list(table.index) == ["#1 Stride model (section 2) · superclasses",
                                 "#2 Stride + pooling, fixed (strides 1) · superclasses"]
    assert list(table["Parameters"]) == ["114,371", "114,371"]
    assert list(table["MACs per image"]) == ["3,539,712", "14,156,544"]
    assert list(table["Epochs"]) == ["20 of 20", "20 of 20"]
    assert set(table["Settings"]) == {"adam 0.001 · batch 200 · validation 10% · seed 0"}
    result = next(i.value for i in page.info if "differ only in the model" in i.value)
    assert "4.0× the multiply-accumulates" in result
    accuracy = list(table["Test accuracy"])
    assert f"the stride model {accuracy[0]}" in result and f"reached {accuracy[1]}" in result
    metric = page.selectbox(key="train_compare_metric")
    assert "gap: training − validation accuracy per epoch" in metric.options
    page.selectbox(key="train_compare_metric").set_value("gap_accuracy").run()
    assert not page.exception and "overfits widens it" in texts(page)


def test_the_fair_comparison_in_korean(page, shipped):
    page.session_state["lang"] = "ko"
    page.run()
    page.button(key="train_fair").click().run()
    follow(page, lambda a: "모델만 다릅니다" in texts(a))
    assert "노트북의 비교를 공정하게" in [h.value for h in page.subheader]
    assert list(runs_table(page, "ko")["에포크"]) == ["20 중 20"] * 2


def test_the_whole_run_is_offered_as_a_script_matching_the_settings(page):
    from core.training.export import run_script
    from core.training.plan import DEFAULTS, plan

    page.toggle(key="train_augment").set_value(True).run()
    settings = plan(dict(DEFAULTS, augment=True), train_size=7500).settings
    script = run_script(settings, name="cnnlab_stride_super")
    shown = [c.value.rstrip("\n") for c in page.code]  # st.code drops the final newline
    assert script.rstrip("\n") in shown, "the script of exactly these settings"
    assert page.get("download_button")[0].proto.label == "Download the script (.py)"
