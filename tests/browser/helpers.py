"""What every browser test does: find a keyed widget (never the stale copy Streamlit
keeps on screen while a rerun is going), wait for a rerun to end, type a number, pick
an option, check that no error is shown.

While the script reruns, Streamlit keeps the previous run's elements (data-stale="true")
next to the new ones, so a bare `.st-key-x` locator can match two elements and fail in
strict mode. `widget()` excludes the stale copy; `settle()` waits until none is left.
"""
import re

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

SETTLE_MS = 240_000  # ms: a rerun takes well under a second, but CI may be busy training


def widget(page, key: str):
    """The element with widget key `key` from the current run."""
    return page.locator(f".st-key-{key}:not([data-stale='true'])")


def settle(page, timeout: float = SETTLE_MS) -> None:
    """The script run has ended and every element on the page is from it."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=timeout)
    expect(page.locator("[data-stale='true']")).to_have_count(0, timeout=timeout)


def choose(page, key: str, option: str, type_it: bool = False) -> None:
    """Pick `option` in the selectbox with widget key `key`. `type_it` filters the list
    first, as a long list only renders the options that fit."""
    settle(page)
    for attempt in range(4):  # a rerun that lands meanwhile redraws the box and closes its
        # list: before the option shows, or between showing it and the click
        widget(page, key).get_by_role("combobox").click()
        if type_it:
            page.keyboard.type(option)
        item = page.get_by_role("option", name=option, exact=True)
        try:
            item.click(timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 3:
                raise
            page.keyboard.press("Escape")
            settle(page)
    settle(page)


def set_number(page, label: str, value) -> None:
    """Type `value` into the number field labelled `label` and wait for the rerun."""
    settle(page)
    field = page.get_by_label(label, exact=True)
    field.fill(str(value))
    field.press("Enter")
    expect(field).to_have_value(str(value))
    settle(page)


def switch_language(page, option: str) -> None:
    """Pick a language in the sidebar, as a student does ("English" or "한국어")."""
    page.get_by_test_id("stSidebar").get_by_role("combobox").click()
    page.get_by_role("option", name=option).click()


def no_error(page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("Traceback")).to_have_count(0)


def open_from_sidebar(page, url: str, link: str, heading: str,
                      timeout: float = SETTLE_MS) -> None:
    """Open the app's home page, then a lab page by its sidebar link, as a student does."""
    page.goto(url)
    expect(page.get_by_role("heading", name=re.compile("CNN Lab"))).to_be_visible(
        timeout=timeout)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=timeout)
    settle(page, timeout)


def to_top(locator) -> None:
    """Scroll so the element is at the top of the view (a screenshot shows what follows)."""
    locator.evaluate("element => element.scrollIntoView({block: 'start'})")


IMAGES_IN_VIEW_LOADED = """(root) => Array.from((root || document).querySelectorAll('img'))
    .filter(image => {
        const box = image.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
            && box.top < window.innerHeight && box.left < window.innerWidth;
    })
    .every(image => image.complete && image.naturalWidth > 0)"""


def no_skeleton(page, timeout: float = SETTLE_MS) -> None:
    """No grey placeholder left where an element is still to come."""
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout)


def shot(page, path, full: bool = True, live: bool = False, element=None) -> None:
    """A screenshot of what the student sees once the page has settled: the script run
    ended, no stale element, no grey skeleton placeholder, every image in view loaded,
    every font ready (the Korean glyphs). `full` grows the viewport to the whole page first
    (Streamlit scrolls inside stMain, so Playwright's full_page alone would show one
    screen); without it, the screen as the test scrolled it. `live`: a page whose fragment
    redraws by itself (a run training) never has a moment without a rerun, so only the
    placeholders and images are waited for. `element`: a locator; only that element is
    shot (scrolled into view; `full` is ignored)."""
    if not live:
        settle(page)
    no_skeleton(page)
    page.wait_for_function("() => document.fonts.ready.then(() => true)", timeout=SETTLE_MS)
    if element is not None:
        element.scroll_into_view_if_needed()
        element.wait_for(state="visible")
        page.wait_for_function(IMAGES_IN_VIEW_LOADED, arg=element.element_handle(),
                               timeout=SETTLE_MS)
        element.screenshot(path=path)
        return
    size = page.viewport_size
    if full:
        height = page.evaluate(
            "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
    try:
        # images load lazily once they are in view
        page.wait_for_function(IMAGES_IN_VIEW_LOADED, timeout=SETTLE_MS)
        page.screenshot(path=path)
    finally:
        if full:
            page.set_viewport_size(size)
