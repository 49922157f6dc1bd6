"""Evaluation from test probabilities, checked against examples worked out by hand."""
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from core.training import evaluation
from core.engine.contract import BatchEvent, EpochEvent, JobState, Phase, Snapshot, StartEvent
from core.engine.progress import clock, progress
from tests.core.engine.test_jobs import make_config

PROBS = np.array([  # 6 test images, 3 classes
    [0.7, 0.2, 0.1],  # true 0, predicted 0
    [0.3, 0.6, 0.1],  # true 0, predicted 1 (wrong, 0.6)
    [0.1, 0.8, 0.1],  # true 1, predicted 1
    [0.2, 0.2, 0.6],  # true 2, predicted 2
    [0.9, 0.05, 0.05],  # true 2, predicted 0 (wrong, 0.9)
    [0.1, 0.3, 0.6],  # true 2, predicted 2
])
LABELS = np.array([0, 0, 1, 2, 2, 2])


def test_accuracy_is_the_notebooks_formula():
    assert evaluation.accuracy(PROBS, LABELS) == pytest.approx(4 / 6)
    assert evaluation.accuracy(PROBS, LABELS) == (PROBS.argmax(1) == LABELS).mean()


def test_confusion_matrix_rows_are_true_classes():
    matrix = evaluation.confusion_matrix(LABELS, PROBS.argmax(1), 3)
    assert matrix.tolist() == [[1, 1, 0],
                               [0, 1, 0],
                               [1, 0, 2]]
    assert matrix.sum() == len(LABELS)


def test_per_class_accuracy_and_a_class_without_images():
    matrix = evaluation.confusion_matrix(LABELS, PROBS.argmax(1), 4)
    accuracy = evaluation.per_class_accuracy(matrix)
    assert accuracy[:3] == pytest.approx([1 / 2, 1.0, 2 / 3])
    assert math.isnan(accuracy[3])
    table = evaluation.per_class_table(matrix[:3, :3], ["a", "b", "c"])
    assert table["class"].tolist() == ["a", "b", "c"]
    assert table["images"].tolist() == [2, 1, 3] and table["correct"].tolist() == [1, 1, 2]


def test_top_k_orders_by_probability_and_breaks_ties_like_argmax():
    classes, probs = evaluation.top_k(PROBS)
    assert classes[0].tolist() == [0, 1, 2] and probs[0] == pytest.approx([0.7, 0.2, 0.1])
    assert classes[3].tolist() == [2, 0, 1], "0.2 and 0.2 tie: the lower class first"
    assert classes[3, 0] == PROBS[3].argmax()
    two, _ = evaluation.top_k(PROBS[:, :2], k=3)
    assert two.shape == (6, 2), "never more guesses than classes"


def test_misclassified_most_confident_first_with_top3():
    wrong = evaluation.misclassified(PROBS, LABELS)
    assert wrong["index"].tolist() == [4, 1]
    assert wrong["label"].tolist() == [2, 0] and wrong["predicted"].tolist() == [0, 1]
    assert wrong["confidence"].tolist() == pytest.approx([0.9, 0.6])
    assert wrong["top_classes"].iloc[0] == [0, 1, 2]
    assert wrong["top_probs"].iloc[1] == pytest.approx([0.6, 0.3, 0.1])
    assert len(evaluation.misclassified(PROBS, LABELS, limit=1)) == 1
    assert evaluation.misclassified(PROBS, PROBS.argmax(1)).empty


EPOCHS = [EpochEvent(epoch=0, loss=1.0, accuracy=0.4, val_loss=1.1, val_accuracy=0.35, t=2.0,
                    partial=False),
          EpochEvent(epoch=1, loss=0.8, accuracy=0.6, val_loss=0.9, val_accuracy=0.5, t=4.0,
                    partial=False)]


def test_history_table_and_csv():
    frame = evaluation.epochs_frame(EPOCHS)
    assert frame.columns.tolist() == list(evaluation.EPOCH_COLUMNS)
    assert frame["epoch"].tolist() == [1, 2], "epochs counted from 1, as Keras prints them"
    csv = evaluation.history_csv(EPOCHS).decode()
    assert csv.splitlines()[0] == "epoch,loss,accuracy,val_loss,val_accuracy,seconds"
    assert csv.splitlines()[2].startswith("2,0.8,0.6,0.9,0.5,4.0")
    no_val = evaluation.epochs_frame([EpochEvent(epoch=0, loss=1.0, accuracy=0.5, t=1.0,
                                                 partial=False)])
    assert no_val["val_loss"].isna().all()
    assert evaluation.epochs_frame([]).empty


