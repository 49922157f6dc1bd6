"""The active dataset: course files first, else the synthetic set, never a crash."""
from core.cifar import SOURCE_FILE as PROVENANCE_FILE
from core.sources import load_default


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
