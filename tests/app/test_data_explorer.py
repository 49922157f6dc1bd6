"""The data explorer page in AppTest: filters, one image up close, statistics, uploads, Korean."""
import base64
import json
import subprocess
import sys

import numpy as np
import pytest

from core import st_cache
from core.data.course_files import COURSE_FILES, load_files
from core.data.dataset import DataError
from core.i18n import error_message
from core.st_cache import DATASET_UPLOAD_KEY
from tests.app.conftest import ROOT, TIMEOUT
from tests.core.conftest import labels_csv, npy_bytes
from tests.core.data.test_course_files import BAD_FILES

PAGE = "app_pages/data_explorer.py"


@pytest.fixture(scope="module", autouse=True)
def synthetic_default():
    """One synthetic default dataset for the whole module (generating it takes seconds)."""
    st_cache.reload_default_data()
    yield
    st_cache.reload_default_data()


@pytest.fixture
def explorer(app):
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    return app


@pytest.fixture
def course_files():
    """Four valid course files (8 train, 4 test images of 4 fine classes), role -> bytes."""
    rng = np.random.default_rng(7)
    fines = ["otter", "seal", "fox", "mouse"]
    return {"train_images": npy_bytes(rng.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)),
            "test_images": npy_bytes(rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)),
            "train_labels": labels_csv(fines * 2), "test_labels": labels_csv(fines)}


def default_dataset():
    return st_cache.default_data().dataset


def captions(app) -> list[str]:
    return app.image[0].captions  # the gallery is the page's first image list


