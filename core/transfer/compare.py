"""Comparing the transfer lesson's arms: what each measured, and sentences that say it.

`compare` turns the arms' job snapshots (core.engine.contract.Snapshot) into the
table's numbers (`ArmResult`), and `summary` into sentences in the student's language.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from core.i18n import translate
from core.engine.contract import EpochEvent, JobState, Snapshot
from core.transfer.lesson import ARMS, PRETRAINED_ARMS


@dataclass(frozen=True)
class ArmResult:
    """What one arm measured. Epochs count from 1; None where there is nothing to say."""
    arm: str
    state: JobState  # the job's: done, stopped, failed, or still active
    epochs_run: int  # complete epochs
    test_accuracy: float | None  # 0..1, the notebook's (predict(test).argmax(1) == y).mean()
    best_epoch: int | None  # the epoch of the highest validation accuracy
    best_val_accuracy: float | None
    final_val_accuracy: float | None
    epochs_to_target: int | None  # first epoch with validation accuracy >= target
    seconds: float | None  # training wall time: first batch to the end of the last epoch
    trainable: int | None  # trainable parameters at the start
    trainable_after: int | None  # fine-tuning: after unfreezing


def full_epochs(epochs) -> list[EpochEvent]:
    """Epoch events of complete epochs (a run stopped mid-epoch reports a partial one)."""
    return [e for e in epochs if not e.partial]


def best_epoch(epochs, metric: str = "val_accuracy") -> int | None:
    """1-based epoch with the highest `metric` (the first of ties); None without any."""
    values = [(getattr(e, metric), i) for i, e in enumerate(full_epochs(epochs))
              if getattr(e, metric) is not None and math.isfinite(getattr(e, metric))]
    return max(values, key=lambda v: (v[0], -v[1]))[1] + 1 if values else None


def epochs_to_target(epochs, target: float, metric: str = "val_accuracy") -> int | None:
    """1-based first epoch whose `metric` reaches `target` (0..1); None if none did."""
    for i, epoch in enumerate(full_epochs(epochs)):
        value = getattr(epoch, metric)
        if value is not None and value >= target:
            return i + 1
    return None


def arm_result(arm: str, snapshot: Snapshot, target: float) -> ArmResult:
    """The table's row for one arm's job snapshot."""
    epochs = full_epochs(snapshot.epochs)
    best = best_epoch(epochs)
    return ArmResult(
        arm=arm, state=snapshot.state, epochs_run=len(epochs),
        test_accuracy=snapshot.test_accuracy,
        best_epoch=best,
        best_val_accuracy=epochs[best - 1].val_accuracy if best else None,
        final_val_accuracy=epochs[-1].val_accuracy if epochs else None,
        epochs_to_target=epochs_to_target(epochs, target),
        seconds=epochs[-1].t if epochs else None,
        trainable=snapshot.start.trainable if snapshot.start else None,
        trainable_after=snapshot.unfreeze.trainable if snapshot.unfreeze else None)


def compare(snapshots: dict[str, Snapshot], target: float) -> dict[str, ArmResult]:
    """arm -> ArmResult for the arms that have a snapshot, in ARMS order."""
    return {arm: arm_result(arm, snapshots[arm], target) for arm in ARMS if arm in snapshots}


def _percent(value: float) -> str:
    return f"{100 * value:.0f}"


def summary(results: dict[str, ArmResult], target: float, epochs: int,
            lang: str = "en") -> list[str]:
    """Sentences from the measured numbers, e.g. "Pretrained (fine-tuned) reached 50%
    validation accuracy in 2 epochs, scratch in 7." and the final test accuracies."""
    arm_name = lambda arm: translate(f"transfer.arm.{arm}.short", lang)
    values = dict(target=_percent(target), epochs=epochs)
    pretrained = [r for a, r in results.items() if a in PRETRAINED_ARMS]
    reached = [r for r in pretrained if r.epochs_to_target is not None]
    fastest = min(reached, key=lambda r: (r.epochs_to_target, -(r.test_accuracy or 0)),
                  default=None)
    scratch = results.get("scratch")
    m = scratch.epochs_to_target if scratch else None
    if fastest and m is not None:
        key = "faster" if fastest.epochs_to_target < m else "not_faster"
        values.update(arm=arm_name(fastest.arm), n=fastest.epochs_to_target, m=m)
    elif fastest:
        key = "only_pretrained"
        values.update(arm=arm_name(fastest.arm), n=fastest.epochs_to_target)
    elif m is not None:
        key, values["m"] = "only_scratch", m
    else:
        key = "none"
    sentences = [translate(f"transfer.sentence.{key}", lang, **values)]
    tested = [r for r in results.values() if r.test_accuracy is not None]
    if tested:
        parts = ", ".join(translate("transfer.sentence.part", lang, arm=arm_name(r.arm),
                                    accuracy=f"{100 * r.test_accuracy:.1f}")
                          for r in sorted(tested, key=lambda r: -r.test_accuracy))
        sentences.append(translate("transfer.sentence.test", lang, parts=parts))
    frozen, finetune = results.get("frozen"), results.get("finetune")
    if (frozen and finetune and frozen.test_accuracy is not None
            and finetune.test_accuracy is not None):
        better = finetune.test_accuracy > frozen.test_accuracy
        key = "finetune_better" if better else "frozen_better"
        sentences.append(translate(f"transfer.sentence.{key}", lang))
    return sentences
