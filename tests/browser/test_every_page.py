"""Every registered page opens in Chromium in English and Korean, with no exception shown."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import shot
from ui.steps import HOME, STEPS

pytestmark = pytest.mark.browser

PAGES = [("home", "")] + [(step.url, step.url) for step in STEPS]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("name, url", PAGES, ids=[name for name, _ in PAGES])
def test_page_opens(page, app_url, screenshot_dir, name, url, lang):
    page.goto(f"{app_url}/{url}?lang={lang}")
    expect(page.get_by_test_id("stMainBlockContainer").get_by_role("heading").first
           ).to_be_visible(timeout=90_000)
    # Wait until the script run has finished before judging the page.
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=90_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("Traceback")).to_have_count(0)
    if lang == "ko":  # the page is really in Korean, not just the sidebar
        expect(page.get_by_test_id("stMainBlockContainer").get_by_text(
            re.compile("[\uac00-\ud7a3]")).first).to_be_visible()
    shot(page, screenshot_dir / f"page-{name}-{lang}.png")


def test_shared_link_is_the_first_request_of_a_fresh_server(browser, tmp_path, screenshot_dir):
    """A cold server whose first visitor follows a link straight to a lab page still
    runs the whole app: sidebar, language switch and navigation. (Streamlit treats a
    folder named pages/ as its old multipage layout until st.navigation has run once;
    our pages live in app_pages/ so that never happens.)"""
    from tests.browser.conftest import free_port, start_server, wait_healthy

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    port = free_port()
    server = start_server(data_dir, port)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server)
        page = browser.new_page(viewport={"width": 1366, "height": 1200})
        try:
            page.goto(f"http://127.0.0.1:{port}/calculator?lang=ko")
            sidebar = page.get_by_test_id("stSidebar")
            expect(sidebar.get_by_text("Language / 언어")).to_be_visible(timeout=90_000)
            expect(page.get_by_test_id("stSidebarNav").get_by_role(
                "link", name=re.compile("^0\\."))).to_be_visible()
            shot(page, screenshot_dir / "fresh-server-deep-link.png", full=False)
        finally:
            page.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
