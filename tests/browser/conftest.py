"""A real `streamlit run` on a free localhost port, and Chromium driven by Playwright.

Browser tests never skip: without a Chromium they fail and say how to get one.
Screenshots go to test-artifacts/screenshots/ (printed at the end of the run).
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--no-first-run"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium",
                      "/usr/bin/chromium-browser", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None  # Playwright's own browser, if `playwright install chromium` put one there


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, port: int, env_extra: dict | None = None) -> subprocess.Popen:
    env = dict(os.environ, CNNLAB_DATA_DIR=str(data_dir), **(env_extra or {}))
    log = open(data_dir.parent / f"streamlit-{port}.log", "w")
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout} s")


def serve(tmp_path_factory, name: str, env_extra: dict | None = None):
    """Run the app on an empty data folder (the synthetic dataset); yields its URL."""
    data_dir = tmp_path_factory.mktemp(name) / "data"
    data_dir.mkdir()
    port = free_port()
    library = data_dir.parent / "library"  # each server its own run library
    process = start_server(data_dir, port, {"CNNLAB_LIBRARY_DIR": str(library),
                                            **(env_extra or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """URL of a server running the app on the synthetic dataset."""
    yield from serve(tmp_path_factory, "browser")


TRAIN_MAX_IMAGES = 300  # the training server's cap: a run of a few seconds
INSTRUCTOR_KEY = "browser-teacher-key-92"  # the training server's instructor key


@pytest.fixture(scope="session")
def train_app_url(tmp_path_factory):
    """URL of a second server whose training jobs use at most TRAIN_MAX_IMAGES images
    (CNNLAB_TRAIN_MAX_IMAGES) and run one at a time, so a second session queues; it has an
    instructor's key, as a course's server would."""
    yield from serve(tmp_path_factory, "browser-train", {
        "CNNLAB_TRAIN_MAX_IMAGES": str(TRAIN_MAX_IMAGES), "CNNLAB_MAX_JOBS": "1",
        "CNNLAB_INSTRUCTOR_KEY": INSTRUCTOR_KEY,  # a course's server: the lane exists
        # Edits elsewhere in the repository while the journey runs must not reload it.
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"})


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=chromium_path(),
                                                 args=CHROMIUM_ARGS, headless=True)
        except Exception as err:  # a failure, never a silent skip
            pytest.fail(f"No Chromium could be started ({err}). Run `bash scripts/test.sh`, "
                        "which installs Debian's chromium, or set CHROMIUM_PATH.")
        yield browser
        browser.close()


@contextmanager
def student(browser):
    """A browser of its own (a new context: its own Streamlit session) with one page."""
    context = browser.new_context(viewport={"width": 1366, "height": 1600})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser):
    with student(browser) as page:
        yield page


@pytest.fixture(scope="module")
def module_page(browser):
    """One page shared by a module's tests, for a state too slow to build per test (a
    trained run, a pretrained extractor): its fixtures build it step by step, once."""
    with student(browser) as page:
        yield page


@pytest.fixture(scope="session")
def screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOTS.is_dir() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOTS}")
