"""A student uses the conv calculator in Chromium: the notebook's failing model explained,
a stack built from scratch and edited, a shared link opened in a new page, the kernel
animation. One test per behaviour, each on a page of its own."""
import re

import pytest
from playwright.sync_api import expect

from core.calculator import link as stack_url
from core.calculator.edit import insert_layer
from core.config import INPUT_SHAPE
from core.stack import presets
from tests.browser.helpers import choose, no_error, settle, shot, widget

pytestmark = pytest.mark.browser

TALL = {"width": 1366, "height": 2600}  # Streamlit scrolls inside the page: see more at once
FROM_SCRATCH = ("Conv2D", "MaxPooling2D", "Flatten", "Dense")  # as added with the Add button


@pytest.fixture(autouse=True)
def patient_expect():
    """Reruns wait for a core on a busy machine (2 cores, other work): wait up to 30 s."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default, for the other tests


def open_calculator(page, app_url, query=""):
    page.set_viewport_size(TALL)
    page.goto(f"{app_url}/calculator{query}")
    expect(page.get_by_role("heading", name=re.compile("Conv calculator|합성곱 계산기"))
           ).to_be_visible(timeout=90_000)
    expect(combobox(page, "calc_preset")).to_be_visible(timeout=90_000)
    settle(page)


def load_preset(page, app_url, label):
    """Open the calculator and load one of the notebook's models (choosing is loading)."""
    open_calculator(page, app_url)
    choose(page, "calc_preset", label)


def total_params(page):
    return page.get_by_test_id("stMetric").filter(has_text="Total params")


def combobox(page, key):
    return widget(page, key).get_by_role("combobox")


def click(page, key):
    widget(page, key).get_by_role("button").click()
    settle(page)


def main(page):
    return page.get_by_test_id("stMain")


def test_failing_notebook_model_is_explained(page, app_url, screenshot_dir):
    load_preset(page, app_url, "Section 2: stride + pooling (fails, as in the notebook)")
    sentence = ("Layer 12 (MaxPooling2D) needs at least 2x2 input, but the previous layer "
                "outputs 1x1.")
    expect(main(page).get_by_text(sentence)).to_be_visible()
    expect(main(page).get_by_text("Negative dimension size").first).to_be_visible()
    expect(combobox(page, "calc_layer")).to_have_value("12. max_pooling2d_2 (MaxPooling2D)")
    no_error(page)
    settle(page)
    page.get_by_test_id("stDataFrame").scroll_into_view_if_needed()
    shot(page, screenshot_dir / "calc-failing-preset.png", full=False)


def test_build_a_stack_from_scratch(page, app_url, screenshot_dir):
    """Remove the one layer, then add a layer of each type: the totals follow."""
    load_preset(page, app_url, "Section 1: one Conv2D with 2 filters")
    total = total_params(page)
    expect(total).to_contain_text("56")  # loaded: only now is layer 1 the single conv
    click(page, "calc_remove")
    expect(main(page).get_by_text("No layers yet.")).to_be_visible()
    for layer_type in FROM_SCRATCH:
        choose(page, "calc_new_type", layer_type)
        click(page, "calc_add")
        expect(combobox(page, "calc_layer")).to_have_value(re.compile(rf"\({layer_type}\)$"))
    # Conv2D(32, 3x3, same) 896 + Dense(3) on 16*16*32 = 24,579
    expect(total).to_contain_text("25,475")
    no_error(page)
    shot(page, screenshot_dir / "calc-from-scratch.png", full=False)


def test_editing_a_layer_updates_the_counts(page, app_url, screenshot_dir):
    """The stack built from scratch (opened by its link): fewer filters in the conv, fewer
    parameters, and the formula typeset with the new numbers."""
    layers = []
    for index, layer_type in enumerate(FROM_SCRATCH):
        layers = insert_layer(layers, index, layer_type)
    open_calculator(page, app_url, f"?stack={stack_url.encode(INPUT_SHAPE, layers)}")
    total = total_params(page)
    expect(total).to_contain_text("25,475")
    choose(page, "calc_layer", "1. conv2d (Conv2D)")
    filters = widget(page, "calc_filters").locator("input")
    expect(filters).to_have_value("32")  # the conv's fields, not the Dense's
    settle(page)
    filters.fill("8")
    filters.press("Enter")
    settle(page)
    expect(total).to_contain_text("6,371")  # 224 + (2,048 + 1) * 3
    expect(page.locator(".katex-html").filter(has_text="224").first).to_be_visible()  # typeset
    no_error(page)
    shot(page, screenshot_dir / "calc-edited-layer.png", full=False)


