"""Seeding the run library: the notebook's runs at the page's defaults, trained once,
found by the same Start a student makes."""
import pytest

from core.training.arrays import job_config
from core.engine.library import RunLibrary
from core.engine.manager import JobManager
from core.training.seed import SEEDED, seed_runs, seed_settings
from tests.core.transfer.test_pretrain import small_dataset

pytestmark = pytest.mark.slow


def test_the_seeded_models_are_the_notebooks_that_train():
    assert SEEDED == ("stride", "stride_pool_fixed", "super_model")


def test_seeded_runs_open_for_a_students_start(tmp_path):
    dataset = small_dataset(0)
    lines = []
    folders = seed_runs(dataset, tmp_path / "runs", models=("stride",), max_images=60,
                        report=lines.append)
    assert len(folders) == 1 and (folders[0] / "model.keras").is_file()
    assert any("test accuracy" in line for line in lines)
    again = seed_runs(dataset, tmp_path / "runs", models=("stride",), max_images=60,
                      report=lines.append)
    assert again == folders and "already in the library" in lines[-1]
    # A server that ships this library opens the run for a student's identical Start.
    settings = seed_settings(dataset, ("stride",), max_images=60)["stride"].settings
    manager = JobManager(max_running=1, warm=False, root=tmp_path / "jobs",
                         library=RunLibrary(tmp_path / "own", shipped=(tmp_path / "runs",)))
    try:
        submitted = manager.submit("student", job_config(dataset, settings, manager.root))
        assert submitted.how == "library" and submitted.job.out_dir == folders[0]
    finally:
        manager.shutdown()
