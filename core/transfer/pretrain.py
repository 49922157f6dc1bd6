"""Bundled extractors: pretrain one on the active dataset and ship it in assets/.

    python -m core pretrain [--width 16] [--epochs 10] [--out assets/checkpoints]

trains the notebook's shared extractor (4 x [Conv2D, BN, ReLU, MaxPool], `width`
filters) with a superclass head through the job engine, and writes
`extractor-w<width>.keras` with `extractor-w<width>.json` beside it: the dataset's
fingerprint and source, epochs, width, test accuracy, date and the command. The
transfer page offers a bundled extractor only where the fingerprint matches the
active dataset, because features learned on other images would not be a fair start.
"""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

from core import config
from core.stack import presets
from core.data.files import atomic_write
from core.data.dataset import Dataset
from core.engine.contract import Recipe, RunSettings, TransferRecipe

CHECKPOINT_DIR = config.ROOT / "assets" / "checkpoints"  # shipped with the app
DEMO_WIDTH = 16  # filters per conv layer of the in-class demo extractor
DEMO_EPOCHS = 10  # pretraining epochs of the bundled demo extractor (its .json says so)


def pretrain_settings(width: int, epochs: int, seed: int = 0, batch_size: int = 200,
                      max_train: int | None = None, max_test: int | None = None) -> RunSettings:
    """A job that pretrains an extractor of `width` filters with a superclass head."""
    return RunSettings(
        model="super_model", target="super", input_shape=config.INPUT_SHAPE, layers=None,
        n_classes=presets.N_SUPERCLASSES, epochs=epochs, batch_size=batch_size,
        optimizer="adam", learning_rate=1e-3, validation_split=0.1, seed=seed,
        max_train=max_train, max_test=max_test,
        transfer=TransferRecipe(Recipe.PRETRAIN,
                                extractor_layers=tuple(presets.shared_extractor(width))))


def metadata_path(keras_path: Path) -> Path:
    return keras_path.with_suffix(".json")


def bundled(dataset: Dataset, folder: Path = CHECKPOINT_DIR) -> tuple[list, list]:
    """(matching, other): bundled (path, metadata) pairs for this dataset, and the rest."""
    matching, other = [], []
    for path in sorted(Path(folder).glob("*.keras")):
        try:
            meta = json.loads(metadata_path(path).read_text())
        except (OSError, ValueError):
            continue
        (matching if meta.get("fingerprint") == dataset.fingerprint else other).append((path, meta))
    return matching, other


def run_pretrain(dataset: Dataset, width: int, epochs: int, out: Path, seed: int = 0,
                 report=print) -> Path:
    """Train through the job engine and write the extractor and its metadata to `out`."""
    from core.training.arrays import job_config
    from core.engine.manager import JobManager
    from core.engine.run import follow

    manager = JobManager(max_running=1, warm=False)
    try:
        config = job_config(dataset, pretrain_settings(width, epochs, seed), manager.root)
        job = manager.submit("pretrain", config).job
        follow(job, report, name="pretraining")  # its epochs reported; RuntimeError unless done
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"extractor-w{width}.keras"
        shutil.copyfile(job.out_dir / "extractor.keras", target)
        meta = {"fingerprint": dataset.fingerprint, "source": dataset.source,
                "detail": dataset.detail, "width": width, "epochs": epochs, "seed": seed,
                "test_accuracy": job.result.test_accuracy,
                "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
                "command": f"python -m core pretrain --width {width} --epochs {epochs} "
                           f"--seed {seed}"}
        text = json.dumps(meta, indent=1).encode()
        atomic_write(metadata_path(target), lambda f: f.write(text))
        return target
    finally:
        manager.shutdown()