def test_the_address_carries_the_stack(page, app_url):
    """The stack being edited is in the page's address, and the page shows that link."""
    load_preset(page, app_url, "Section 3: the super model")
    expect(total_params(page)).to_contain_text("449,923")
    encoded = stack_url.encode(*presets.preset("super_model"))
    expect(page).to_have_url(re.compile(rf"[?&]stack={re.escape(encoded)}(&|$)"))
    link = page.url
    assert "lang=en" in link and link.startswith(f"{app_url}/calculator?")
    shown = page.get_by_test_id("stCode").filter(has_text="stack=")
    expect(shown).to_contain_text(f"stack={encoded}")  # the page shows the same link


def test_a_shared_link_opens_the_same_stack(page, app_url, screenshot_dir):
    """Another student, with no session, follows the link the page shows."""
    encoded = stack_url.encode(*presets.preset("super_model"))
    open_calculator(page, app_url, f"?stack={encoded}&lang=en")
    expect(page.get_by_test_id("stMetric").filter(has_text="Total params")
           ).to_contain_text("449,923", timeout=90_000)
    expect(page.get_by_test_id("stMetric").filter(has_text="Non-trainable")
           ).to_contain_text("1,024")
    expect(combobox(page, "calc_layer")).to_have_value("1. conv2d (Conv2D)")
    settle(page)
    no_error(page)
    shot(page, screenshot_dir / "calc-shared-link.png", full=False)


def test_broken_link_falls_back_with_a_message(page, app_url, screenshot_dir):
    open_calculator(page, app_url, "?stack=garbage!!&lang=ko")
    expect(main(page).get_by_text("링크의 모델을 열 수 없어")).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="전체 파라미터")
           ).to_contain_text("114,371")
    no_error(page)
    shot(page, screenshot_dir / "calc-broken-link-ko.png", full=False)


def kernel_animation(page, app_url):
    open_calculator(page, app_url)
    chart = widget(page, "calc_anim_chart")
    chart.scroll_into_view_if_needed()
    expect(chart.get_by_text("Step 1 of 25: output[0, 0] = -5")).to_be_visible()
    return chart


def test_kernel_animation_plays_and_pauses(page, app_url, screenshot_dir):
    chart = kernel_animation(page, app_url)
    chart.get_by_text("▶ Play").click()
    expect(chart.get_by_text(re.compile(r"Step ([3-9]|1\d|2[0-5]) of 25"))).to_be_visible(
        timeout=20_000)
    chart.get_by_text("❚❚ Pause").click()
    no_error(page)
    shot(page, screenshot_dir / "calc-animation-playing.png", full=False)


def test_kernel_animation_steps_to_the_last_cell(page, app_url, screenshot_dir):
    """With strides 2, the slider's last tick jumps to the last output cell."""
    chart = kernel_animation(page, app_url)
    choose(page, "calc_anim_strides", "2")
    expect(chart.get_by_text("Step 1 of 9: output[0, 0] = -5")).to_be_visible()
    chart.scroll_into_view_if_needed()
    rail = chart.locator(".slider-rail-touch-rect").first
    box = rail.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
    expect(chart.get_by_text(re.compile(r"Step 9 of 9: output\[2, 2\]"))).to_be_visible()
    no_error(page)
    shot(page, screenshot_dir / "calc-animation-stepped.png", full=False)


def test_feature_map_tab(page, app_url, screenshot_dir):
    open_calculator(page, app_url)
    page.get_by_role("tab", name="One filter on a real image").click()
    settle(page)
    chart = widget(page, "calc_fm_chart")
    expect(chart.get_by_text("Feature map 32x32x1")).to_be_visible()
    expect(chart.get_by_text("Max-pooled 16x16x1")).to_be_visible()
    expect(main(page).get_by_text("Synthetic image").first).to_be_visible()
    no_error(page)
    settle(page)
    chart.scroll_into_view_if_needed()
    shot(page, screenshot_dir / "calc-feature-map.png", full=False)
