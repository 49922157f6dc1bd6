"""A student trains a model in Chromium: watch it learn, queue a classmate, stop, evaluate.

Runs against the `train_app_url` server (CNNLAB_TRAIN_MAX_IMAGES: a few hundred images,
one job at a time). Waits are on what the student sees, never sleeps.
"""
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.helpers import no_error, open_from_sidebar, set_number, settle

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


def open_training(page, url):
    open_from_sidebar(page, url, "2. Training", "Training: watch a CNN learn", SLOW)
    expect(page.get_by_text(re.compile(r"Demo mode: a run uses at most \d+"))).to_be_visible()


def full_shot(page, path) -> None:
    """The whole page: Streamlit scrolls inside stMain, so grow the viewport to fit it."""
    size = page.viewport_size
    height = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
    page.wait_for_function(  # images load lazily once they are in view
        "() => Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
    page.screenshot(path=path)
    page.set_viewport_size(size)


def png_bytes() -> bytes:
    image = Image.new("RGB", (90, 60), (40, 120, 200))
    image.paste((250, 250, 250), (30, 15, 60, 45))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_train_watch_queue_stop_evaluate(page, browser, train_app_url, screenshot_dir):
    open_training(page, train_app_url)
    set_number(page, "Epochs", 100)
    set_number(page, "Batch size", 10)
    expect(page.get_by_text("114,371")).to_be_visible()
    full_shot(page, screenshot_dir / "train-1-setup.png")

    page.get_by_role("button", name="Start training").click()
    expect(page.get_by_text(re.compile(r"Epoch \d+/100 · batch \d+/27"))).to_be_visible(
        timeout=SLOW)
    page.wait_for_function(AT_LEAST, arg=["train_live_batches", 20], timeout=SLOW)
    seen = page.evaluate(POINTS, "train_live_batches")
    page.wait_for_function(AT_LEAST, arg=["train_live_batches", seen + 20], timeout=SLOW)
    page.wait_for_function(AT_LEAST, arg=["train_live_epochs", 2], timeout=SLOW)
    no_error(page)
    full_shot(page, screenshot_dir / "train-2-live.png")

    # A classmate in another browser starts a run while this one trains: it waits.
    other_context = browser.new_context(viewport={"width": 1366, "height": 1600})
    other = other_context.new_page()
    other.set_default_timeout(30_000)
    try:
        open_training(other, train_app_url)
        set_number(other, "Epochs", 2)
        other.get_by_role("button", name="Start training").click()
        expect(other.get_by_text(re.compile(r"1 job\(s\) ahead of you"))).to_be_visible(
            timeout=SLOW)
        no_error(other)
        full_shot(other, screenshot_dir / "train-3-queued.png")

        page.get_by_role("button", name="Stop").click()
        expect(page.get_by_text(re.compile(r"Stopped in epoch \d+"))).to_be_visible(
            timeout=SLOW)
        expect(page.get_by_test_id("stMetricLabel").filter(has_text="Test accuracy")
               ).to_be_visible(timeout=SLOW)
        expect(page.get_by_role("heading", name="Confusion matrix")).to_be_visible(timeout=SLOW)
        expect(page.get_by_role("button", name="Download the model (.keras)")
               ).to_be_visible(timeout=SLOW)
        no_error(page)
        full_shot(page, screenshot_dir / "train-4-stopped.png")

        # The queue moves on: the classmate's run starts by itself and finishes.
        expect(other.get_by_text(re.compile(r"Finished\. Test accuracy"))).to_be_visible(
            timeout=SLOW)
        no_error(other)
        full_shot(other, screenshot_dir / "train-5-queued-run-done.png")
    finally:
        other_context.close()

    page.get_by_text("Look inside and try your own image").click()
    expect(page.get_by_role("heading", name="Feature maps")).to_be_visible(timeout=SLOW)
    expect(page.get_by_role("heading", name="First-layer filters")).to_be_visible(timeout=SLOW)
    settle(page)
    uploader = page.get_by_test_id("stFileUploaderDropzoneInput")
    uploader.set_input_files(files=[{"name": "mine.png", "mimeType": "image/png",
                                     "buffer": png_bytes()}])
    expect(page.get_by_text("The model says")).to_be_visible(timeout=SLOW)
    no_error(page)
    full_shot(page, screenshot_dir / "train-6-inspect.png")

    uploader.set_input_files(files=[{"name": "notes.png", "mimeType": "image/png",
                                     "buffer": b"this is not an image"}])
    expect(page.get_by_text("not a PNG or JPEG image")).to_be_visible(timeout=SLOW)
    no_error(page)

    # The same page in Korean: every section translated, nothing left in English keys.
    page.get_by_test_id("stSidebar").get_by_role("combobox").click()
    page.get_by_role("option", name="한국어").click()
    expect(page.get_by_role("heading", name="학습: CNN이 배우는 과정 지켜보기")).to_be_visible(
        timeout=SLOW)
    expect(page.get_by_role("heading", name="4. 평가")).to_be_visible(timeout=SLOW)
    # Choices show their Korean labels too (the browser keeps old ones unless resent).
    expect(page.get_by_role("combobox", name="모델", exact=True)).to_have_value("스트라이드 모델 (2절)")
    expect(page.locator(".st-key-train_target input[type=radio]:checked")).to_have_count(1)
    expect(page.get_by_text(re.compile(r"\btrain\.[a-z_.]+\b"))).to_have_count(0)
    settle(page)
    no_error(page)
    full_shot(page, screenshot_dir / "train-7-korean.png")
