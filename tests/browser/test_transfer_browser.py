"""An instructor runs the transfer lesson in Chromium: pretrain, save, load back, upload the
downloaded file, compare the three arms, then show the result in Korean.

Runs against the `train_app_url` server (CNNLAB_TRAIN_MAX_IMAGES: a few hundred images,
one job at a time) with the demo preset shortened to 1-2 epochs. One test per behaviour;
the expensive states (a pretrained extractor, the uploaded copy, the three arms) are built
once by the module's fixtures on one page, so a failing test does not hide the others.
The tests keep the file's order, and each one also runs alone. Waits are on what the
instructor sees, never sleeps. Screenshots: test-artifacts/screenshots/transfer-*.png.
"""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (no_error, open_from_sidebar, set_number, settle, shot,
                                  switch_language, to_top)

pytestmark = pytest.mark.browser

SLOW = 240_000  # ms: workers import TensorFlow on a busy 2-core machine, four runs in a row
FINISHED = re.compile(r"Finished\. Test accuracy")
IN_USE = "In use: your upload downloaded.keras."
REUSED = "These arms reuse your uploaded extractor."
IMAGES_LOADED = """() => [...document.querySelectorAll('[data-testid="stImage"] img')]
    .every(image => image.complete && image.naturalWidth > 0)"""


def section_shot(page, locator, path, live: bool = False) -> None:
    """The screen from `locator` down, once the page has settled."""
    if not live:
        settle(page)
    to_top(locator)
    shot(page, path, full=False, live=live)


def use_source(page, label: str) -> None:
    """Step 3's extractor radio on `label` (choosing the chosen one changes nothing)."""
    page.get_by_text(label, exact=True).click()
    expect(page.get_by_role("radio", name=label)).to_be_checked()
    settle(page)


def load_back_and_compare(page) -> None:
    """Step 3: load the saved extractor back; every weight tensor is the same."""
    page.get_by_role("button", name="Load it back and compare").click()
    expect(page.get_by_text(re.compile(r"^Identical\. All 24 weight tensors"))).to_be_visible(
        timeout=SLOW)
    settle(page)
    page.wait_for_function(IMAGES_LOADED, timeout=SLOW)
    no_error(page)


# ---- the states, built once ------------------------------------------------------------
@pytest.fixture(scope="module")
def lesson(module_page, train_app_url):
    """The instructor opens the app, clicks the lab's step 3 and shortens the demo preset."""
    page = module_page
    open_from_sidebar(page, train_app_url, "3. Transfer learning",
                      "Transfer learning: reuse what a network learned", SLOW)
    set_number(page, "Pretraining epochs", 1)
    set_number(page, "Epochs per arm", 2)
    set_number(page, "Head-only epochs", 1)
    return page


@pytest.fixture(scope="module")
def pretrained(lesson):
    """Step 1 done: the extractor pretrained (and saved by the worker)."""
    lesson.get_by_role("button", name="Pretrain (width 16)").click()
    expect(lesson.get_by_text(FINISHED)).to_be_visible(timeout=SLOW)
    settle(lesson)
    return lesson


@pytest.fixture(scope="module")
def downloaded(pretrained, tmp_path_factory):
    """Step 2's download button: the extractor file as the instructor's browser saves it."""
    with pretrained.expect_download() as download:
        pretrained.get_by_role("button", name="Download the extractor (.keras)").click()
    saved = tmp_path_factory.mktemp("transfer-download") / "downloaded.keras"
    download.value.save_as(saved)
    return saved


@pytest.fixture(scope="module")
def uploaded(pretrained, downloaded):
    """Step 3 reuses the downloaded file, uploaded back."""
    page = pretrained
    use_source(page, "A .keras file you upload")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(files=[{
        "name": "downloaded.keras", "mimeType": "application/octet-stream",
        "buffer": downloaded.read_bytes()}])
    expect(page.get_by_text(IN_USE)).to_be_visible(timeout=SLOW)
    settle(page)
    return page


@pytest.fixture(scope="module")
def arms_started(uploaded):
    """Steps 4-5: the three arms queued on the uploaded extractor."""
    page = uploaded
    expect(page.get_by_role("heading", name="4. A new head for the fine classes")).to_be_visible()
    page.get_by_role("button", name="Train the three arms").click()
    expect(page.get_by_text(re.compile(r"waiting in the queue|Epoch \d+/2"))
           .first).to_be_visible(timeout=SLOW)
    return page


@pytest.fixture(scope="module")
def compared(arms_started):
    """The three arms have ended: the comparison is shown."""
    expect(arms_started.get_by_text(re.compile(r"^Final test accuracy:"))).to_be_visible(
        timeout=SLOW)
    settle(arms_started)
    return arms_started


