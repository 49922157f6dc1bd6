"""The transfer-learning lesson as plain data: the jobs it runs, and what they measured.

The notebook's section 3 pretrains the shared extractor on the 3 superclasses and
reuses it. The lesson here runs four jobs through the training engine
(core.engine.worker's transfer recipes), all from one `Settings`:

    pretrain  extractor + Dense(3) on superclasses; the worker saves extractor.keras
    scratch   the same architecture, fresh weights, on the fine classes (the baseline)
    frozen    the saved extractor, not trainable, + a new Dense(n_fine) head
    finetune  as frozen for `head_epochs`, then everything but BatchNormalization
              with a low learning rate

The three arms share the data file, seed (so the same validation images and batch
order), epochs, batch size, optimizer and learning rate; only the recipe differs.
Pretraining uses the same seed, validation split and image cap, so the images the
arms validate on were held out of pretraining too. What the arms measured is compared
in core.transfer.compare. No TensorFlow here.
"""
from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass

from core.stack import presets
from core.config import INPUT_SHAPE
from core.engine.contract import JobConfig, Recipe, RunSettings, TransferRecipe
from core.transfer.pretrain import DEMO_EPOCHS, DEMO_WIDTH, pretrain_settings
from core.stack.shapes import summarize, totals
from core.training.plan import epoch_seconds

ARMS = ("scratch", "frozen", "finetune")  # the comparison, in the table's order
PRETRAINED_ARMS = ("frozen", "finetune")  # the arms that start from the saved extractor
WIDTHS = {"demo": DEMO_WIDTH, "notebook": presets.EXTRACTOR_WIDTH}  # filters per conv layer
SHARED_KEYS = ("seed", "epochs", "batch_size", "target", "n_classes", "optimizer",
               "learning_rate", "validation_split", "max_train", "max_test")

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
    "pretrain_epochs": DEMO_EPOCHS,  # as the bundled extractor was (core.transfer.pretrain)
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
EXPECTED_SYNTHETIC = {"scratch": 0.125, "frozen": 0.235, "finetune": 0.383}
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
    max_images: int | None = None  # the class cap (core.settings train_max_images)


def _capped(settings: Settings) -> dict:
    """The image caps every job of the lesson shares."""
    cap = settings.max_images or None
    return {"max_train": cap, "max_test": cap}


def pretrain_job(settings: Settings) -> RunSettings:
    """Step 1: a fresh extractor + Dense(3) on the superclasses."""
    return pretrain_settings(settings.width, settings.pretrain_epochs, seed=settings.seed,
                             batch_size=settings.batch_size, **_capped(settings))


def arm_jobs(settings: Settings, extractor_path: str, extractor_sha256: str,
             extractor_layers, n_classes: int) -> dict[str, RunSettings]:
    """arm -> the settings of its job on the fine classes; everything but the recipe is shared.

    extractor_path: the saved extractor (frozen, finetune), extractor_sha256 what is in it
    (file_sha256); extractor_layers: its architecture as specs
    (core.transfer.checkpoints.inspect_keras), built fresh for scratch.
    """
    base = dict(model="super_model", target="fine", input_shape=INPUT_SHAPE, layers=None,
                n_classes=n_classes, epochs=settings.epochs, batch_size=settings.batch_size,
                optimizer="adam", learning_rate=LEARNING_RATE,
                validation_split=VALIDATION_SPLIT, seed=settings.seed, **_capped(settings))
    recipes = {
        "scratch": TransferRecipe(Recipe.SCRATCH, extractor_layers=tuple(
            dict(s) for s in extractor_layers)),
        "frozen": TransferRecipe(Recipe.FROZEN, extractor_path=str(extractor_path),
                                 extractor_sha256=extractor_sha256),
        "finetune": TransferRecipe(Recipe.FINETUNE, extractor_path=str(extractor_path),
                                   extractor_sha256=extractor_sha256,
                                   head_epochs=min(settings.head_epochs, settings.epochs),
                                   finetune_learning_rate=settings.finetune_learning_rate),
    }
    return {arm: RunSettings(**base, transfer=recipes[arm]) for arm in ARMS}


def shared(configs: list[JobConfig]) -> dict:
    """The settings every job has in common (SHARED_KEYS, and the data's fingerprint);
    ValueError naming the first one that differs."""
    values = {}
    for key in SHARED_KEYS:
        found = {repr(getattr(c.settings, key)) for c in configs}
        if len(found) != 1:
            raise ValueError(f"the arms differ in {key}: {sorted(found)}")
        values[key] = getattr(configs[0].settings, key)
    if len({c.data.fingerprint for c in configs}) != 1:
        raise ValueError("the arms trained on different data")
    return values


def file_sha256(path) -> str:
    """What a saved extractor holds, as the run's identity (JobConfig.key)."""
    import hashlib

    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


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
    per_epoch = epoch_seconds(macs, images, settings.batch_size, used - images)
    # A frozen extractor only runs forward: a third of the training MACs (see plan.py).
    frozen = epoch_seconds(macs // 3, images, settings.batch_size, used - images)
    head = min(settings.head_epochs, settings.epochs)
    return {"pretrain": per_epoch * settings.pretrain_epochs,
            "scratch": per_epoch * settings.epochs, "frozen": frozen * settings.epochs,
            "finetune": frozen * head + per_epoch * (settings.epochs - head)}
