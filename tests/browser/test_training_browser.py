"""A student trains a model in Chromium: watch it learn, queue a classmate, stop, evaluate.

Runs against the `train_app_url` server (CNNLAB_TRAIN_MAX_IMAGES: a few hundred images,
one job at a time). One test per behaviour; the expensive states (a run training, then
stopped) are built once by the module's fixtures on one page, step by step, so a failing
test does not hide the others. The tests keep the file's order (the classmate queues while
the run trains), and each one also runs alone. Waits are on what the student sees, never
sleeps.
"""
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import student
from tests.browser.helpers import (no_error, open_from_sidebar, set_number, settle, shot,
                                  switch_language, widget)

pytestmark = pytest.mark.browser

SLOW = 180_000  # ms: a worker imports TensorFlow on a busy 2-core machine
# Points drawn in the first trace of a live chart (plotly.js' calcdata: the figure's
# arrays arrive base64-encoded, so data[0].x has no length).
POINTS = """(key) => {
    const plot = document.querySelector(`.st-key-${key}:not([data-stale="true"]) .js-plotly-plot`)
        || document.querySelector(`.st-key-${key} .js-plotly-plot`);
    return plot && plot.calcdata ? plot.calcdata[0].length : 0;
}"""
AT_LEAST = f"([key, least]) => ({POINTS})(key) >= least"
STOPPED = re.compile(r"Stopped in epoch \d+")


def open_training(page, url):
    open_from_sidebar(page, url, "2. Training", "Training: watch a CNN learn", SLOW)
    expect(page.get_by_text(re.compile(r"Class setting: a run uses at most \d+"))).to_be_visible()


def png_bytes() -> bytes:
    image = Image.new("RGB", (90, 60), (40, 120, 200))
    image.paste((250, 250, 250), (30, 15, 60, 45))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def look_inside(page):
    """Switch "Look inside" on (it may be on already) and wait for the model's views."""
    switch = widget(page, "train_inspect_on")
    if not switch.locator("input").is_checked():
        switch.get_by_text("Look inside and try your own image").click()
    expect(page.get_by_role("heading", name="Feature maps")).to_be_visible(timeout=SLOW)
    expect(page.get_by_role("heading", name="First-layer filters")).to_be_visible(timeout=SLOW)
    settle(page)


def upload(page, name: str, data: bytes):
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": name, "mimeType": "image/png", "buffer": data}])


# ---- the states, built once ------------------------------------------------------------
@pytest.fixture(scope="module")
def set_up(module_page, train_app_url):
    """The training page set for a long run: 100 epochs, batches of 10."""
    open_training(module_page, train_app_url)
    set_number(module_page, "Epochs", 100)
    set_number(module_page, "Batch size", 10)
    return module_page


@pytest.fixture(scope="module")
def training(set_up):
    """The run started and training (100 epochs: it does not end by itself here)."""
    set_up.get_by_role("button", name="Start training").click()
    expect(set_up.get_by_text(re.compile(r"Epoch \d+/100 · batch \d+/27"))).to_be_visible(
        timeout=SLOW)
    return set_up


@pytest.fixture(scope="module")
def classmate(browser, train_app_url, training):
    """A classmate in another browser who starts a 2-epoch run while ours trains."""
    with student(browser) as other:
        open_training(other, train_app_url)
        set_number(other, "Epochs", 2)
        other.get_by_role("button", name="Start training").click()
        yield other


@pytest.fixture(scope="module")
def stopped(training):
    """The run stopped by the student: its model so far is kept."""
    training.get_by_role("button", name="Stop", exact=True).click()
    expect(training.get_by_text(STOPPED)).to_be_visible(timeout=SLOW)
    return training


@pytest.fixture
def in_korean(stopped):
    """The stopped run's page switched to Korean, and back to English afterwards for the
    tests that may follow."""
    switch_language(stopped, "한국어")
    yield stopped
    switch_language(stopped, "English")
    expect(stopped.get_by_role("heading", name="Training: watch a CNN learn")).to_be_visible(
        timeout=SLOW)
    settle(stopped)


