"""For every test: the run library the app would write (core.config.LIBRARY_DIR) is a
folder of this test run's own, never the machine's shared one; the shipped library is
left as it is (its entries are for full-size runs, which no test trains)."""
import os
import tempfile

os.environ.setdefault("CNNLAB_LIBRARY_DIR", tempfile.mkdtemp(prefix="cnnlab-test-library-"))
