"""The runs table's rows and the fair comparison's arithmetic, from snapshots built by hand."""
import dataclasses

import pytest

from core.engine.contract import (
    DataRef, DoneEvent, EpochEvent, JobConfig, JobState, Phase, Snapshot, StartEvent,
)
from core.training.plan import DEFAULTS, plan
from core.training.runs_table import (
    differences, fair_pair, fair_result, notebook_facts, run_row,
)


def settings(**changes):
    return plan(dict(DEFAULTS, **changes), train_size=7500).settings


def run(run_id=1, val_losses=(1.0, 0.8, 0.9), accuracy=0.6, stopped=False, **changes):
    """An ended run whose epochs have these validation losses (one epoch each, 10 s)."""
    epochs = tuple(EpochEvent(epoch=i, t=10.0 * (i + 1), partial=False, loss=0.5,
                              accuracy=0.9, val_loss=v, val_accuracy=0.6)
                   for i, v in enumerate(val_losses))
    config = JobConfig(settings(**changes), DataRef("/d.npz", "f", ("a", "b", "c")))
    start = StartEvent(params=114_371, trainable=113_859, train_size=6750, val_size=750,
                       test_size=1500, steps=34, epochs=config.settings.epochs, device="CPU")
    return Snapshot(id=run_id, state=JobState.STOPPED if stopped else JobState.DONE,
                    phase=Phase.ENDED, config=config, out_dir="/x", created=0.0, start=start,
                    epochs=epochs, result=DoneEvent(stopped=stopped, test_accuracy=accuracy))


def test_a_row_holds_accuracy_cost_time_and_epochs():
    row = run_row(run())
    assert (row.test_accuracy, row.params, row.macs) == (0.6, 114_371, 3_539_712)
    assert (row.seconds, row.epochs, row.early_stop, row.best_epoch) == (30.0, 3, False, None)


def test_early_stopping_is_read_from_the_curves():
    row = run_row(run(early_stopping=1, epochs=20))
    assert row.early_stop and row.best_epoch == 2 and row.epochs == 3
    assert not run_row(run(early_stopping=1, epochs=20, stopped=True)).early_stop, "Stop"
    assert not run_row(run(early_stopping=5, epochs=3)).early_stop, "ran every epoch"


def test_the_fair_pair_differs_in_the_model_alone():
    choices = dict(DEFAULTS, epochs=5, dropout=0.5)
    pair = fair_pair(choices)
    assert list(pair) == ["stride", "stride_pool_fixed"]
    stride, pooling = (plan(c, train_size=7500).settings for c in pair.values())
    assert differences(stride, pooling) == ["model"]
    assert differences(stride, dataclasses.replace(stride, seed=1, epochs=6)) == ["epochs", "seed"]


def test_what_the_fair_comparison_measured():
    stride = run_row(run(1, accuracy=0.665))
    pooling = run_row(run(2, accuracy=0.919, model="stride_pool_fixed"))
    result = fair_result(stride, pooling)
    assert result.fair and result.differ == []
    assert result.macs_ratio == pytest.approx(14_156_544 / 3_539_712)
    assert result.accuracy_points == pytest.approx(25.4) and result.seconds_ratio == 1.0
    other = run_row(run(3, model="stride_pool_fixed", seed=7))
    assert fair_result(stride, other).differ == ["seed"]


def test_the_notebooks_comparison_in_numbers():
    assert notebook_facts() == {"layer": 12, "block": 3, "stride_accuracy": "61.1",
                                "ratio": "4.0"}
