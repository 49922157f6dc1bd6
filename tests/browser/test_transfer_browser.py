"""An instructor runs the transfer lesson in Chromium: pretrain, save, load back, upload the
downloaded file, compare the three arms, then show the result in Korean.

Runs against the `train_app_url` server (CNNLAB_TRAIN_MAX_IMAGES: a few hundred images,
one job at a time) with the demo preset shortened to 1-2 epochs. Waits are on what the
instructor sees, never sleeps. Screenshots: test-artifacts/screenshots/transfer-*.png.
"""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import no_error, open_from_sidebar, set_number, settle

pytestmark = pytest.mark.browser

SLOW = 240_000  # ms: workers import TensorFlow on a busy 2-core machine, four runs in a row


IMAGES_LOADED = """() => [...document.querySelectorAll('[data-testid="stImage"] img')]
    .every(image => image.complete && image.naturalWidth > 0)"""


def to_top(locator) -> None:
    """Scroll so the element is at the top of the view (the screenshot shows what follows)."""
    locator.evaluate("element => element.scrollIntoView({block: 'start'})")


def load_back_and_compare(page) -> None:
    """Step 3: load the saved extractor back; every weight tensor is the same."""
    page.get_by_role("button", name="Load it back and compare").click()
    expect(page.get_by_text(re.compile(r"^Identical\. All 24 weight tensors"))).to_be_visible(
        timeout=SLOW)
    settle(page)
    page.wait_for_function(IMAGES_LOADED, timeout=SLOW)
    no_error(page)


def test_pretrain_save_load_compare(page, train_app_url, screenshot_dir, tmp_path):
    # The instructor opens the app and clicks the lab's step 3.
    open_from_sidebar(page, train_app_url, "3. Transfer learning",
                      "Transfer learning: reuse what a network learned", SLOW)
    expect(page.get_by_text("Language / 언어")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Demo mode: a run uses at most \d+"))).to_be_visible()
    set_number(page, "Pretraining epochs", 1)
    set_number(page, "Epochs per arm", 2)
    set_number(page, "Head-only epochs", 1)
    no_error(page)
    page.screenshot(path=screenshot_dir / "transfer-1-settings.png", full_page=True)

    # 1. Pretrain, with the training page's live panel.
    page.get_by_role("button", name="Pretrain (width 16)").click()
    expect(page.get_by_text(re.compile(r"Finished\. Test accuracy"))).to_be_visible(timeout=SLOW)
    settle(page)
    no_error(page)
    to_top(page.get_by_role("heading", name="1. Pretrain the extractor on the superclasses"))
    page.screenshot(path=screenshot_dir / "transfer-2-pretrained.png", full_page=True)

    # 2. Saved: what is in the file; download it.
    expect(page.get_by_text(re.compile(r"Inside the zip: .*model\.weights\.h5"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the extractor (.keras)").click()
    saved = tmp_path / "downloaded.keras"
    download.value.save_as(saved)
    assert saved.stat().st_size > 10_000

    # 3. Load it back: identical to the trained model's extractor.
    load_back_and_compare(page)
    to_top(page.get_by_role("heading", name="3. Load it back and check it is the same"))
    page.screenshot(path=screenshot_dir / "transfer-3-loaded.png", full_page=True)

    # The downloaded file, uploaded back, is the same extractor; an .h5 is refused.
    page.get_by_text("A .keras file you upload").click()
    uploader = page.get_by_test_id("stFileUploaderDropzoneInput")
    uploader.set_input_files(files=[{"name": "old.h5", "mimeType": "application/octet-stream",
                                     "buffer": b"\x89HDF\r\n\x1a\n" + bytes(64)}])
    expect(page.get_by_text("old.h5: .h5 files are not accepted")).to_be_visible(timeout=SLOW)
    uploader.set_input_files(files=[{"name": "downloaded.keras",
                                     "mimeType": "application/octet-stream",
                                     "buffer": saved.read_bytes()}])
    expect(page.get_by_text("In use: your upload downloaded.keras.")).to_be_visible(timeout=SLOW)
    settle(page)
    load_back_and_compare(page)
    to_top(page.get_by_text("In use: your upload downloaded.keras."))
    page.screenshot(path=screenshot_dir / "transfer-4-uploaded.png", full_page=True)

    # 4-5. A new head; the three arms queued on the same data, then the comparison.
    expect(page.get_by_role("heading", name="4. A new head for the fine classes")).to_be_visible()
    page.get_by_role("button", name="Train the three arms").click()
    expect(page.get_by_text(re.compile(r"waiting in the queue|Epoch \d+/2"))
           .first).to_be_visible(timeout=SLOW)
    to_top(page.get_by_text("These arms reuse your uploaded extractor."))
    page.screenshot(path=screenshot_dir / "transfer-5-arms-running.png", full_page=True)
    expect(page.get_by_text(re.compile(r"^Final test accuracy:"))).to_be_visible(timeout=SLOW)
    expect(page.get_by_text(re.compile(r"^Fair by construction"))).to_be_visible()
    expect(page.get_by_text("These arms reuse your uploaded extractor.")).to_be_visible()
    settle(page)
    no_error(page)
    to_top(page.get_by_text("These arms reuse your uploaded extractor."))
    page.screenshot(path=screenshot_dir / "transfer-6-compared.png", full_page=True)

    # The same session in Korean: the results stay, every text is translated.
    page.get_by_test_id("stSidebar").get_by_role("combobox").click()
    page.get_by_role("option", name="한국어").click()
    expect(page.get_by_role("heading", name="5. 비교: 처음부터 학습, 고정, 미세 조정")
           ).to_be_visible(timeout=SLOW)
    expect(page.get_by_text(re.compile(r"^최종 테스트 정확도:"))).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("이 방식들은 업로드한 특징 추출기를 재사용합니다.")).to_be_visible()
    expect(page.locator(".st-key-transfer_source")).to_contain_text("업로드한 .keras 파일")
    expect(page.get_by_text(re.compile(r"\btransfer\.[a-z_.]+\b"))).to_have_count(0)
    settle(page)
    no_error(page)
    to_top(page.get_by_text("이 방식들은 업로드한 특징 추출기를 재사용합니다."))
    page.screenshot(path=screenshot_dir / "transfer-7-korean.png", full_page=True)
