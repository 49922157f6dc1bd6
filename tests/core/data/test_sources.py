"""The active dataset: course files first, else the synthetic set, never a crash."""
import subprocess
import sys

from core.data.cifar import SOURCE_FILE as PROVENANCE_FILE
from core.data.summary import DataSummary
from core.data.sources import load_default, quick_summary


def test_empty_data_dir_gives_synthetic(tmp_path):
    active = load_default(tmp_path)
    assert active.dataset.synthetic and active.problem is None
    assert active.dataset.x_train.shape == (7500, 32, 32, 3)


def test_course_files_win(course_dir):
    active = load_default(course_dir)
    assert active.dataset.source == "course" and active.problem is None


def test_provenance_names_cifar(course_dir):
    (course_dir / PROVENANCE_FILE).write_text('{"source": "cifar100"}')
    assert load_default(course_dir).dataset.source == "cifar100"


def test_broken_course_file_falls_back_and_says_why(course_dir):
    (course_dir / "10_train.npy").write_bytes(b"not numpy")
    active = load_default(course_dir)
    assert active.dataset.synthetic
    assert active.problem.code == "not_npy"


def test_quick_summary_is_what_loading_gives(tmp_path):
    """The home page shows the summary before the synthetic set exists: it must match."""
    quick = quick_summary(tmp_path)
    loaded = DataSummary.of(load_default(tmp_path).dataset)
    assert (quick.source, quick.detail, quick.n_train, quick.n_test) == \
        (loaded.source, loaded.detail, loaded.n_train, loaded.n_test)
    assert quick.fine_to_super == loaded.fine_to_super
    assert quick.super_classes == loaded.super_classes and quick.fine_classes == loaded.fine_classes


def test_no_quick_summary_when_course_files_must_be_read(course_dir):
    assert quick_summary(course_dir) is None


def test_a_cold_home_page_imports_neither_numpy_nor_pandas():
    """What the home page and sidebar import to show the summary (cold start, issue 7)."""
    code = ("import sys, core.st_cache, ui.home.data_status, core.data.sources as s; "
            "s.quick_summary(); print(sorted(m for m in ('numpy', 'pandas') if m in sys.modules))")
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True).stdout.strip()
    assert imported == "['numpy']"  # the class tree's module; pandas waits for the data
