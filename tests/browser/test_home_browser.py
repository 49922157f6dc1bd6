"""A student opens the app in Chromium: home page in English, then in Korean."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_home_in_both_languages(page, app_url, screenshot_dir):
    page.goto(app_url)
    expect(page.get_by_role("heading", name=re.compile("CNN Lab"))).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Synthetic (offline)").first).to_be_visible()
    expect(page.get_by_text("7,500", exact=True)).to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "home-en.png", full_page=True)

    page.get_by_test_id("stSidebar").get_by_role("combobox").click()
    page.get_by_role("option", name="한국어").click()
    expect(page.get_by_role("heading", name=re.compile("합성곱 신경망"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"lang=ko"))
    page.screenshot(path=screenshot_dir / "home-ko.png", full_page=True)


def test_korean_link_opens_in_korean(page, app_url, screenshot_dir):
    page.goto(f"{app_url}/?lang=ko")
    expect(page.get_by_role("heading", name=re.compile("합성곱 신경망"))).to_be_visible(timeout=60_000)
    expect(page.get_by_text("합성 데이터 (오프라인)").first).to_be_visible()
