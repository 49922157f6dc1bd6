"""The runs table, and the notebook's pooling comparison done fairly.

The notebook trains its stride model (61.1% test accuracy), then builds `model_pool`,
the same model with MaxPool2D after each block. That cell fails (core.stack.keras_errors),
so `model_pool` never trains; its evaluation line raises an error and prints no number;
and the notebook concludes that pooling did better for the time it cost. Nothing was
measured for pooling, so that conclusion does not follow. A fair comparison trains
both ideas, the stride model and the fixed pooling model (strides 1, pooling alone
shrinks), on the same data with the same settings and seed, and sets their accuracy
beside what each cost.

`run_row(snapshot)` is one ended run as the table shows it (the shape engine counts its
parameters and work: core.training.regularise.model_layers); `differences(a, b)` names
the settings two runs differ in; `fair_pair(choices)` the two runs of the fair
comparison; `fair_result(a, b)` what it measured; `notebook_facts()` the numbers of the
notebook's comparison, computed.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import NamedTuple

from core.stack import presets
from core.stack.keras_errors import keras_error
from core.stack.shapes import summarize, totals
from core.engine.contract import RunSettings, Snapshot
from core.training.regularise import best_epoch, model_layers

FAIR_MODELS = ("stride", "stride_pool_fixed")  # the notebook's two ideas, both trainable
NOTEBOOK_STRIDE_ACCURACY = 0.61067  # what the notebook printed: "Except pooling model : 61.067%"
NOT_SETTINGS = ("layers", "input_shape", "n_classes")  # follow from model and target


class RunRow(NamedTuple):
    """One ended run, as the runs table shows it."""
    id: int
    settings: RunSettings
    test_accuracy: float | None  # None: no model was saved
    params: int
    macs: int  # forward multiply-accumulates per image
    seconds: float | None  # training time, from the first batch to the last epoch
    epochs: int  # whole epochs trained
    early_stop: bool  # early stopping ended it before settings.epochs
    best_epoch: int | None  # 1-based: the epoch whose weights early stopping kept


def run_row(snapshot: Snapshot) -> RunRow:
    settings = snapshot.settings
    cost = totals(summarize(settings.input_shape, model_layers(settings)))
    done = snapshot.full_epochs
    stopped_by_student = bool(snapshot.result and snapshot.result.stopped)
    early = (bool(settings.early_stopping) and snapshot.result is not None
             and not stopped_by_student and len(done) < settings.epochs)
    best = best_epoch(done) if settings.early_stopping else None
    return RunRow(snapshot.id, settings, snapshot.test_accuracy,
                  snapshot.start.params if snapshot.start else cost.params, cost.macs,
                  snapshot.epochs[-1].t if snapshot.epochs else None, len(done), early,
                  None if best is None else best + 1)


def differences(a: RunSettings, b: RunSettings) -> list[str]:
    """The settings (RunSettings field names) in which two runs differ; the layers count
    only for stacks from the calculator (a preset's follow from its name)."""
    left, right = asdict(a), asdict(b)
    changed = [name for name in left if name not in NOT_SETTINGS and left[name] != right[name]]
    if a.model == b.model == "calculator" and a.layers != b.layers:
        changed.append("layers")
    return changed


def fair_pair(choices: dict) -> dict[str, dict]:
    """model -> the page's choices for it: the two ideas, everything else the same."""
    return {model: dict(choices, model=model) for model in FAIR_MODELS}


class FairResult(NamedTuple):
    fair: bool  # the two runs differ in the model alone
    differ: list[str]  # what else differs, when not fair
    macs_ratio: float  # pooling's work over the stride model's
    seconds_ratio: float | None  # training time, the same way
    accuracy_points: float | None  # pooling's test accuracy minus the stride model's, in points


def fair_result(stride: RunRow, pooling: RunRow) -> FairResult:
    """What the fair comparison measured (rows of a stride and a fixed pooling run)."""
    differ = [d for d in differences(stride.settings, pooling.settings) if d != "model"]
    seconds = (pooling.seconds / stride.seconds if pooling.seconds and stride.seconds
               else None)
    points = (100 * (pooling.test_accuracy - stride.test_accuracy)
              if None not in (pooling.test_accuracy, stride.test_accuracy) else None)
    return FairResult(not differ, differ, pooling.macs / stride.macs, seconds, points)


def notebook_facts() -> dict:
    """The notebook's comparison in numbers: where model_pool failed, what it would have
    cost, what the stride model scored."""
    failing = keras_error(*presets.preset("stride_pool"))
    per_block = (len(presets.stride_pool()) - 2) // presets.BLOCKS  # Conv2D, BN, ReLU, pool
    macs = {model: totals(summarize(*presets.preset(model))).macs for model in FAIR_MODELS}
    return {"layer": failing.layer, "block": (failing.layer - 1) // per_block + 1,
            "stride_accuracy": f"{100 * NOTEBOOK_STRIDE_ACCURACY:.1f}",
            "ratio": f"{macs['stride_pool_fixed'] / macs['stride']:.1f}"}
