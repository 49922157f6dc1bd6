"""The transfer-learning page under AppTest: the steps, the bundled extractor, uploads, and a
tiny lesson from pretraining to the comparison table.

AppTest does not tick `run_every` fragments, so running jobs are followed by calling
`app.run()` until the page shows what the test waits for (as tests/app/test_training.py).
Bundled checkpoints are made here, in a temporary folder (core.transfer.pretrain.CHECKPOINT_DIR).
"""
import io
import json
import zipfile

import pytest

from core.stack import presets
from core import st_cache
from core.engine.contract import JobState
from core.transfer import lesson
from core.stack.build import build_model
from tests.app.conftest import follow

PAGE = "app_pages/transfer.py"
TINY_IMAGES = 200  # the setting train_max_images for runs here
TINY_WIDTH = 4  # the demo preset's width in these tests


@pytest.fixture
def checkpoints(tmp_path, monkeypatch):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    monkeypatch.setattr("core.transfer.pretrain.CHECKPOINT_DIR", folder)
    return folder


@pytest.fixture
def page(app, checkpoints):
    app.switch_page(PAGE)
    app.run()
    assert not app.exception, app.exception
    return app


def texts(app) -> str:
    return " ".join(e.value for kind in (app.success, app.info, app.error, app.warning,
                                         app.markdown, app.caption) for e in kind)


def table(app, column: str):
    """The first st.dataframe or st.table with this column (AppTest's carry no key), or None."""
    return next((d.value for d in [*app.dataframe, *app.table] if column in d.value.columns),
                None)


def keras_bytes(tmp_path, model, name="x.keras") -> bytes:
    model.save(tmp_path / name)
    return (tmp_path / name).read_bytes()


@pytest.fixture(scope="module")
def extractor_bytes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("extractor")
    return keras_bytes(folder, build_model((32, 32, 3), presets.shared_extractor(TINY_WIDTH),
                                           name="extractor"))


def test_the_page_walks_through_five_steps(page):
    assert page.title[0].value.startswith("Transfer learning")
    assert [h.value for h in page.header][1:] == [
        "1. Pretrain the extractor on the superclasses", "2. Save the extractor",
        "3. Load it back and check it is the same", "4. A new head for the fine classes",
        "5. Compare: from scratch, frozen, fine-tuned"]
    assert not page.button(key="transfer_pretrain").disabled
    assert page.button(key="transfer_compare").disabled, "no extractor to reuse yet"
    assert "No bundled extractor ships" in texts(page)
    notebook = [e for e in page.expander if "notebook" in e.label][0]
    assert "tr_super_y" in notebook.markdown[0].value
    batchnorm = [e for e in page.expander if "BatchNormalization" in e.label][0]
    assert "training=False" in batchnorm.markdown[0].value and "3.15" in batchnorm.markdown[0].value


def test_the_width_preset_changes_the_estimate(page):
    demo = next(c.value for c in page.caption if c.value.startswith("Expected time"))
    page.radio(key="transfer_width").set_value("notebook").run()
    notebook = next(c.value for c in page.caption if c.value.startswith("Expected time"))
    assert demo != notebook
    assert page.button(key="transfer_pretrain").label == "Pretrain (width 128)"


def test_korean_page(page):
    page.session_state["lang"] = "ko"
    page.run()
    assert not page.exception
    assert page.title[0].value.startswith("전이 학습")
    assert page.button(key="transfer_compare").label == "세 방식 학습하기"


def write_bundled(folder, data: bytes, fingerprint: str) -> None:
    (folder / "extractor-w4.keras").write_bytes(data)
    (folder / "extractor-w4.json").write_text(json.dumps({
        "fingerprint": fingerprint, "source": "synthetic", "width": TINY_WIDTH, "epochs": 3,
        "test_accuracy": 0.7, "date": "2026-01-01", "seed": 0,
        "command": "python -m core pretrain --width 4 --epochs 3"}))


def test_a_bundled_extractor_for_another_dataset_is_explained(app, checkpoints, extractor_bytes):
    write_bundled(checkpoints, extractor_bytes, "0123456789abcdef")
    app.switch_page(PAGE).run()
    assert "No bundled extractor was trained on this dataset" in texts(app)
    assert "extractor-w4.keras (synthetic, 0123456789abcdef)" in texts(app)
    assert "bundled" not in app.radio(key="transfer_source").options


def test_the_matching_bundled_extractor_skips_pretraining(app, checkpoints, extractor_bytes):
    app.switch_page(PAGE).run()
    write_bundled(checkpoints, extractor_bytes, st_cache.default_data().dataset.fingerprint)
    app.run()
    assert "Skip pretraining: use the bundled extractor trained on this dataset (width 4, 3 " \
           "epochs, 70.0%" in texts(app)
    app.button(key="transfer_use_bundled").click().run()
    assert "Steps 3 to 5 now use the bundled extractor" in texts(app), "it says it took it"
    assert app.radio(key="transfer_source").value == "bundled"
    assert not app.button(key="transfer_compare").disabled
    assert table(app, "Output shape") is not None, "the bundled file's layers"
    app.button(key="transfer_load").click().run()
    assert not app.exception, app.exception
    assert "Loaded from disk: 24 weight tensors" in texts(app)
    assert "Saved again and loaded back" in texts(app) and "max |difference| = 0)" in texts(app)
    assert "pretrain in step 1" in texts(app)


def lambda_bytes(tmp_path) -> bytes:
    import keras

    model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Lambda(lambda x: x * 2)])
    return keras_bytes(tmp_path, model, "lambda.keras")


