"""The transfer-learning lesson as plain data: the jobs it runs, and what they measured.

The notebook's section 3 pretrains the shared extractor on the 3 superclasses and
reuses it. The lesson here runs four jobs through the training engine
(core.training.worker's transfer recipes), all from one `Settings`:

    pretrain  extractor + Dense(3) on superclasses; the worker saves extractor.keras
    scratch   the same architecture, fresh weights, on the fine classes (the baseline)
    frozen    the saved extractor, not trainable, + a new Dense(n_fine) head
    finetune  as frozen for `head_epochs`, then everything but BatchNormalization
              with a low learning rate

The three arms share the data file, seed (so the same validation images and batch
order), epochs, batch size, optimizer and learning rate; only the recipe differs.
Pretraining uses the same seed, validation split and image cap, so the images the
arms validate on were held out of pretraining too. `compare` turns the arms' job
snapshots (core.training.job.Job.snapshot) into the table's numbers, and `summary` into
sentences in the student's language. No TensorFlow here.
"""
from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass

from core.stack import presets
from core.config import INPUT_SHAPE
from core.i18n import translate
from core.transfer.pretrain import DEMO_WIDTH, pretrain_config
from core.stack.shapes import summarize, totals
from core.training.plan import epoch_seconds

ARMS = ("scratch", "frozen", "finetune")  # the comparison, in the table's order
PRETRAINED_ARMS = ("frozen", "finetune")  # the arms that start from the saved extractor
WIDTHS = {"demo": DEMO_WIDTH, "notebook": presets.EXTRACTOR_WIDTH}  # filters per conv layer
SHARED_KEYS = ("data_path", "seed", "epochs", "batch_size", "target", "n_classes",
               "optimizer", "learning_rate", "validation_split", "max_train", "max_test")

# The lesson's widgets start here. Measured on the synthetic dataset with
# `python -m benchmarks.transfer_demo` (and its --pretrain-epochs, --epochs, --finetune-lr,
# --bundled): the demo preset's whole lesson (pretraining and the three arms) took 139 s
# on two idle cores (~200 CPU-seconds in the workers), 182 s with other work using half
# the machine; the arms alone, on the bundled extractor, 95 s. A width-16 extractor
# reaches 69% on superclasses after 10 epochs (80% after 15, for a third more time);
# after unfreezing, 1e-4 barely moves a 16-filter extractor in a few epochs (fine-tuned
# ends below scratch), 5e-4 does.
DEFAULTS = {
    "width": "demo",
    "pretrain_epochs": 10,  # core.transfer.pretrain.DEMO_EPOCHS (the bundled extractor) is 8
    "epochs": 8,  # the notebook trains its loaded models for 10; 8 keeps the demo short
    "batch_size": 200,  # the notebook's batch size
    "seed": 0,  # the bundled extractor's seed: its validation images stay unseen
    "head_epochs": 2,  # fine-tuning: epochs of head alone before unfreezing
    "finetune_learning_rate": 5e-4,  # half of Adam's default: adjust, don't overwrite
    "target": 0.3,  # "reached 30% validation accuracy in N epochs" (chance: 1/15 = 7%)
}
# Test accuracy of each arm on the synthetic dataset with the demo preset and DEFAULTS,
# measured with `python -m benchmarks.transfer_demo`; the page states them so a student
# knows whether what they see is right.
EXPECTED_SYNTHETIC = {"scratch": 0.134, "frozen": 0.226, "finetune": 0.399}
LEARNING_RATE = 1e-3  # Adam's default, as in the notebook and core.transfer.pretrain
VALIDATION_SPLIT = 0.1  # as core.transfer.pretrain: 10% of the training images held out


