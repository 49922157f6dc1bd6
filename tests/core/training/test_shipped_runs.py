"""The run library the repository ships (assets/runs/, `python -m core seed-runs`): a
student's default Start on the synthetic dataset opens each notebook run at once."""
import pytest

from core.config import SHIPPED_RUNS
from core.data import synthetic
from core.engine.contract import DataRef, JobConfig
from core.engine.library import RunLibrary
from core.training.plan import DEFAULTS, plan
from core.training.seed import SEEDED


@pytest.mark.parametrize("model", SEEDED)
def test_each_notebook_run_ships_for_the_pages_defaults(model):
    settings = plan(dict(DEFAULTS, model=model), train_size=7500).settings
    names = tuple(sorted(synthetic.FINE_CLASSES_BY_SUPER))  # the superclass target's names
    config = JobConfig(settings, DataRef("unused.npz", synthetic.identity(0), names))
    found, skipped = RunLibrary(None, shipped=(SHIPPED_RUNS,)).find(config)
    assert skipped == [] and found is not None, f"assets/runs lacks {model}: seed it again"
    assert found.entry.epochs[-1].epoch + 1 == DEFAULTS["epochs"]
    assert 1 / 3 < found.entry.result.test_accuracy <= 1, "above chance"