@pytest.fixture
def in_korean(compared):
    """The compared lesson switched to Korean, and back to English afterwards for the tests
    that may follow."""
    switch_language(compared, "한국어")
    yield compared
    switch_language(compared, "English")
    expect(compared.get_by_role("heading", name="5. Compare: from scratch, frozen, fine-tuned")
           ).to_be_visible(timeout=SLOW)
    settle(compared)


# ---- the behaviours, in the order the lesson goes ----------------------------------------
def test_the_demo_preset_can_be_shortened(lesson, screenshot_dir):
    for label, value in (("Pretraining epochs", "1"), ("Epochs per arm", "2"),
                         ("Head-only epochs", "1")):
        expect(lesson.get_by_role("spinbutton", name=label)).to_have_value(value)
    expect(lesson.get_by_text(re.compile(r"train it on the 3 superclasses for 1 epoch\b"))
           ).to_be_visible()
    expect(lesson.get_by_text(re.compile(r"Class setting: a run uses at most \d+"))).to_be_visible()
    no_error(lesson)
    shot(lesson, screenshot_dir / "transfer-1-settings.png", full=False)


def test_pretraining_shows_the_live_panel_and_finishes(pretrained, screenshot_dir):
    expect(pretrained.get_by_text(FINISHED)).to_be_visible()
    no_error(pretrained)
    section_shot(pretrained, pretrained.get_by_role(
        "heading", name="1. Pretrain the extractor on the superclasses"),
        screenshot_dir / "transfer-2-pretrained.png")


def test_the_saved_extractor_is_described_and_downloads(pretrained, downloaded):
    expect(pretrained.get_by_text(re.compile(r"Inside the zip: .*model\.weights\.h5"))
           ).to_be_visible()
    assert downloaded.stat().st_size > 10_000


def test_the_extractor_loaded_back_is_identical(pretrained, screenshot_dir):
    use_source(pretrained, "The one you pretrained in step 1")
    load_back_and_compare(pretrained)
    section_shot(pretrained, pretrained.get_by_role(
        "heading", name="3. Load it back and check it is the same"),
        screenshot_dir / "transfer-3-loaded.png")


def test_an_h5_file_is_refused(pretrained, screenshot_dir):
    page = pretrained
    use_source(page, "A .keras file you upload")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(files=[{
        "name": "old.h5", "mimeType": "application/octet-stream",
        "buffer": b"\x89HDF\r\n\x1a\n" + bytes(64)}])
    refusal = page.get_by_text("old.h5: .h5 files are not accepted")
    expect(refusal).to_be_visible(timeout=SLOW)
    no_error(page)
    section_shot(page, page.get_by_role("heading", name="3. Load it back and check it is the same"),
                 screenshot_dir / "transfer-4-h5-refused.png")


def test_the_downloaded_file_uploaded_back_is_the_same_extractor(uploaded, screenshot_dir):
    load_back_and_compare(uploaded)
    section_shot(uploaded, uploaded.get_by_text(IN_USE),
                 screenshot_dir / "transfer-4-uploaded.png")


def test_the_three_arms_queue_on_the_uploaded_extractor(arms_started, screenshot_dir):
    expect(arms_started.get_by_text(REUSED)).to_be_visible()
    for arm in ("From scratch", "Frozen extractor", "Fine-tuned"):
        expect(arms_started.get_by_text(re.compile(rf"^{arm} · ")).first).to_be_visible()
    no_error(arms_started)
    section_shot(arms_started, arms_started.get_by_text(REUSED),
                 screenshot_dir / "transfer-5-arms-running.png", live=True)


def test_the_comparison_is_fair_and_names_the_extractor(compared, screenshot_dir):
    expect(compared.get_by_text(re.compile(r"^Final test accuracy:"))).to_be_visible()
    expect(compared.get_by_text(re.compile(r"^Fair by construction"))).to_be_visible()
    expect(compared.get_by_text(REUSED)).to_be_visible()
    no_error(compared)
    section_shot(compared, compared.get_by_text(REUSED),
                 screenshot_dir / "transfer-6-compared.png")


def test_the_results_stay_in_korean(in_korean, screenshot_dir):
    """The same session in Korean: the results stay, every text is translated."""
    page = in_korean
    expect(page.get_by_role("heading", name="5. 비교: 처음부터 학습, 고정, 미세 조정")
           ).to_be_visible(timeout=SLOW)
    expect(page.get_by_text(re.compile(r"^최종 테스트 정확도:"))).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("이 방식들은 업로드한 특징 추출기를 재사용합니다.")).to_be_visible()
    expect(page.locator(".st-key-transfer_source")).to_contain_text("업로드한 .keras 파일")
    expect(page.get_by_text(re.compile(r"\btransfer\.[a-z_.]+\b"))).to_have_count(0)
    no_error(page)
    section_shot(page, page.get_by_text("이 방식들은 업로드한 특징 추출기를 재사용합니다."),
                 screenshot_dir / "transfer-7-korean.png")
