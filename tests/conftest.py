"""For every test: the run library the app would write (the setting library_dir) is a
folder of this test run's own, never the machine's shared one; the shipped library is
left as it is (its entries are for full-size runs, which no test trains)."""
import os
import tempfile

import pytest

os.environ.setdefault("CNNLAB_LIBRARY_DIR", tempfile.mkdtemp(prefix="cnnlab-test-library-"))


@pytest.fixture
def server_settings(monkeypatch):
    """Change this process's server settings (core.settings) for one test:
    `server_settings(train_max_images=200)`; calls add up, and the settings as the test
    found them come back after it."""
    from core import settings, st_cache

    st_cache.server_settings()  # read once first, so the server's own read cannot undo this

    def change(**changes):
        monkeypatch.setattr(settings, "_CURRENT", settings.current().replace(**changes))
        return settings.current()

    return change
