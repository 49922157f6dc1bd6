"""A student sends one image through a whole trained network in Chromium: the bundled
extractor before any run, then the notebook's stride model (the page's default Start opens
the shipped run at once), a misclassified test image, the Dense outputs and the softmax as
bars, and the same in Korean. One behaviour per test; the states are built once per module
on one page, step by step."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (choose, no_error, open_from_sidebar, settle, shot,
                                  switch_language, to_top, widget)

pytestmark = pytest.mark.browser

SLOW = 180_000  # ms: the server imports TensorFlow to run the model


def section(page):
    return page.get_by_role("heading", name="One image through the whole network")


def switch_on(page):
    switch = widget(page, "train_forward_on")
    if not switch.locator("input").is_checked():
        switch.get_by_text("Send an image through a trained model").click()
    expect(page.get_by_role("heading", name="Every layer, in order")).to_be_visible(timeout=SLOW)
    settle(page)


def layer_rows(page):
    return page.get_by_test_id("stMarkdownContainer").filter(has_text=re.compile(r"calculator: "))


@pytest.fixture(scope="module")
def opened(module_page, app_url):
    page = module_page
    open_from_sidebar(page, app_url, "2. Training", "Training: watch a CNN learn", SLOW)
    switch_on(page)
    return page


@pytest.fixture(scope="module")
def trained(opened):
    """The default Start: the shipped stride-model run opens from the library at once."""
    page = opened
    page.get_by_role("button", name="Start training").click()
    expect(page.get_by_text(re.compile(r"Finished\. Test accuracy"))).to_be_visible(timeout=SLOW)
    settle(page)
    run = page.get_by_text(re.compile(r"^#1 Stride model")).first.inner_text()
    choose(page, "train_forward_model", run)
    expect(layer_rows(page)).to_have_count(14, timeout=SLOW)
    return page


def test_the_bundled_extractor_layer_by_layer(opened, screenshot_dir):
    page = opened
    expect(layer_rows(page)).to_have_count(16)
    expect(layer_rows(page).filter(has_text="✓")).to_have_count(16)
    expect(page.get_by_text(re.compile("This extractor has no classifier"))).to_be_visible()
    no_error(page)
    to_top(section(page))
    shot(page, screenshot_dir / "inside-forward-bundled.png", full=False)


def test_a_trained_run_to_the_softmax(trained, screenshot_dir):
    page = trained
    expect(layer_rows(page).filter(has_text="✓")).to_have_count(14)
    expect(page.get_by_text(re.compile(r"The model says"))).to_be_visible()
    choose(page, "train_forward_layer", "14. dense (3)", type_it=True)
    chart = widget(page, "train_forward_large")
    expect(chart.get_by_text("Dense outputs (before softmax)")).to_be_visible(timeout=SLOW)
    expect(chart.get_by_text("Softmax: probabilities")).to_be_visible()
    no_error(page)
    to_top(page.get_by_role("heading", name="One layer, large"))
    shot(page, screenshot_dir / "inside-forward-softmax.png", full=False)


def test_every_layer_of_the_stride_model_matches_the_calculator(trained, screenshot_dir):
    page = trained
    for shape in ("(None, 16, 16, 64)", "(None, 8, 8, 64)", "(None, 4, 4, 64)",
                  "(None, 2, 2, 64)", "(None, 256)", "(None, 3)"):
        expect(layer_rows(page).filter(has_text=f"calculator: {shape} ✓").first).to_be_visible()
    no_error(page)
    to_top(page.get_by_role("heading", name="Every layer, in order"))
    shot(page, screenshot_dir / "inside-forward-layers.png", full=False)


def test_a_misclassified_image(trained, screenshot_dir):
    page = trained
    widget(page, "train_forward_source").get_by_text("One the model got wrong").click()
    settle(page)
    chosen = widget(page, "train_forward_wrong").get_by_role("combobox")
    expect(chosen).to_have_value(re.compile(r"^#\d+: .+, predicted .+ \(\d+%\)$"), timeout=SLOW)
    expect(layer_rows(page)).to_have_count(14)
    no_error(page)
    to_top(section(page))
    shot(page, screenshot_dir / "inside-forward-misclassified.png", full=False)


def test_in_korean(trained, screenshot_dir):
    page = trained
    switch_language(page, "한국어")
    try:
        heading = page.get_by_role("heading", name="이미지 하나가 네트워크 전체를 지나가는 과정")
        expect(heading).to_be_visible(timeout=SLOW)
        settle(page)
        expect(page.get_by_role("heading", name="모든 레이어, 차례대로")).to_be_visible(timeout=SLOW)
        expect(layer_rows(page)).to_have_count(0)  # "calculator:" is "계산기:" now
        # the choices show their Korean labels (set again after the switch)
        expect(page.locator(".st-key-train_forward_source input[type=radio]:checked")
               ).to_have_count(1)
        expect(widget(page, "train_forward_model").get_by_role("combobox")).to_have_value(
            re.compile(r"^#1 스트라이드 모델"))
        expect(widget(page, "train_forward_wrong").get_by_role("combobox")).to_have_value(
            re.compile(r"예측"))
        expect(page.get_by_test_id("stMarkdownContainer").filter(
            has_text=re.compile("계산기: ")).first).to_be_visible()
        no_error(page)
        to_top(heading)
        shot(page, screenshot_dir / "inside-forward-ko.png", full=False)
    finally:
        switch_language(page, "English")