@dataclass(frozen=True)
class Settings:
    """What the student chose; every job of the lesson is built from one of these."""
    width: int = DEMO_WIDTH
    pretrain_epochs: int = DEFAULTS["pretrain_epochs"]
    epochs: int = DEFAULTS["epochs"]
    batch_size: int = DEFAULTS["batch_size"]
    seed: int = DEFAULTS["seed"]
    head_epochs: int = DEFAULTS["head_epochs"]
    finetune_learning_rate: float = DEFAULTS["finetune_learning_rate"]
    max_images: int | None = None  # core.config.TRAIN_MAX_IMAGES: tests and demos


def _capped(config: dict, max_images: int | None) -> dict:
    if max_images:
        config.update(max_train=int(max_images), max_test=int(max_images))
    return config


def pretrain_job(settings: Settings, data_path: str, class_names=()) -> dict:
    """The engine config of step 1: a fresh extractor + Dense(3) on the superclasses."""
    config = pretrain_config(data_path, settings.width, settings.pretrain_epochs,
                             seed=settings.seed, batch_size=settings.batch_size)
    config.update(model="super_model", class_names=list(class_names))  # for run labels
    return _capped(config, settings.max_images)


def arm_jobs(settings: Settings, data_path: str, extractor_path: str,
             extractor_layers: list[dict], class_names) -> dict[str, dict]:
    """arm -> engine config for the fine classes; everything but the recipe is shared.

    extractor_path: the saved extractor (frozen, finetune); extractor_layers: its
    architecture as specs (core.transfer.checkpoints.inspect_keras), built fresh for scratch.
    """
    base = dict(input_shape=list(INPUT_SHAPE), layers=None, target="fine",
                n_classes=len(class_names), class_names=list(class_names),
                epochs=settings.epochs, batch_size=settings.batch_size, optimizer="adam",
                learning_rate=LEARNING_RATE, validation_split=VALIDATION_SPLIT,
                seed=settings.seed, data_path=str(data_path))
    _capped(base, settings.max_images)
    recipes = {
        "scratch": {"recipe": "scratch", "extractor_layers": [dict(s) for s in extractor_layers]},
        "frozen": {"recipe": "frozen", "extractor_path": str(extractor_path)},
        "finetune": {"recipe": "finetune", "extractor_path": str(extractor_path),
                     "head_epochs": settings.head_epochs,
                     "finetune_learning_rate": settings.finetune_learning_rate},
    }
    return {arm: dict(base, arm=arm, transfer=recipes[arm]) for arm in ARMS}


def shared(configs: list[dict]) -> dict:
    """The settings every config has in common (SHARED_KEYS); ValueError if one differs."""
    values = {}
    for key in SHARED_KEYS:
        found = {repr(c.get(key)) for c in configs}
        if len(found) != 1:
            raise ValueError(f"the arms differ in {key}: {sorted(found)}")
        values[key] = configs[0].get(key)
    return values