def upload(app, name: str, data: bytes):
    if app.radio(key="transfer_source").value != "upload":
        app.radio(key="transfer_source").set_value("upload").run()
    app.file_uploader(key="transfer_upload").set_value(
        (name, data, "application/octet-stream")).run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize("case, words", [
    ("h5", "old.h5: .h5 files are not accepted"),
    ("lambda", "contains a Lambda layer or other Python code, which is never loaded"),
    ("corrupt", "broken.keras: the file is damaged"),
    ("small", "takes inputs of shape (28, 28, 3), but the images are 32×32×3"),
])
def test_a_refused_upload_says_why_and_nothing_is_kept(page, tmp_path, case, words):
    name, data = {
        "h5": lambda: ("old.h5", b"\x89HDF\r\n\x1a\n" + bytes(100)),
        "lambda": lambda: ("lambda.keras", lambda_bytes(tmp_path)),
        "corrupt": lambda: ("broken.keras", b"PK\x03\x04 not really a zip"),
        "small": lambda: ("small.keras", keras_bytes(
            tmp_path, build_model((28, 28, 3), presets.shared_extractor(TINY_WIDTH)))),
    }[case]()
    upload(page, name, data)
    assert words in page.error[0].value
    assert "transfer_upload_accepted" not in page.session_state
    assert page.button(key="transfer_compare").disabled


def test_a_good_upload_is_kept_under_a_fixed_name_and_survives_a_bad_one(page, extractor_bytes):
    upload(page, "../../my extractor.keras", extractor_bytes)
    assert not page.error
    assert page.radio(key="transfer_source").value == "upload"
    saved = st_cache.job_manager().sessions.folder("test session id") / "uploaded-extractor.keras"
    assert saved.read_bytes() == extractor_bytes
    assert not page.button(key="transfer_compare").disabled
    assert table(page, "Output shape") is not None, "the uploaded file's layers"
    recipes = table(page, "What trains")
    params = lesson.recipe_params(presets.shared_extractor(TINY_WIDTH), 15)
    assert list(recipes["Trainable parameters"]) == [
        f"{params.scratch:,}", f"{params.frozen:,}", f"{params.frozen:,} → {params.finetune:,}"]

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("../../evil.py", "print('x')")
    upload(page, "evil.keras", archive.getvalue())
    assert "points outside it" in page.error[0].value
    assert "Your previous upload (../../my extractor.keras) is still the one in use" in texts(page)
    assert saved.read_bytes() == extractor_bytes


@pytest.fixture
def tiny(app, checkpoints, monkeypatch, server_settings):
    server_settings(train_max_images=TINY_IMAGES)
    monkeypatch.setitem(lesson.WIDTHS, "demo", TINY_WIDTH)
    page = app.switch_page(PAGE)
    page.run()
    for key, value in (("transfer_pretrain_epochs", 1), ("transfer_epochs", 2),
                       ("transfer_head_epochs", 1), ("transfer_batch_size", 50)):
        page.number_input(key=key).set_value(value).run()
    assert f"at most {TINY_IMAGES}" in texts(page)
    return page


def lesson_jobs(app) -> dict:
    ids = app.session_state["transfer_job_ids"]
    jobs = {j.id: j for j in st_cache.job_manager().jobs_of("test session id")}
    return {role: jobs[i] for role, i in ids.items()}


@pytest.mark.slow
def test_the_whole_lesson_with_a_tiny_extractor(tiny):
    tiny.button(key="transfer_pretrain").click().run()
    assert tiny.button(key="transfer_pretrain").disabled, "one lesson run at a time"
    follow(tiny, timeout=300, done=lambda a: "Finished. Test accuracy" in texts(a))
    assert lesson_jobs(tiny)["pretrain"].state == JobState.DONE

    # 2. Saved: what is in the file, and the download.
    assert "model.weights.h5" in texts(tiny) and table(tiny, "Output shape") is not None
    assert {b.key for b in tiny.get("download_button")} == {"transfer_download", "transfer_script"}
    assert tiny.radio(key="transfer_source").value == "pretrained"

    # 3. Loaded back from disk: identical to the trained model's extractor.
    tiny.button(key="transfer_load").click().run()
    assert not tiny.exception, tiny.exception
    assert "Identical. All 24 weight tensors" in tiny.success[-1].value
    assert "max |difference| = 0" in tiny.success[-1].value

    # 5. The three arms, queued, then the table and the sentences.
    tiny.button(key="transfer_compare").click().run()
    follow(tiny, timeout=300, done=lambda a: table(a, "to_target") is not None)
    jobs = lesson_jobs(tiny)
    assert all(jobs[arm].state == JobState.DONE for arm in lesson.ARMS)
    common = lesson.shared([jobs[arm].config for arm in lesson.ARMS])
    assert common["epochs"] == 2 and common["batch_size"] == 50 and common["n_classes"] == 15
    assert jobs["finetune"].unfreeze.epoch == 1
    clock = [e.t for e in jobs["finetune"].epochs]
    assert clock[1] > clock[0], "one clock across fine-tuning's two fits: wall time is right"
    results = table(tiny, "to_target")
    assert len(results) == 3
    params = lesson.recipe_params(presets.shared_extractor(TINY_WIDTH), 15)
    assert list(results["trainable"]) == [f"{params.scratch:,}", f"{params.frozen:,}",
                                        f"{params.frozen:,} → {params.finetune:,}"]
    assert "Final test accuracy:" in texts(tiny) and "Fair by construction" in texts(tiny)
    assert {"transfer_chart_val_accuracy", "transfer_chart_val_loss"} <= {
        c.key for c in tiny.get("plotly_chart")}
    assert not tiny.button(key="transfer_compare").disabled
