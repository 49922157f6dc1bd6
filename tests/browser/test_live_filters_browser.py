"""A student watches features form in Chromium: while a run trains, the live panel shows the
first layer's filters and one test image's maps before training and after the latest
epoch, refreshed by the worker each epoch; in Korean too. Runs against the `train_app_url`
server (a few hundred images per run); the run is built once for the module and stopped
at the end, so the server is free for the other modules."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (no_error, open_from_sidebar, set_number, shot,
                                  switch_language, to_top)
from tests.browser.test_training_browser import AT_LEAST

pytestmark = pytest.mark.browser

SLOW = 180_000  # ms: a worker imports TensorFlow on a busy 2-core machine


def epoch_shown(page) -> int:
    """The epoch of the "After epoch N" column the page shows now."""
    text = page.get_by_text(re.compile(r"^After epoch \d+$")).first.inner_text()
    return int(text.rsplit(" ", 1)[1])


@pytest.fixture(scope="module")
def training(module_page, train_app_url):
    page = module_page
    open_from_sidebar(page, train_app_url, "2. Training", "Training: watch a CNN learn", SLOW)
    set_number(page, "Epochs", 60)
    set_number(page, "Batch size", 20)
    page.get_by_role("button", name="Start training").click()
    expect(page.get_by_text(re.compile(r"^After epoch \d+$"))).to_be_visible(timeout=SLOW)
    yield page
    stop = page.get_by_role("button", name=re.compile("^(Stop|중지)"))
    if stop.count():
        stop.first.click()


def test_filters_before_training_and_after_each_epoch(training, screenshot_dir):
    page = training
    heading = page.get_by_role("heading", name="Features forming")
    expect(heading).to_be_visible()
    expect(page.get_by_text("Before training", exact=True)).to_be_visible()
    first = epoch_shown(page)
    page.wait_for_function(
        """(first) => Array.from(document.querySelectorAll('p')).some(p =>
            /^After epoch (\\d+)$/.test(p.textContent)
            && Number(p.textContent.match(/\\d+/)[0]) > first)""", arg=first, timeout=SLOW)
    captions = page.get_by_test_id("stImageCaption")
    expect(captions.filter(has_text="64 of 64 filters of conv2d")).to_have_count(2)
    expect(captions.filter(has_text=re.compile(r"weights moved \d+\.\d% since the start"))
           ).to_have_count(1)
    expect(captions.filter(has_text=re.compile("feature maps of test image 0"))).to_have_count(2)
    no_error(page)
    to_top(heading)
    page.mouse.move(0, 0)  # no image toolbar from a hovering pointer
    page.wait_for_function(AT_LEAST, arg=["train_live_batches", 1], timeout=SLOW)
    shot(page, screenshot_dir / "inside-live-filters.png", full=False, live=True)


def test_in_korean(training, screenshot_dir):
    page = training
    switch_language(page, "한국어")
    try:
        heading = page.get_by_role("heading", name="특징이 만들어지는 과정")
        expect(heading).to_be_visible(timeout=SLOW)
        expect(page.get_by_text("학습 전", exact=True)).to_be_visible()
        expect(page.get_by_text(re.compile(r"^에포크 \d+ 뒤$")).first).to_be_visible()
        no_error(page)
        to_top(heading)
        page.mouse.move(0, 0)
        page.wait_for_function(AT_LEAST, arg=["train_live_batches", 1], timeout=SLOW)
        shot(page, screenshot_dir / "inside-live-filters-ko.png", full=False, live=True)
    finally:
        switch_language(page, "English")