def test_batches_on_a_fractional_epoch_axis():
    batches = [BatchEvent(epoch=e, step=s, loss=1.0 - 0.1 * (2 * e + s), accuracy=0.5,
                          seen=10 * (s + 1), t=0.1 * (2 * e + s))
               for e in range(2) for s in range(2)]
    frame = evaluation.batches_frame(batches, steps_per_epoch=2)
    assert frame["step"].tolist() == [1, 2, 3, 4]
    assert frame["epoch"].tolist() == [0.5, 1.0, 1.5, 2.0]


def tensorboard_smooth(values, weight):
    """TensorBoard's JavaScript (vz_line_chart2 resmoothDataset), transcribed literally."""
    last, num_accum, out = 0, 0, []
    is_constant = all(v == values[0] for v in values)
    for next_val in values:
        if is_constant or not math.isfinite(next_val):
            out.append(next_val)
        else:
            last = last * weight + (1 - weight) * next_val
            num_accum += 1
            debias_weight = 1 - weight ** num_accum if weight != 1 else 1
            out.append(last / debias_weight)
    return out


def test_ema_smoothing_is_tensorboards():
    assert evaluation.ema_smooth([1, 2, 3], 0.5) == pytest.approx([1, 5 / 3, 17 / 7])
    rng = np.random.default_rng(0)
    values = list(rng.normal(size=50))
    values[10] = float("nan")  # passes through, and does not restart the average
    for weight in (0.0, 0.3, 0.6, 0.95):
        expected = tensorboard_smooth(values, weight)
        assert evaluation.ema_smooth(values, weight) == pytest.approx(expected, nan_ok=True)
    assert evaluation.ema_smooth(values, 0.0) == pytest.approx(values, nan_ok=True)
    assert evaluation.ema_smooth([2, 2, 2], 0.9).tolist() == [2, 2, 2]
    assert len(evaluation.ema_smooth([], 0.6)) == 0
    with pytest.raises(ValueError):
        evaluation.ema_smooth([1, 2], 1.0)


def test_outputs_load_from_a_jobs_folder(tmp_path):
    assert evaluation.load_outputs(tmp_path) is None
    np.save(tmp_path / "test_probs.npy", PROBS.astype("float32"))
    np.save(tmp_path / "test_labels.npy", LABELS)
    probs, labels = evaluation.load_outputs(tmp_path)
    assert probs.shape == (6, 3) and labels.tolist() == LABELS.tolist()


def test_progress_from_a_snapshot():
    config = make_config("unused.npz", epochs=4)
    snapshot = Snapshot(
        id=1, state=JobState.RUNNING, phase=Phase.TRAINING, config=config,
        out_dir=Path("/tmp"), created=99.0, started=100.0,
        start=StartEvent(params=1, trainable=1, train_size=1000, val_size=0, test_size=0,
                         steps=10, epochs=4, device="CPU"),
        batches=(BatchEvent(epoch=0, step=0, loss=1.2, accuracy=0.4, seen=100, t=1.0),
                 BatchEvent(epoch=1, step=4, loss=1.0, accuracy=0.5, seen=500, t=3.0)))
    where = progress(snapshot, now=110.0)
    assert (where.epoch, where.step, where.steps) == (2, 5, 10)
    assert where.fraction == pytest.approx(15 / 40)
    assert where.images_per_s == pytest.approx(1500 / 3.0)
    # The first batch (1.0 s: it traced the graph) is not counted: 14 batches in 2.0 s.
    assert where.left == pytest.approx(2.0 / 14 * (40 - 15))
    just_started = dataclasses.replace(snapshot, batches=snapshot.batches[:1])
    assert progress(just_started, now=101.0).left is None, "no guess from one batch"
    assert where.elapsed == 10.0
    waiting = progress(dataclasses.replace(snapshot, batches=(), phase=Phase.IMPORTING),
                       now=101.0)
    assert waiting.fraction == 0 and waiting.left is None and waiting.epoch == 0
    assert clock(61) == "1:01" and clock(3725) == "1:02:05" and clock(None) == "?"
