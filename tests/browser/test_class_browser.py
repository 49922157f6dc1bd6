"""A class trains together, in Chromium: two students who start the same run watch one run,
one of them leaving does not stop it, and a third who starts it after it finished opens it
from the run library at once and replays its curves.

Runs against the `train_app_url` server (a few hundred images per run, one job at a time).
The states build on each other through module fixtures, one behaviour per test.
"""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import INSTRUCTOR_KEY, student
from tests.browser.helpers import no_error, settle, shot, widget

pytestmark = pytest.mark.browser

SLOW = 240_000  # ms: a worker imports TensorFlow on a busy 2-core machine
SEED = "4141"  # a run no other test trains
LIVE = re.compile(r"Epoch \d+/\d+ · batch|Finished\. Test accuracy")


def open_and_start(page, url):
    page.goto(f"{url}/training")
    expect(page.get_by_role("heading", name="Training: watch a CNN learn")).to_be_visible(
        timeout=SLOW)
    settle(page)
    for key, value in (("train_seed", SEED), ("train_epochs", "50"), ("train_batch_size", "20")):
        field = widget(page, key).locator("input")
        field.fill(value)
        field.press("Enter")
        settle(page)
    page.get_by_role("button", name="Start training").click()


@pytest.fixture(scope="module")
def classmates(browser, train_app_url):
    """Alice starts a run; Bob starts the same one a moment later."""
    with student(browser) as alice, student(browser) as bob:
        open_and_start(alice, train_app_url)
        expect(alice.get_by_text(LIVE)).to_be_visible(timeout=SLOW)
        open_and_start(bob, train_app_url)
        yield alice, bob


def test_the_same_start_joins_the_run_already_training(classmates, screenshot_dir):
    alice, bob = classmates
    expect(bob.get_by_text("A classmate had already started this exact run")).to_be_visible(
        timeout=SLOW)
    expect(bob.get_by_text(re.compile(r"You and 1 classmate watch this run"))).to_be_visible(
        timeout=SLOW)
    expect(alice.get_by_text(re.compile(r"You and 1 classmate watch this run"))).to_be_visible(
        timeout=SLOW)
    no_error(bob)
    shot(bob, screenshot_dir / "class-1-shared-run.png", live=True)


def test_one_watchers_stop_leaves_the_run_to_the_other(classmates, screenshot_dir):
    alice, bob = classmates
    alice.get_by_role("button", name="Stop", exact=True).click()
    expect(alice.get_by_text("You left the shared run")).to_be_visible(timeout=SLOW)
    expect(bob.get_by_text(re.compile(r"Finished\. Test accuracy"))).to_be_visible(
        timeout=SLOW)
    expect(bob.get_by_text("Stopped in epoch")).to_have_count(0)
    no_error(alice)
    no_error(bob)
    shot(alice, screenshot_dir / "class-2-left-the-shared-run.png")


def test_the_finished_run_opens_from_the_library_and_replays(classmates, browser,
                                                             train_app_url, screenshot_dir):
    _, bob = classmates
    expect(bob.get_by_text(re.compile(r"Finished\. Test accuracy"))).to_be_visible(
        timeout=SLOW)
    with student(browser) as carol:
        open_and_start(carol, train_app_url)
        expect(carol.get_by_text("opened at once from the run library")).to_be_visible(
            timeout=60_000)
        expect(carol.get_by_text(re.compile(r"An earlier identical run from the run library, "
                                            r"trained \d{4}-\d\d-\d\d"))).to_be_visible()
        expect(carol.get_by_text(re.compile(r"Finished\. Test accuracy"))).to_be_visible()
        no_error(carol)
        shot(carol, screenshot_dir / "class-3-library-hit.png")
        carol.get_by_role("button", name="Replay the curves").click()
        expect(carol.get_by_text(re.compile(r"Replaying: \d+:\d\d into the training"))
               ).to_be_visible(timeout=30_000)
        shot(carol, screenshot_dir / "class-4-replaying.png", live=True)


def test_the_instructor_unlocks_her_lane_and_is_told_how_the_class_run_goes_first(
        page, train_app_url, screenshot_dir):
    page.goto(f"{train_app_url}/training")
    expect(page.get_by_role("heading", name="Training: watch a CNN learn")).to_be_visible(
        timeout=SLOW)
    settle(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Instructor", exact=True).click()
    field = sidebar.get_by_label("Instructor's key", exact=True)
    field.fill(INSTRUCTOR_KEY)
    field.press("Enter")
    settle(page)
    expect(sidebar.get_by_text(re.compile("^Instructor mode"))).to_be_visible()
    expect(sidebar.get_by_text(re.compile("on the defaults yourself"))).to_be_visible()
    assert INSTRUCTOR_KEY not in page.content(), "the key is never sent back"
    no_error(page)
    shot(page, screenshot_dir / "class-4-instructor-mode.png")