def archive_listing(data: bytes) -> list[tuple[str, int]]:
    """(member name, uncompressed bytes) of a .keras archive that passed inspect_keras:
    config.json (the architecture), metadata.json, model.weights.h5 (the numbers)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(member.filename, member.file_size) for member in archive.infolist()]


# ---- parameters, before anything trains ---------------------------------------------------

@dataclass(frozen=True)
class RecipeParams:
    """Trainable parameters of each arm, from the shape engine (Keras counts them the same)."""
    extractor: int  # all of the extractor's parameters, BatchNormalization statistics included
    head: int  # the new Dense(n) on the flattened feature map
    scratch: int  # everything but BatchNormalization's moving mean and variance
    frozen: int  # the head alone
    finetune: int  # after unfreezing: the head and all but BatchNormalization


def recipe_params(extractor_layers: list[dict], n_classes: int) -> RecipeParams:
    rows = summarize(INPUT_SHAPE, extractor_layers)
    features = math.prod(rows[-1].output_shape)  # Flatten of (H, W, C)
    head = features * n_classes + n_classes
    total = totals(rows)
    batchnorm = sum(r.params for r in rows if r.type == "BatchNormalization")
    return RecipeParams(total.params, head, total.trainable_params + head, head,
                        total.params - batchnorm + head)


def lesson_seconds(settings: Settings, extractor_layers: list[dict], train_images: int) -> dict:
    """Estimated seconds per job (core.training.plan's calibration), for the page's plan."""
    macs = totals(summarize(INPUT_SHAPE, extractor_layers)).macs
    used = min(train_images, settings.max_images) if settings.max_images else train_images
    images = used - int(round(used * VALIDATION_SPLIT))
    per_epoch = epoch_seconds(macs, images, batch_size=settings.batch_size)
    # A frozen extractor only runs forward: a third of the training MACs (see train_config).
    frozen = epoch_seconds(macs // 3, images, batch_size=settings.batch_size)
    head = min(settings.head_epochs, settings.epochs)
    return {"pretrain": per_epoch * settings.pretrain_epochs,
            "scratch": per_epoch * settings.epochs, "frozen": frozen * settings.epochs,
            "finetune": frozen * head + per_epoch * (settings.epochs - head)}


# ---- comparing the arms -----------------------------------------------------------------

@dataclass(frozen=True)
class ArmResult:
    """What one arm measured. Epochs count from 1; None where there is nothing to say."""
    arm: str
    state: str  # the job's: done, stopped, failed, or still active
    epochs_run: int  # complete epochs
    test_accuracy: float | None  # 0..1, the notebook's (predict(test).argmax(1) == y).mean()
    best_epoch: int | None  # the epoch of the highest validation accuracy
    best_val_accuracy: float | None
    final_val_accuracy: float | None
    epochs_to_target: int | None  # first epoch with validation accuracy >= target
    seconds: float | None  # training wall time: first batch to the end of the last epoch
    trainable: int | None  # trainable parameters at the start
    trainable_after: int | None  # fine-tuning: after unfreezing


def full_epochs(epochs: list[dict]) -> list[dict]:
    """Epoch events of complete epochs (a run stopped mid-epoch reports a partial one)."""
    return [e for e in epochs if not e.get("partial")]


def best_epoch(epochs: list[dict], metric: str = "val_accuracy") -> int | None:
    """1-based epoch with the highest `metric` (the first of ties); None without any."""
    values = [(e.get(metric), i) for i, e in enumerate(full_epochs(epochs))
              if e.get(metric) is not None and math.isfinite(e[metric])]
    return max(values, key=lambda v: (v[0], -v[1]))[1] + 1 if values else None


def epochs_to_target(epochs: list[dict], target: float,
                     metric: str = "val_accuracy") -> int | None:
    """1-based first epoch whose `metric` reaches `target` (0..1); None if none did."""
    for i, epoch in enumerate(full_epochs(epochs)):
        value = epoch.get(metric)
        if value is not None and value >= target:
            return i + 1
    return None


def arm_result(arm: str, snapshot: dict, target: float) -> ArmResult:
    """The table's row for one arm's job snapshot."""
    epochs = full_epochs(snapshot["epochs"])
    best = best_epoch(epochs)
    info = snapshot["info"]
    return ArmResult(
        arm=arm, state=snapshot["state"], epochs_run=len(epochs),
        test_accuracy=snapshot["result"].get("test_accuracy"),
        best_epoch=best,
        best_val_accuracy=epochs[best - 1].get("val_accuracy") if best else None,
        final_val_accuracy=epochs[-1].get("val_accuracy") if epochs else None,
        epochs_to_target=epochs_to_target(epochs, target),
        seconds=epochs[-1]["t"] if epochs else None,
        trainable=info.get("trainable"), trainable_after=info.get("trainable_after"))


def compare(snapshots: dict[str, dict], target: float) -> dict[str, ArmResult]:
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
        key = "finetune_better" if finetune.test_accuracy > frozen.test_accuracy else "frozen_better"
        sentences.append(translate(f"transfer.sentence.{key}", lang))
    return sentences
