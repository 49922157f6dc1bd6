"""A student explores the data in Chromium: filter to one class, open an image, switch to
Korean, and try a bad upload. Every step is screenshotted into test-artifacts/screenshots/."""
import re

import pytest
from playwright.sync_api import expect

from core.data.synthetic import FINE_TO_SUPER
from tests.browser.helpers import choose, widget

pytestmark = pytest.mark.browser

WAIT = 30_000  # ms; a rerun takes well under a second, but the test machine may be busy
CAPTION = re.compile(r"^#\d+ \S+ / \S+$")  # a gallery caption: "#123 otter / aquatic_mammals"
FINE = sorted(FINE_TO_SUPER)[7]  # the fine class the student filters to (synthetic data)
ONE_CLASS = re.compile(rf"^#\d+ {FINE} / {FINE_TO_SUPER[FINE]}$")


def test_student_explores_the_data(page, app_url, screenshot_dir):
    # From the home page, as a student does.
    page.goto(app_url)
    page.get_by_role("link", name="Open the data explorer").click(timeout=90_000)
    expect(page.get_by_role("heading", name="Data explorer: the images and their labels")) \
        .to_be_visible(timeout=90_000)
    expect(page.get_by_text(CAPTION)).to_have_count(12, timeout=90_000)
    expect(page.get_by_text("generated patterns, not photos")).to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "explorer-1-open.png", full_page=True)

    # Filter the gallery to one fine class: every caption names it.
    choose(page, "explorer_fine", FINE, type_it=True)
    expect(page.get_by_text(ONE_CLASS)).to_have_count(12, timeout=WAIT)
    gallery = page.get_by_test_id("stImage").first
    gallery.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "explorer-2-filtered.png")
    gallery.screenshot(path=screenshot_dir / "explorer-2-gallery-image.png")

    # Open the third image of the gallery up close: its labels, the image and its channels.
    pill = widget(page, "explorer_gallery_pick").get_by_role("radio").nth(2)
    index = pill.inner_text().strip().lstrip("#")
    pill.click()
    expect(page.get_by_text(f"train[{index}]", exact=True)).to_be_visible(timeout=WAIT)
    expect(widget(page, "explorer_index").get_by_role("spinbutton")).to_have_value(index)
    close_up = widget(page, "explorer_close_image")
    close_up.scroll_into_view_if_needed()
    box = close_up.locator(".nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.6)
    expect(page.get_by_text(re.compile(r"R: \d+, G: \d+, B: \d+"))).to_be_visible()
    expect(widget(page, "explorer_channels").get_by_text("G (green)")).to_be_visible()
    page.screenshot(path=screenshot_dir / "explorer-3-close-up.png")
    widget(page, "explorer_channels").screenshot(path=screenshot_dir / "explorer-3-channels.png")

    # Statistics of one class: its average image, histograms, and mean/std per channel.
    choose(page, "explorer_stats_class", f"{FINE} / {FINE_TO_SUPER[FINE]}", type_it=True)
    expect(page.get_by_text("Average of 500 images")).to_be_visible(timeout=WAIT)
    widget(page, "explorer_histogram").scroll_into_view_if_needed()
    expect(widget(page, "explorer_histogram").get_by_text("pixel value (0-255)")).to_be_visible()
    page.screenshot(path=screenshot_dir / "explorer-3-statistics.png")
    class_means = page.get_by_test_id("stImage").last
    class_means.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "explorer-3-class-means.png")

    # Switch to Korean: the page and its charts speak Korean, the filter is kept.
    page.get_by_test_id("stSidebar").get_by_role("combobox").click()
    page.get_by_role("option", name="한국어").click()
    expect(page.get_by_role("heading", name="데이터 탐색기: 이미지와 레이블")).to_be_visible(
        timeout=WAIT)
    expect(page.get_by_text(ONE_CLASS)).to_have_count(12, timeout=WAIT)
    expect(widget(page, "explorer_channels").get_by_text("G (초록)")).to_be_visible()
    super_box = widget(page, "explorer_super").get_by_role("combobox")
    expect(super_box).to_have_value("모든 슈퍼클래스")  # not the English label left behind
    page.get_by_role("heading", name="2. 갤러리").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "explorer-4-korean.png")

    # A bad upload: a text file posing as the images. The message says so; nothing changes.
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
    page.get_by_test_id("stExpander").first.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "explorer-5-bad-upload.png")
