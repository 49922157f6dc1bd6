"""A student explores the data in Chromium: filter to one class, open an image, look at a
class's statistics, switch to Korean, and try a bad upload. One test per behaviour; every
step is screenshotted into test-artifacts/screenshots/.

Opening the explorer costs a few seconds of script run, so the tests that only look and
click (filter, close-up, statistics, Korean) share one page of the module, each starting
from whatever the previous one left (in English) and asserting only its own behaviour;
arriving from the home page and the upload get pages of their own."""
import re

import pytest
from playwright.sync_api import expect

from core.data.synthetic import FINE_TO_SUPER
from tests.browser.helpers import choose, settle, shot, switch_language, to_top, widget

pytestmark = pytest.mark.browser

WAIT = 30_000  # ms; a rerun takes well under a second, but the test machine may be busy
OPEN = 90_000  # ms: the first visit loads the dataset
CAPTION = re.compile(r"^#\d+ \S+ / \S+$")  # a gallery caption: "#123 otter / aquatic_mammals"
FINE = sorted(FINE_TO_SUPER)[7]  # the fine class the student filters to (synthetic data)
ONE_CLASS = re.compile(rf"^#\d+ {FINE} / {FINE_TO_SUPER[FINE]}$")


def open_explorer(page, app_url, lang: str = "en") -> None:
    """The explorer by its address, its gallery drawn."""
    page.goto(f"{app_url}/data?lang={lang}")
    expect(page.get_by_text(CAPTION)).to_have_count(12, timeout=OPEN)
    settle(page)


@pytest.fixture(scope="module")
def explorer(module_page, app_url):
    """The explorer, opened once for the module's looking-and-clicking tests."""
    open_explorer(module_page, app_url)
    return module_page


@pytest.fixture
def shared(explorer, app_url):
    """The module's explorer page in English, with no menu left open by a test before."""
    explorer.keyboard.press("Escape")
    if "lang=en" not in explorer.url:  # the Korean test ran before: open it again
        open_explorer(explorer, app_url)
    settle(explorer)
    return explorer


def filter_to_one_class(page) -> None:
    choose(page, "explorer_fine", FINE, type_it=True)
    expect(page.get_by_text(ONE_CLASS)).to_have_count(12, timeout=WAIT)


def test_the_explorer_opens_from_the_home_page(page, app_url, screenshot_dir):
    page.goto(app_url)
    page.get_by_role("link", name="Open the data explorer").click(timeout=OPEN)
    expect(page.get_by_role("heading", name="Data explorer: the images and their labels")) \
        .to_be_visible(timeout=OPEN)
    expect(page.get_by_text(CAPTION)).to_have_count(12, timeout=OPEN)
    expect(page.get_by_text("generated patterns, not photos")).to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)
    shot(page, screenshot_dir / "explorer-1-open.png")


def test_filtering_to_one_class_shows_only_that_class(shared, screenshot_dir):
    page = shared
    filter_to_one_class(page)
    gallery = page.get_by_test_id("stImage").first
    settle(page)
    gallery.scroll_into_view_if_needed()
    shot(page, screenshot_dir / "explorer-2-filtered.png", full=False)
    shot(page, screenshot_dir / "explorer-2-gallery-image.png", element=gallery)


def test_an_image_up_close_shows_its_labels_pixels_and_channels(shared, screenshot_dir):
    """The third image of the gallery, opened: its labels, its pixels under the mouse, and
    its three channels."""
    page = shared
    pill = widget(page, "explorer_gallery_pick").get_by_role("radio").nth(2)
    index = pill.inner_text().strip().lstrip("#")
    pill.click()
    expect(page.get_by_text(f"train[{index}]", exact=True)).to_be_visible(timeout=WAIT)
    expect(widget(page, "explorer_index").get_by_role("spinbutton")).to_have_value(index)
    expect(widget(page, "explorer_channels").get_by_text("G (green)")).to_be_visible()
    settle(page)
    close_up = widget(page, "explorer_close_image")
    close_up.scroll_into_view_if_needed()
    box = close_up.locator(".nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.6)
    expect(page.get_by_text(re.compile(r"R: \d+, G: \d+, B: \d+"))).to_be_visible()
    shot(page, screenshot_dir / "explorer-3-close-up.png", full=False)
    shot(page, screenshot_dir / "explorer-3-channels.png",
         element=widget(page, "explorer_channels"))


def test_class_statistics_show_its_average_image_and_histograms(shared, screenshot_dir):
    """One class's average image, histograms, and mean/std per channel."""
    page = shared
    choose(page, "explorer_stats_class", f"{FINE} / {FINE_TO_SUPER[FINE]}", type_it=True)
    expect(page.get_by_text("Average of 500 images")).to_be_visible(timeout=WAIT)
    histogram = widget(page, "explorer_histogram")
    expect(histogram.get_by_text("pixel value (0-255)")).to_be_visible()
    settle(page)
    histogram.scroll_into_view_if_needed()
    shot(page, screenshot_dir / "explorer-3-statistics.png", full=False)
    expect(page.get_by_test_id("stImage").last).to_be_visible()
    to_top(page.get_by_role("heading", name="The average image of each fine class"))
    shot(page, screenshot_dir / "explorer-3-class-means.png", full=False)


def test_the_explorer_in_korean_keeps_the_filter(shared, screenshot_dir):
    """Switch to Korean: the page and its charts speak Korean, the filter is kept (the
    next test on the shared page opens it again in English)."""
    page = shared
    filter_to_one_class(page)
    switch_language(page, "한국어")
    expect(page.get_by_role("heading", name="데이터 탐색기: 이미지와 레이블")).to_be_visible(
        timeout=WAIT)
    expect(page.get_by_text(ONE_CLASS)).to_have_count(12, timeout=WAIT)
    expect(widget(page, "explorer_channels").get_by_text("G (초록)")).to_be_visible()
    super_box = widget(page, "explorer_super").get_by_role("combobox")
    expect(super_box).to_have_value("모든 슈퍼클래스")  # not the English label left behind
    settle(page)
    page.get_by_role("heading", name="2. 갤러리").scroll_into_view_if_needed()
    shot(page, screenshot_dir / "explorer-4-korean.png", full=False)


def test_a_bad_upload_is_refused_with_a_message(page, app_url, screenshot_dir):
    """A text file posing as the images (the Korean page): the message says so; the
    dataset does not change."""
    open_explorer(page, app_url, "ko")
    page.get_by_text("내 수업 파일 사용하기").click()
    files = [("10_train.npy", b"fine_labels,coarse_labels\n"), ("10_test.npy", b"x"),
             ("10_tr_labels.csv", b"fine_labels,coarse_labels\n"),
             ("10_ts_labels.csv", b"fine_labels,coarse_labels\n")]
    widget(page, "explorer_upload_files").locator("input[type=file]").set_input_files(
        [{"name": n, "mimeType": "application/octet-stream", "buffer": b} for n, b in files])
    expect(page.get_by_text("10_ts_labels.csv ← 10_ts_labels.csv")).to_be_visible(timeout=WAIT)
    widget(page, "explorer_upload_use").get_by_role("button").click()
    rejected = re.compile("업로드를 거부했습니다: 10_train.npy: .*NumPy")
    expect(page.get_by_text(rejected)).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("합성 데이터 (오프라인): ").first).to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)
    settle(page)
    page.get_by_test_id("stExpander").first.scroll_into_view_if_needed()
    shot(page, screenshot_dir / "explorer-5-bad-upload.png", full=False)
