"""The entry point and home page: navigation, sidebar status, language, dataset card."""
import pytest

from core import st_cache


@pytest.fixture(autouse=True)
def fresh_cache():
    st_cache.reload_default_data()
    yield
    st_cache.reload_default_data()


def test_home_shows_the_lab_and_its_dataset(app):
    app.run()
    assert not app.exception
    assert "CNN Lab" in app.title[0].value
    metrics = {m.label: m.value for m in app.metric}
    assert "**Source:** Synthetic (offline)" in [m.value for m in app.markdown]
    assert metrics["Train images"] == "7,500" and metrics["Test images"] == "1,500"
    assert metrics["Superclasses"] == "3" and metrics["Fine classes"] == "15"
    assert "generated images" in app.sidebar.warning[0].value
    steps = [m.value for m in app.markdown if m.value[:4] in {f"**{n}." for n in range(4)}]
    assert len(steps) == 4 and steps[0].startswith("**0. Data explorer**")


def test_language_switch_translates_everything(app):
    app.run()
    app.sidebar.selectbox(key="lang").set_value("ko").run()
    assert not app.exception
    assert app.title[0].value.startswith("CNN Lab: 합성곱")
    assert {m.label for m in app.metric} == {"학습 이미지", "테스트 이미지", "슈퍼클래스", "서브클래스"}
    captions = [c.value for c in app.caption]
    assert any("시드 0" in c for c in captions), "the synthetic set's details in Korean too"
    assert not any("generated, seed" in c for c in captions)


def test_lang_link_opens_in_korean(app):
    app.query_params["lang"] = "ko"
    app.run()
    assert app.sidebar.selectbox(key="lang").value == "ko"
    assert "생성된 이미지" in app.sidebar.warning[0].value


def test_bad_lang_link_falls_back_to_english(app):
    app.query_params["lang"] = "<script>"
    app.run()
    assert not app.exception and app.sidebar.selectbox(key="lang").value == "en"


def test_course_files_are_used_when_present(app, empty_data_dir, course_dir_files):
    course_dir_files(empty_data_dir)
    app.run()
    metrics = {m.label: m.value for m in app.metric}
    assert "**Source:** Course files (data/)" in [m.value for m in app.markdown]
    assert metrics["Train images"] == "8"
    assert not app.sidebar.warning


def test_broken_course_files_are_explained(app, empty_data_dir, course_dir_files):
    course_dir_files(empty_data_dir)
    (empty_data_dir / "10_tr_labels.csv").write_text("fine,coarse\n")
    app.run()
    assert not app.exception
    assert "10_tr_labels.csv" in app.error[0].value and "fine_labels" in app.error[0].value
    assert "**Source:** Synthetic (offline)" in [m.value for m in app.markdown]


@pytest.mark.parametrize("lang, words", [
    ("en", "Server setting `CNNLAB_TRAIN_MAX_IMAGES` = `abc` is not a whole number from 1 up: "
           "the server uses the default (none)."),
    ("ko", "서버 설정 `CNNLAB_TRAIN_MAX_IMAGES` = `abc`은(는) 1 이상의 정수이(가) 아닙니다. "
           "서버는 기본값(없음)을 씁니다."),
])
def test_a_refused_setting_is_said_in_the_sidebar_of_every_page(app, server_settings, lang, words):
    from core.settings import read

    server_settings(problems=read({"CNNLAB_TRAIN_MAX_IMAGES": "abc"}).problems)
    app.query_params["lang"] = lang
    for page in ("app_pages/home.py", "app_pages/training.py"):
        app.switch_page(page).run()
        assert not app.exception
        assert any(words in w.value for w in app.sidebar.warning), page
