"""The training page's "one image through the whole network" under AppTest: the bundled
extractor with no run at all, a trained run (the shipped library's stride model, opened at
once), a misclassified image whose probabilities are the ones the worker saved, the
student's own image, a refused upload, Korean."""
import io

import numpy as np
import pytest
from PIL import Image

from core import config, st_cache
from core.engine.library import RunLibrary
from tests.app.test_transfer import checkpoints, tiny  # noqa: F401  (fixtures)

PAGE = "app_pages/training.py"


@pytest.fixture
def page(app):
    app.switch_page(PAGE).run()
    assert not app.exception
    return app


@pytest.fixture
def shipped_run(page, monkeypatch):
    """The page's default Start opens the shipped stride-model run (no training)."""
    monkeypatch.setattr(st_cache.job_manager(), "library",
                        RunLibrary(None, shipped=(config.SHIPPED_RUNS,)))
    page.button(key="train_start").click().run()
    assert not page.exception
    assert "opened at once from the run library" in texts(page)
    return page


def texts(app) -> str:
    return " ".join(e.value for kind in (app.success, app.info, app.error, app.warning,
                                         app.markdown, app.caption) for e in kind)


def layer_rows(app) -> list[str]:
    return [m.value for m in app.markdown if "· `" in m.value and "  \n" in m.value]


def switch_on(app):
    app.toggle(key="train_forward_on").set_value(True).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_bundled_extractor_needs_no_run(page):
    assert "Switch this on" in texts(page)
    switch_on(page)
    assert page.selectbox(key="train_forward_model").value == "bundled"
    rows = layer_rows(page)
    assert len(rows) == 16 and all("✓" in row for row in rows), rows
    assert rows[0].startswith("**1. conv2d** · `Conv2D`") and "output 32×32×16" in rows[0]
    assert "calculator: `(None, 2, 2, 16)` ✓" in rows[-1]
    assert "no classifier" in texts(page)
    sources = page.radio(key="train_forward_source").options
    assert "One the model got wrong" not in sources, "an extractor file has no test outputs"
    page.selectbox(key="train_forward_layer").set_value(15).run()
    assert {c.proto.id.rsplit("-", 1)[-1] for c in page.get("plotly_chart")} == {
        "train_forward_large"}


def test_a_trained_run_every_layer_to_the_softmax(shipped_run):
    app = switch_on(shipped_run)
    assert app.selectbox(key="train_forward_model").value.startswith("train-")
    rows = layer_rows(app)
    assert len(rows) == 14 and all("✓" in row for row in rows)
    assert "flatten" in rows[-2] and "output 256" in rows[-2]
    assert rows[-1].startswith("**14. dense**") and "calculator: `(None, 3)` ✓" in rows[-1]
    app.selectbox(key="train_forward_layer").set_value(13).run()
    assert "exp(value) / sum of exp(values)" in texts(app)
    assert "The model says **" in texts(app)


def test_a_misclassified_image_gets_the_probabilities_the_worker_saved(shipped_run):
    app = switch_on(shipped_run)
    app.radio(key="train_forward_source").set_value("wrong").run()
    assert not app.exception
    wrong = app.selectbox(key="train_forward_wrong")
    index = wrong.value
    job = st_cache.job_manager().jobs_of("test session id")[-1]
    saved = np.load(job.out_dir / "test_probs.npy")[index]  # model.predict in the worker
    labels = np.load(job.out_dir / "test_labels.npy")
    assert saved.argmax() != labels[index], "it is one the model got wrong"
    from ui.training.forward import _pass

    result = _pass(str(job.out_dir / "model.keras"), (job.out_dir / "model.keras").stat().st_mtime,
                   st_cache.default_data().dataset.x_test[index])
    np.testing.assert_allclose(result.probabilities, saved, rtol=1e-4, atol=1e-5)
    name = job.config.data.class_names[int(saved.argmax())]
    assert f"The model says **{name}** ({100 * saved.max():.1f}%)" in texts(app)


def png(colour=(40, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (90, 60), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_your_own_image_and_a_refused_file(shipped_run):
    app = switch_on(shipped_run)
    app.radio(key="train_forward_source").set_value("upload").run()
    assert "Upload a PNG or JPEG" in texts(app) and not layer_rows(app)
    app.file_uploader(key="train_forward_upload").set_value(("mine.png", png(), "image/png")).run()
    assert not app.exception
    assert len(layer_rows(app)) == 14
    assert "The model says **" in texts(app)
    app.file_uploader(key="train_forward_upload").set_value(
        ("broken.png", b"not an image", "image/png")).run()
    assert not app.exception and app.error, "a translated message, not a traceback"
    assert not layer_rows(app)


def test_korean(page):
    page.session_state["lang"] = "ko"
    page.run()
    switch_on(page)
    rows = layer_rows(page)
    assert rows and all("계산기: `" in row and "✓" in row for row in rows)
    assert "분류기가 없습니다" in texts(page)
    assert page.header[-1].value == "이미지 하나가 네트워크 전체를 지나가는 과정"


@pytest.mark.slow
def test_the_transfer_lessons_model_can_be_sent_an_image(tiny):
    """A tiny pretraining on the transfer page, then its model on the training page's view."""
    from tests.app.conftest import follow
    from tests.app.test_transfer import TINY_WIDTH

    tiny.button(key="transfer_pretrain").click().run()
    follow(tiny, timeout=300, done=lambda a: "Finished. Test accuracy" in texts(a))
    tiny.switch_page(PAGE).run()
    switch_on(tiny)
    assert tiny.selectbox(key="train_forward_model").options == [
        "Transfer lesson: pretraining on the superclasses"], "no bundled file in this test"
    rows = layer_rows(tiny)
    assert len(rows) == 18 and all("✓" in row for row in rows)
    assert f"output 2×2×{TINY_WIDTH}" in rows[15] and "calculator: `(None, 3)` ✓" in rows[-1]
    assert "One the model got wrong" in tiny.radio(key="train_forward_source").options


def test_the_transfer_page_points_to_the_forward_pass(app):
    app.switch_page("app_pages/transfer.py").run()
    assert not app.exception
    links = [link for link in app.get("page_link")
             if "layer by layer" in link.proto.label]
    assert len(links) == 1 and links[0].proto.page.endswith("training")