def charts(app) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def array(value) -> np.ndarray:
    """A Plotly JSON array: a plain list, or plotly 7's typed array {dtype, bdata, shape}."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return flat.reshape([int(n) for n in str(value.get("shape", len(flat))).split(",")])
    return np.asarray(value)


def stats_table(app):
    return next(d.value for d in app.dataframe if "std / 255" in d.value.columns)


def upload(app, files: dict[str, bytes], names: dict[str, str] | None = None):
    """Choose files in the uploader (role -> bytes), then press "Use these files"."""
    names = names or COURSE_FILES
    app.file_uploader(key="explorer_upload_files").set_value(
        [(names[role], data, "application/octet-stream") for role, data in files.items()]).run()
    app.button(key="explorer_upload_use").click().run()
    assert not app.exception
    return app


def test_page_shows_every_section(explorer):
    headers = [h.value for h in explorer.header]
    assert headers == ["1. How the labels are organised", "2. Gallery",
                       "3. One image up close", "4. Pixel statistics"]
    assert "synthetic" in explorer.info[0].value, "the page says the data is generated"
    assert len(captions(explorer)) == 12
    assert {"sunburst", "image", "heatmap", "scatter"} <= {
        trace["type"] for spec in charts(explorer) for trace in spec["data"]}
    code = [c.value for c in explorer.code]
    assert "train_labels.head()" in code
    assert any(c.startswith("train[6]") for c in code), "the notebook's train[6] comes first"
    encodings = next(d.value for d in explorer.dataframe if "super" in d.value.columns)
    dataset = default_dataset()
    assert list(encodings.fine_labels) == list(dataset.fine_classes)
    assert list(encodings.fine) == list(range(15))
    assert dict(zip(encodings.coarse_labels, encodings.super)) == dataset.encoding("super")


def test_every_widget_key_is_prefixed(explorer):
    main = explorer.main
    widgets = [*main.selectbox, *main.number_input, *main.button, *main.pills,
               *main.segmented_control, *main.file_uploader]
    assert len(widgets) >= 10
    assert all(w.key and w.key.startswith("explorer_") for w in widgets), [w.key for w in widgets]


def test_filters_change_the_gallery(explorer):
    dataset = default_dataset()
    superclass, other = dataset.super_classes[1], dataset.super_classes[0]
    fines = [f for f in dataset.fine_classes if dataset.fine_to_super[f] == superclass]
    before = captions(explorer)
    explorer.selectbox(key="explorer_super").set_value(superclass).run()
    assert all(c.endswith(f"/ {superclass}") for c in captions(explorer))
    assert explorer.selectbox(key="explorer_fine").options[1:] == fines
    fine = fines[2]
    explorer.selectbox(key="explorer_fine").set_value(fine).run()
    shown = captions(explorer)
    assert len(shown) == 12 and all(f" {fine} / {superclass}" in c for c in shown)
    assert shown != before
    explorer.button(key="explorer_draw").click().run()
    assert explorer.number_input(key="explorer_seed").value == 1
    again = captions(explorer)
    assert again != shown and all(f" {fine} / " in c for c in again)
    explorer.segmented_control(key="explorer_gallery_split").set_value("test").run()
    indices = [int(c.split()[0][1:]) for c in captions(explorer)]
    assert max(indices) < 1500 and all(f" {fine} / " in c for c in captions(explorer))
    explorer.selectbox(key="explorer_super").set_value(other).run()
    assert explorer.selectbox(key="explorer_fine").value == "", "another superclass: reset"


def test_picking_an_image_shows_its_channels_and_labels(explorer):
    dataset = default_dataset()
    fine = dataset.fine_classes[-1]
    superclass = dataset.fine_to_super[fine]
    explorer.selectbox(key="explorer_fine").set_value(fine).run()
    picked = explorer.pills(key="explorer_gallery_pick").options[3]
    index = int(picked.lstrip("#"))
    explorer.pills(key="explorer_gallery_pick").set_value(index).run()
    assert not explorer.exception
    assert explorer.number_input(key="explorer_index").value == index
    image = dataset.x_train[index]
    labels = next(m.value for m in explorer.markdown if m.value.startswith(f"**train[{index}]**"))
    assert f"**{fine}**, index {dataset.encoding('fine')[fine]}" in labels
    assert f"**{superclass}**, index {dataset.encoding('super')[superclass]}" in labels
    specs = charts(explorer)
    shown = next(s for s in specs if s["data"][0]["type"] == "image")
    assert np.array_equal(array(shown["data"][0]["z"]), image)
    heatmaps = next(s for s in specs if s["data"][0]["type"] == "heatmap")["data"]
    assert [h["colorscale"][-1][1] for h in heatmaps] == ["rgb(255,0,0)", "rgb(0,255,0)",
                                                         "rgb(0,0,255)"]
    for c, heatmap in enumerate(heatmaps):
        assert np.array_equal(array(heatmap["z"]), image[..., c])
    explorer.segmented_control(key="explorer_close_split").set_value("test").run()
    explorer.number_input(key="explorer_index").set_value(1499).run()
    assert any(m.value.startswith("**test[1499]**") for m in explorer.markdown)


def test_statistics_update_per_class(explorer):
    dataset = default_dataset()
    whole = stats_table(explorer)
    pixels = dataset.x_train.reshape(-1, 3).astype(np.float64)
    np.testing.assert_allclose(whole["mean"], pixels.mean(axis=0))
    np.testing.assert_allclose(whole["std"], pixels.std(axis=0), rtol=1e-9)
    fine = dataset.fine_classes[3]
    explorer.selectbox(key="explorer_stats_class").set_value(fine).run()
    one = stats_table(explorer)
    rows = dataset.train_labels.fine_labels.to_numpy() == fine
    pixels = dataset.x_train[rows].reshape(-1, 3).astype(np.float64)
    np.testing.assert_allclose(one["mean"], pixels.mean(axis=0))
    assert not np.allclose(one["mean"], whole["mean"])
    histogram = next(s for s in charts(explorer) if s["data"][0]["type"] == "scatter")
    assert histogram["layout"]["xaxis"]["title"]["text"] == "pixel value (0-255)"
    assert histogram["layout"]["yaxis"]["title"]["text"] == "number of pixels"
    assert sum(array(trace["y"]).sum() for trace in histogram["data"]) == rows.sum() * 32 * 32 * 3
    assert f"Average of {rows.sum():,} images" in mean_image_caption(explorer)
    explorer.segmented_control(key="explorer_stats_split").set_value("test").run()
    test_rows = (dataset.test_labels.fine_labels == fine).sum()
    assert f"Average of {test_rows:,} images" in mean_image_caption(explorer)


def mean_image_caption(app) -> str:
    return next(c for img in app.image for c in img.captions if c.startswith("Average of"))


def kind(case):
    role, _, code = case
    return f"{role}-{code}"


@pytest.mark.parametrize("role, contents, code", BAD_FILES, ids=[kind(c) for c in BAD_FILES])
def test_bad_upload_is_explained_and_changes_nothing(explorer, course_files, role, contents, code):
    files = dict(course_files, **{role: contents})
    with pytest.raises(DataError) as expected:
        load_files(files)
    upload(explorer, files)
    assert explorer.error[0].value == (f"Upload rejected: {error_message(expected.value, 'en')} "
                                       "The previous dataset stays active.")
    assert DATASET_UPLOAD_KEY not in explorer.session_state
    assert "generated images" in explorer.sidebar.warning[0].value, "still the synthetic set"
    assert len(captions(explorer)) == 12
    assert explorer.selectbox(key="explorer_super").options[1:] == list(
        default_dataset().super_classes)


def good_upload(explorer, course_files):
    upload(explorer, course_files, names={"train_images": "my_train.npy",
                                          "test_images": "my_test.npy",
                                          "train_labels": "train_labels.csv",
                                          "test_labels": "test_labels.csv"})
    assert not explorer.error
    return explorer


def test_good_upload_switches_the_session_and_reset_goes_back(explorer, course_files):
    good_upload(explorer, course_files)
    assert explorer.session_state[DATASET_UPLOAD_KEY].source == "upload"
    assert explorer.sidebar.success[0].value == "Your uploaded files"
    assert not explorer.info, "no synthetic note for uploaded files"
    assert "my_train.npy" in explorer.success[0].value
    assert {c.split()[1] for c in captions(explorer)} <= {"otter", "seal", "fox", "mouse"}
    assert len(captions(explorer)) == 8
    # The statistics are the uploaded pixels', not a cached result of the default set.
    train = np.load(__import__("io").BytesIO(course_files["train_images"]))
    np.testing.assert_allclose(stats_table(explorer)["mean"],
                               train.reshape(-1, 3).astype(np.float64).mean(axis=0))
    explorer.button(key="explorer_upload_reset").click().run()
    assert DATASET_UPLOAD_KEY not in explorer.session_state
    assert "generated images" in explorer.sidebar.warning[0].value
    assert len(captions(explorer)) == 12


def test_bad_upload_keeps_a_previous_upload(explorer, course_files):
    good_upload(explorer, course_files)
    fingerprint = explorer.session_state[DATASET_UPLOAD_KEY].fingerprint
    upload(explorer, dict(course_files, test_labels=b"fine,coarse\nfox,medium_mammals\n"))
    assert "10_ts_labels.csv" in explorer.error[0].value
    assert explorer.session_state[DATASET_UPLOAD_KEY].fingerprint == fingerprint
    assert explorer.sidebar.success[0].value == "Your uploaded files"


def test_a_class_missing_from_the_test_split(explorer, course_files):
    upload(explorer, dict(course_files, test_labels=labels_csv(["otter", "seal", "fox", "otter"])))
    assert not explorer.error
    explorer.segmented_control(key="explorer_stats_split").set_value("test").run()
    explorer.selectbox(key="explorer_stats_class").set_value("mouse").run()
    explorer.segmented_control(key="explorer_gallery_split").set_value("test").run()
    explorer.selectbox(key="explorer_fine").set_value("mouse").run()
    assert not explorer.exception
    assert [i.value for i in explorer.info] == ["No image of this split has these labels."] * 2


def test_incomplete_upload_says_what_is_missing(explorer, course_files):
    explorer.file_uploader(key="explorer_upload_files").set_value(
        [("10_train.npy", course_files["train_images"], "application/octet-stream"),
         ("a.npy", course_files["train_images"], "application/octet-stream")]).run()
    assert explorer.button(key="explorer_upload_use").disabled
    text = " ".join(m.value for m in explorer.markdown)
    assert "`10_tr_labels.csv`: not chosen yet" in text and "`10_test.npy`" in text


def test_korean(explorer, course_files):
    explorer.sidebar.selectbox(key="lang").set_value("ko").run()
    assert not explorer.exception
    assert explorer.title[0].value == "데이터 탐색기: 이미지와 레이블"
    assert [h.value for h in explorer.header][1] == "2. 갤러리"
    assert explorer.selectbox(key="explorer_super").format_func("") == "모든 슈퍼클래스"
    upload(explorer, dict(course_files, train_images=b""))
    assert explorer.error[0].value.startswith(
        "업로드를 거부했습니다: 10_train.npy: 파일이 비어 있습니다.")


def test_page_does_not_import_tensorflow(tmp_path):
    script = f"""
import sys
from streamlit.testing.v1 import AppTest
app = AppTest.from_file({str(ROOT / 'streamlit_app.py')!r}, default_timeout={TIMEOUT})
app.run()
app.switch_page({PAGE!r}).run()
assert not app.exception, app.exception
classes = app.selectbox(key="explorer_stats_class")
classes.set_value(classes.options[1]).run()
print("heavy:", sorted(m for m in ("tensorflow", "keras") if m in sys.modules))
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=TIMEOUT * 2,
                            env={**__import__("os").environ, "CNNLAB_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "heavy: []" in result.stdout
