"""AppTest helpers: the app on an empty data folder (so the synthetic set is active)."""
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120  # seconds; the first run generates the dataset (and later pages load TensorFlow)


@pytest.fixture(autouse=True)
def empty_data_dir(tmp_path, server_settings):
    server_settings(data_dir=tmp_path)
    return tmp_path


@pytest.fixture(autouse=True)
def own_run_library(tmp_path_factory, monkeypatch):
    """Each test starts with an empty run library and no run of an earlier test's (AppTest
    sessions all have one id, and an identical Start would open that run): a run an
    earlier test finished is not opened (tests that want the library fill this one)."""
    from core import st_cache
    from core.engine.library import RunLibrary

    manager = st_cache.job_manager()
    for session in manager.sessions_holding():
        manager.forget_session(session)
    library = RunLibrary(tmp_path_factory.mktemp("library"))
    monkeypatch.setattr(manager, "library", library)
    return library


@pytest.fixture
def app():
    """A fresh AppTest of the entry point; `.run()` it, switch pages with switch_page."""
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=TIMEOUT)


@pytest.fixture
def course_dir_files():
    """Writes a tiny valid set of the four course files into a folder."""
    from tests.core.conftest import labels_csv, npy_bytes
    import numpy as np
    from core.data.course_files import COURSE_FILES

    def write(folder: Path):
        rng = np.random.default_rng(0)
        contents = {
            "train_images": npy_bytes(rng.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)),
            "test_images": npy_bytes(rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)),
            "train_labels": labels_csv(["otter", "seal", "fox", "mouse"] * 2),
            "test_labels": labels_csv(["otter", "seal", "fox", "mouse"]),
        }
        for role, name in COURSE_FILES.items():
            (folder / name).write_bytes(contents[role])
    return write


def follow(app, done, timeout=180):
    """Rerun the page (as a fragment's timer would: AppTest ticks none) until done(app)
    or the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.run()
        assert not app.exception, app.exception
        if done(app):
            return app
        time.sleep(0.5)
    raise TimeoutError("the page never showed what the test waited for")
