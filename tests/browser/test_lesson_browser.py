"""The lesson made right, in Chromium: the notebook's pooling comparison done fairly (one
click, the runs table side by side, in English and Korean) and a run with controls against
overfitting compared with a plain one on the gap between the curves.

The fair comparison runs on the `app_url` server at the page's defaults, so both runs open
from the shipped run library at once; the regularised runs train on the `train_app_url`
server (a few hundred images). One test per behaviour; the states are built once per
module by the fixtures below, step by step.
"""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import student
from tests.browser.helpers import (choose, no_error, open_from_sidebar, set_number, settle,
                                  shot, switch_language, widget)

pytestmark = pytest.mark.browser

SLOW = 240_000  # ms: a worker imports TensorFlow and trains on a busy 2-core machine
TITLE = "Training: watch a CNN learn"
FAIR = "Train both: strides vs. pooling, same settings"
DONE = re.compile(r"Finished\. Test accuracy")


def runs_table(page):
    """The runs table with its heading and what the fair comparison measured."""
    return widget(page, "train_runs")


# ---- the states, built once ------------------------------------------------------------
@pytest.fixture(scope="module")
def fair(module_page, app_url):
    """The fair comparison pressed on the default settings: both runs from the library."""
    page = module_page
    open_from_sidebar(page, app_url, "2. Training", TITLE, SLOW)
    page.get_by_role("button", name=FAIR).click()
    expect(page.get_by_text(re.compile(r"Runs #1 and #2 differ only in the model"))
           ).to_be_visible(timeout=SLOW)
    settle(page)
    return page


@pytest.fixture(scope="module")
def fair_in_korean(fair):
    switch_language(fair, "한국어")
    expect(fair.get_by_text(re.compile(r"두 학습\(#1, #2\)은 모델만 다릅니다"))).to_be_visible(
        timeout=SLOW)
    settle(fair)
    yield fair
    switch_language(fair, "English")
    expect(fair.get_by_role("heading", name=TITLE)).to_be_visible(timeout=SLOW)
    settle(fair)


def train(page, number: int, regularised: bool) -> None:
    """Start run `number` (with data augmentation and Dropout 0.5, or without) and wait
    until it ended and stands in the runs table."""
    if regularised:
        widget(page, "train_augment").get_by_text("Data augmentation").click()
        settle(page)
        set_number(page, "Dropout before the head (rate, 0 = off)", "0.50")
    page.get_by_role("button", name="Start training").click()
    expect(runs_table(page).get_by_role("row").filter(has_text=f"#{number} ")).to_have_count(
        1, timeout=SLOW)
    expect(page.get_by_text(DONE)).to_be_visible(timeout=SLOW)
    settle(page)


@pytest.fixture(scope="module")
def regularised(browser, train_app_url):
    """A plain run, then the same with augmentation and Dropout, 12 epochs each."""
    with student(browser) as page:
        open_from_sidebar(page, train_app_url, "2. Training", TITLE, SLOW)
        set_number(page, "Epochs", 12)
        set_number(page, "Batch size", 30)
        train(page, 1, regularised=False)
        train(page, 2, regularised=True)
        expect(runs_table(page)).to_contain_text("flip+shift · Dropout 0.5")
        yield page


# ---- the behaviours ----------------------------------------------------------------------
def test_the_notebooks_comparison_is_explained(fair, screenshot_dir):
    page = fair
    page.get_by_text("What the notebook compared, and why its conclusion does not follow").click()
    expect(page.get_by_text(re.compile(r"That cell fails at layer 12, the pooling layer of "
                                       r"block 3"))).to_be_visible()
    no_error(page)
    shot(page, screenshot_dir / "lesson-1-notebook-comparison.png",
         element=page.get_by_test_id("stExpander").filter(has_text="What the notebook compared"))


def test_one_click_sets_both_ideas_side_by_side_in_the_runs_table(fair, screenshot_dir):
    page = fair
    table = runs_table(page)
    expect(table).to_be_visible()
    result = table.get_by_text(re.compile(r"differ only in the model: a fair comparison"))
    expect(result).to_contain_text("4.0× the multiply-accumulates")
    expect(table.get_by_test_id("stTable")).to_be_visible()
    no_error(page)
    shot(page, screenshot_dir / "lesson-2-runs-table.png", element=table)
    shot(page, screenshot_dir / "lesson-2-training-page.png")


def test_the_runs_table_in_korean(fair_in_korean, screenshot_dir):
    page = fair_in_korean
    expect(page.get_by_role("heading", name="실행 표")).to_be_visible()
    expect(page.get_by_text(re.compile(r"곱셈-누적 연산은 4\.0배"))).not_to_have_count(0)
    expect(page.get_by_text(re.compile(r"\btrain\.[a-z_.]+\b"))).to_have_count(0)
    no_error(page)
    shot(page, screenshot_dir / "lesson-3-runs-table-korean.png", element=runs_table(page))


def test_a_regularised_run_is_compared_on_the_gap(regularised, screenshot_dir):
    page = regularised
    choose(page, "train_compare_metric", "gap: training − validation accuracy per epoch",
           type_it=True)
    expect(page.get_by_text(re.compile(r"A model that overfits widens it"))).to_be_visible()
    expect(widget(page, "train_compare_chart")).to_be_visible()
    no_error(page)
    shot(page, screenshot_dir / "lesson-4-regularised-gap.png")