# ---- the behaviours, in the order a student meets them ------------------------------------
def test_the_setup_counts_the_models_parameters(set_up, screenshot_dir):
    expect(set_up.get_by_text("114,371")).to_be_visible()
    no_error(set_up)
    shot(set_up, screenshot_dir / "train-1-setup.png")


def test_a_run_trains_live_and_its_curves_grow(training, screenshot_dir):
    page = training
    page.wait_for_function(AT_LEAST, arg=["train_live_batches", 20], timeout=SLOW)
    seen = page.evaluate(POINTS, "train_live_batches")
    page.wait_for_function(AT_LEAST, arg=["train_live_batches", seen + 20], timeout=SLOW)
    page.wait_for_function(AT_LEAST, arg=["train_live_epochs", 2], timeout=SLOW)
    no_error(page)
    shot(page, screenshot_dir / "train-2-live.png", live=True)


def test_a_classmates_run_waits_in_the_queue(classmate, screenshot_dir):
    expect(classmate.get_by_text(re.compile(r"1 run ahead of you"))).to_be_visible(
        timeout=SLOW)
    no_error(classmate)
    shot(classmate, screenshot_dir / "train-3-queued.png", live=True)


def test_stop_keeps_the_model_and_shows_the_evaluation(stopped, screenshot_dir):
    page = stopped
    expect(page.get_by_text(STOPPED)).to_be_visible()
    expect(page.get_by_test_id("stMetricLabel").filter(has_text="Test accuracy")
           ).to_be_visible(timeout=SLOW)
    expect(page.get_by_role("heading", name="Confusion matrix")).to_be_visible(timeout=SLOW)
    expect(page.get_by_role("button", name="Download the model (.keras)")
           ).to_be_visible(timeout=SLOW)
    no_error(page)
    shot(page, screenshot_dir / "train-4-stopped.png")


def test_the_queued_run_starts_by_itself_once_the_first_stops(classmate, stopped,
                                                               screenshot_dir):
    expect(classmate.get_by_text(re.compile(r"Finished\. Test accuracy"))).to_be_visible(
        timeout=SLOW)
    no_error(classmate)
    shot(classmate, screenshot_dir / "train-5-queued-run-done.png")


def test_look_inside_and_classify_your_own_image(stopped, screenshot_dir):
    page = stopped
    look_inside(page)
    upload(page, "mine.png", png_bytes())
    expect(page.get_by_text("The model says")).to_be_visible(timeout=SLOW)
    no_error(page)
    shot(page, screenshot_dir / "train-6-inspect.png")


def test_a_bad_image_is_refused_with_a_message(stopped, screenshot_dir):
    page = stopped
    look_inside(page)
    upload(page, "notes.png", b"this is not an image")
    message = page.get_by_text("not a PNG or JPEG image")
    expect(message).to_be_visible(timeout=SLOW)
    no_error(page)
    settle(page)
    message.scroll_into_view_if_needed()
    shot(page, screenshot_dir / "train-6-bad-image.png", full=False)


def test_the_training_page_in_korean(in_korean, screenshot_dir):
    """Every section translated, nothing left in English keys."""
    page = in_korean
    expect(page.get_by_role("heading", name="학습: CNN이 배우는 과정 지켜보기")).to_be_visible(
        timeout=SLOW)
    expect(page.get_by_role("heading", name="4. 평가")).to_be_visible(timeout=SLOW)
    # Choices show their Korean labels too (the browser keeps old ones unless resent).
    expect(page.get_by_role("combobox", name="모델", exact=True)).to_have_value("스트라이드 모델 (2절)")
    expect(page.locator(".st-key-train_target input[type=radio]:checked")).to_have_count(1)
    expect(page.get_by_text(re.compile(r"\btrain\.[a-z_.]+\b"))).to_have_count(0)
    settle(page)
    no_error(page)
    shot(page, screenshot_dir / "train-7-korean.png")
