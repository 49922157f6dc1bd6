"""Comparing the transfer lesson's arms: the numbers and sentences say what the histories show."""
from pathlib import Path

import pytest

from core.i18n import missing_keys
from core.engine.contract import (
    DoneEvent, EpochEvent, JobState, Phase, Snapshot, StartEvent, UnfreezeEvent,
)
from core.transfer import compare as arms
from tests.core.engine.test_jobs import make_config


def epoch(i, val_accuracy, t=None, partial=False, val_loss=1.0):
    return EpochEvent(epoch=i, loss=1.0, accuracy=0.5, val_loss=val_loss,
                      val_accuracy=val_accuracy, t=t if t is not None else 2.0 * (i + 1),
                      partial=partial)


def history(*accuracies, partial_last=False):
    return [epoch(i, a, partial=partial_last and i == len(accuracies) - 1)
            for i, a in enumerate(accuracies)]


def test_best_epoch_and_epochs_to_target():
    epochs = history(0.2, 0.45, 0.52, 0.61, 0.58)
    assert arms.best_epoch(epochs) == 4
    assert arms.epochs_to_target(epochs, 0.5) == 3
    assert arms.epochs_to_target(epochs, 0.45) == 2, "reaching means >="
    assert arms.epochs_to_target(epochs, 0.7) is None
    assert arms.best_epoch(history(0.3, 0.6, 0.6)) == 2, "the first of ties"
    assert arms.best_epoch([]) is None


def test_a_partial_epoch_of_a_stopped_run_is_not_counted():
    epochs = history(0.2, 0.3, 0.9, partial_last=True)
    assert arms.best_epoch(epochs) == 2 and arms.epochs_to_target(epochs, 0.5) is None


CONFIG = make_config("unused.npz")


def snapshot(accuracies, test, trainable, after=None, state=JobState.DONE):
    start = StartEvent(params=10_000, trainable=trainable, train_size=100, val_size=10,
                       test_size=10, steps=1, epochs=len(accuracies), device="CPU")
    return Snapshot(id=1, state=state, phase=Phase.ENDED, config=CONFIG, out_dir=Path("/tmp"),
                    created=0.0, start=start, epochs=tuple(history(*accuracies)),
                    unfreeze=UnfreezeEvent(epoch=1, trainable=after) if after else None,
                    result=DoneEvent(stopped=False, test_accuracy=test))


HISTORIES = {
    "scratch": snapshot([0.1, 0.2, 0.3, 0.38, 0.44, 0.47, 0.51], 0.49, 9000),
    "frozen": snapshot([0.35, 0.45, 0.48, 0.49, 0.5, 0.5, 0.5], 0.47, 500),
    "finetune": snapshot([0.36, 0.52, 0.55, 0.6, 0.63, 0.64, 0.65], 0.62, 500, 8500),
}


def test_compare_reads_each_arm():
    results = arms.compare(HISTORIES, 0.5)
    assert list(results) == ["scratch", "frozen", "finetune"]
    assert [r.epochs_to_target for r in results.values()] == [7, 5, 2]
    finetune = results["finetune"]
    assert finetune.best_epoch == 7 and finetune.best_val_accuracy == 0.65
    assert finetune.trainable == 500 and finetune.trainable_after == 8500
    assert finetune.seconds == 14.0 and finetune.epochs_run == 7
    assert results["frozen"].best_epoch == 5, "the first epoch at the plateau"


def test_the_sentence_says_what_happened_in_both_languages():
    results = arms.compare(HISTORIES, 0.5)
    english = arms.summary(results, 0.5, 7, "en")
    assert english[0] == ("Pretrained (fine-tuned) reached 50% validation accuracy in 2 "
                          "epochs, scratch in 7.")
    assert english[1] == "Final test accuracy: fine-tuned 62.0%, scratch 49.0%, frozen 47.0%."
    assert "Fine-tuning ended above the frozen extractor" in english[2]
    korean = arms.summary(results, 0.5, 7, "ko")
    assert "2 에포크" in korean[0] and "7 에포크" in korean[0] and "50%" in korean[0]
    assert "미세 조정 62.0%" in korean[1]


@pytest.mark.parametrize("target, words", [
    (0.4, "Pretrained (fine-tuned) reached 40% validation accuracy in 2 epochs, scratch in 5"),
    (0.62, "Pretrained (fine-tuned) reached 62% validation accuracy in 5 epochs; scratch did "
           "not reach it in 7 epochs"),
    (0.9, "No arm reached 90% validation accuracy in 7 epochs"),
])
def test_the_sentence_for_other_targets(target, words):
    assert words in arms.summary(arms.compare(HISTORIES, target), target, 7)[0]


def test_the_sentence_when_pretraining_did_not_help():
    histories = dict(HISTORIES, scratch=snapshot([0.55, 0.6], 0.6, 9000),
                     frozen=snapshot([0.3, 0.4], 0.4, 500),
                     finetune=snapshot([0.3, 0.52], 0.5, 500, 8500))
    sentences = arms.summary(arms.compare(histories, 0.5), 0.5, 2)
    assert sentences[0] == ("Scratch reached 50% validation accuracy in 1 epoch, pretrained "
                            "(fine-tuned) in 2: here pretraining did not get there sooner.")
    histories["finetune"] = snapshot([0.3, 0.4], 0.4, 500, 8500)
    sentences = arms.summary(arms.compare(histories, 0.5), 0.5, 2)
    assert sentences[0].startswith("Scratch reached 50% validation accuracy in 1 epoch; "
                                   "neither pretrained arm")
    assert "frozen extractor did at least as well" in sentences[2]


def test_a_failed_arm_has_no_numbers_but_the_rest_still_compare():
    failed = Snapshot(id=2, state=JobState.FAILED, phase=Phase.ENDED, config=CONFIG,
                      out_dir=Path("/tmp"), created=0.0)
    results = arms.compare(dict(HISTORIES, frozen=failed), 0.5)
    assert results["frozen"].test_accuracy is None and results["frozen"].best_epoch is None
    assert "frozen" not in arms.summary(results, 0.5, 7)[1]


def test_the_sentence_keys_exist_in_both_languages():
    assert missing_keys() == {}
