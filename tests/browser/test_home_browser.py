"""A student opens the app in Chromium: the home page in English, switched to Korean, and a
Korean link."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import shot, switch_language

pytestmark = pytest.mark.browser

OPEN = 60_000  # ms: the first visit loads the dataset


def open_home(page, url):
    page.goto(url)
    expect(page.get_by_role("heading", name=re.compile("CNN Lab"))).to_be_visible(timeout=OPEN)


def test_the_home_page_in_english(page, app_url, screenshot_dir):
    open_home(page, app_url)
    expect(page.get_by_text("Synthetic (offline)").first).to_be_visible()
    expect(page.get_by_text("7,500", exact=True)).to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)
    shot(page, screenshot_dir / "home-en.png")


def test_the_home_page_switched_to_korean(page, app_url, screenshot_dir):
    open_home(page, app_url)
    switch_language(page, "한국어")
    expect(page.get_by_role("heading", name=re.compile("합성곱 신경망"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"lang=ko"))
    shot(page, screenshot_dir / "home-ko.png")


def test_korean_link_opens_in_korean(page, app_url, screenshot_dir):
    page.goto(f"{app_url}/?lang=ko")
    expect(page.get_by_role("heading", name=re.compile("합성곱 신경망"))).to_be_visible(timeout=OPEN)
    expect(page.get_by_text("합성 데이터 (오프라인)").first).to_be_visible()
