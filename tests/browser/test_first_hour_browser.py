"""A student's first hour, in Chromium: the frictions a first walk through the lab in Korean
found, each one a test that failed before its fix.

Runs against the `train_app_url` server (a few hundred images per run, one job at a time).
"""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import no_error, settle, shot, widget

pytestmark = pytest.mark.browser

SLOW = 180_000  # ms: a worker imports TensorFlow on a busy 2-core machine


def test_train_this_model_from_a_korean_calculator_stays_korean(page, train_app_url,
                                                                 screenshot_dir):
    page.goto(f"{train_app_url}/calculator?lang=ko")
    expect(page.get_by_role("heading", name=re.compile("합성곱 계산기"))).to_be_visible(
        timeout=SLOW)
    settle(page)
    widget(page, "calc_train").get_by_role("button").click()
    expect(page.get_by_role("heading", name="학습: CNN이 배우는 과정 지켜보기")).to_be_visible(
        timeout=SLOW)
    expect(page).to_have_url(re.compile(r"lang=ko"))
    expect(page.get_by_role("heading", name=re.compile("^Training"))).to_have_count(0)
    no_error(page)
    shot(page, screenshot_dir / "first-hour-calculator-to-training-ko.png")


def test_a_refresh_keeps_the_run_under_way(page, train_app_url, screenshot_dir):
    page.goto(f"{train_app_url}/training")
    expect(page.get_by_role("heading", name="Training: watch a CNN learn")).to_be_visible(
        timeout=SLOW)
    settle(page)
    widget(page, "train_seed").locator("input").fill("31")  # a run of this test's own
    widget(page, "train_seed").locator("input").press("Enter")
    settle(page)
    page.get_by_role("button", name="Start training").click()
    expect(page.get_by_text(re.compile(r"Epoch \d+/20 · batch"))).to_be_visible(timeout=SLOW)
    expect(page).to_have_url(re.compile(r"run=[0-9a-f]{8}-[\w-]{22}"))
    page.reload()  # F5: a new session, the same address
    expect(page.get_by_text("Welcome back")).to_be_visible(timeout=SLOW)
    expect(page.get_by_text(re.compile(r"Epoch \d+/20 · batch|Finished\. Test accuracy"))
           ).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("No run yet")).to_have_count(0)
    no_error(page)
    shot(page, screenshot_dir / "first-hour-after-refresh.png", live=True)
    expect(page.get_by_text(re.compile(r"Finished\. Test accuracy"))).to_be_visible(
        timeout=SLOW)


def test_choosing_a_model_loads_it_and_says_which_is_in_the_table(page, app_url,
                                                                   screenshot_dir):
    page.goto(f"{app_url}/calculator?lang=ko")
    expect(page.get_by_text(re.compile("표에 있는 모델.*스트라이드 모델"))).to_be_visible(
        timeout=SLOW)
    settle(page)
    widget(page, "calc_preset").get_by_role("combobox").click()
    page.get_by_role("option", name=re.compile("1절")).click()  # one gesture: no Load button
    settle(page)
    expect(page.get_by_text(re.compile("표에 있는 모델.*1절"))).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="전체 파라미터")
           ).to_contain_text("56")
    expect(widget(page, "calc_load")).to_have_count(0)
    no_error(page)
    shot(page, screenshot_dir / "first-hour-calculator-menu-ko.png", full=False)


PAGES = (("home", ""), ("data", "data"), ("calculator", "calculator"),
         ("training", "training"), ("transfer", "transfer"))


@pytest.mark.parametrize("width, height", [(1366, 900), (1024, 768)])
@pytest.mark.parametrize("name, path", PAGES)
def test_every_page_in_korean_on_a_laptop_and_a_projector(browser, app_url, screenshot_dir,
                                                          name, path, width, height):
    """What a projector at 1024x768 shows: the page, not the sidebar, gets the width."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.goto(f"{app_url}/{path}?lang=ko")
        expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=SLOW)
        settle(page)
        no_error(page)
        content = page.get_by_test_id("stMainBlockContainer").bounding_box()
        assert content["width"] >= 0.7 * width, "the lesson gets most of the screen"
        shot(page, screenshot_dir / f"first-hour-{name}-ko-{width}x{height}.png", full=False)
    finally:
        context.close()
