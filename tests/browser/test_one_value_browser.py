"""A student follows one output value of the notebook's first layer in Chromium: the window on
the image, the three channels' products and sums, ReLU and the pooling window; strides and
padding move the window; the weight-sharing comparison; the same in Korean. One behaviour
per test, each on a page of its own."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import choose, no_error, settle, shot, switch_language, to_top, widget

pytestmark = pytest.mark.browser

TALL = {"width": 1366, "height": 2600}
TAB = "One output value, computed"


@pytest.fixture(autouse=True)
def patient_expect():
    expect.set_options(timeout=30_000)  # a rerun waits for a core on a busy machine
    yield
    expect.set_options(timeout=5_000)


def open_tab(page, app_url, tab=TAB, query=""):
    page.set_viewport_size(TALL)
    page.goto(f"{app_url}/calculator{query}")
    expect(page.get_by_role("heading", name=re.compile("Conv calculator|합성곱 계산기"))
           ).to_be_visible(timeout=90_000)
    settle(page)
    page.get_by_role("tab", name=tab).click()
    settle(page)
    expect(widget(page, "calc_one_steps").locator(".js-plotly-plot")).to_be_visible()


def set_position(page, key, value):
    field = widget(page, key).locator("input")
    field.fill(str(value))
    field.press("Enter")
    expect(field).to_have_value(str(value))
    settle(page)


def test_one_value_from_pixels_to_pooling(page, app_url, screenshot_dir):
    open_tab(page, app_url)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("56 parameters").first).to_be_visible()
    steps = widget(page, "calc_one_steps")
    for title in ("Input patch (pixels)", "× kernel (weights)", "= products"):
        expect(steps.get_by_text(title)).to_be_visible()
    expect(steps.get_by_text(re.compile(r"^sum = -?\d+\.\d\d$"))).to_have_count(3)
    expect(main.get_by_text(re.compile(r"what the Conv2D writes at row 0, column 0"))
           ).to_be_visible()
    expect(widget(page, "calc_one_pool").get_by_text("The 2x2 pooling window after ReLU")
           ).to_be_visible()
    no_error(page)
    to_top(page.get_by_role("tab", name=TAB))
    shot(page, screenshot_dir / "inside-one-value.png", full=False)


def test_strides_and_padding_move_the_window(page, app_url, screenshot_dir):
    open_tab(page, app_url)
    set_position(page, "calc_one_row", 31)
    set_position(page, "calc_one_col", 30)
    choose(page, "calc_one_strides", "2")
    expect(widget(page, "calc_one_row").locator("input")).to_have_value("15")
    widget(page, "calc_one_padding").get_by_text("valid").click()
    settle(page)
    expect(widget(page, "calc_one_col").locator("input")).to_have_value("14")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text(re.compile("fits no 2x2 window"))).to_be_visible()
    expect(widget(page, "calc_one_where").get_by_text("Input 32x32x3, the 3x3 window in red")
           ).to_be_visible()
    expect(widget(page, "calc_one_where").get_by_text(re.compile(r"one of 15x15x2"))
           ).to_be_visible()
    no_error(page)
    to_top(widget(page, "calc_one_where"))
    shot(page, screenshot_dir / "inside-one-value-strides2-valid.png", full=False)


def test_weight_sharing_against_dense(page, app_url, screenshot_dir):
    open_tab(page, app_url)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text(re.compile(r"6,293,504 parameters"))).to_be_visible()
    chart = widget(page, "calc_share_chart")
    expect(chart.get_by_text("50,348,032")).to_be_visible()
    expect(chart.get_by_text("parameters (log scale)")).to_be_visible()
    no_error(page)
    to_top(page.get_by_role("heading", name="The same kernel at every position"))
    shot(page, screenshot_dir / "inside-weight-sharing.png", full=False)


def test_korean(page, app_url, screenshot_dir):
    open_tab(page, app_url, tab="출력값 하나, 직접 계산", query="?lang=ko")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text(re.compile("파라미터는 56개")).first).to_be_visible()
    expect(widget(page, "calc_one_steps").get_by_text("입력 조각 (픽셀)")).to_be_visible()
    expect(main.get_by_text("파라미터 6,293,504개")).to_be_visible()
    no_error(page)
    to_top(page.get_by_role("tab", name="출력값 하나, 직접 계산"))
    shot(page, screenshot_dir / "inside-one-value-ko.png", full=False)
