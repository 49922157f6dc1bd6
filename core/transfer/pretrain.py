"""Bundled extractors: pretrain one on the active dataset and ship it in assets/.

    python -m core.transfer.pretrain pretrain [--width 16] [--epochs 8] [--out assets/checkpoints]

trains the notebook's shared extractor (4 x [Conv2D, BN, ReLU, MaxPool], `width`
filters) with a superclass head through the job engine, and writes
`extractor-w<width>.keras` with `extractor-w<width>.json` beside it: the dataset's
fingerprint and source, epochs, width, test accuracy, date and the command. The
transfer page offers a bundled extractor only where the fingerprint matches the
active dataset, because features learned on other images would not be a fair start.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from core import config
from core.stack import presets
from core.data.course_files import atomic_write
from core.data.dataset import Dataset

CHECKPOINT_DIR = config.ROOT / "assets" / "checkpoints"  # shipped with the app
DEMO_WIDTH = 16  # filters per conv layer of the in-class demo extractor
DEMO_EPOCHS = 8  # pretraining epochs of the bundled demo extractor


def pretrain_config(data_path: Path, width: int, epochs: int, seed: int = 0,
                    batch_size: int = 200) -> dict:
    """The engine config that pretrains an extractor of `width` on superclasses."""
    return dict(input_shape=list(config.INPUT_SHAPE), layers=None, target="super",
                n_classes=3, epochs=epochs, batch_size=batch_size, optimizer="adam",
                learning_rate=1e-3, validation_split=0.1, seed=seed,
                data_path=str(data_path),
                transfer={"recipe": "pretrain",
                          "extractor_layers": presets.shared_extractor(width)})


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
    from core.training.arrays import export_arrays
    from core.training.manager import JobManager

    manager = JobManager(max_running=1, warm=False)
    try:
        data_path = export_arrays(dataset, "super", manager.root)
        job = manager.submit("pretrain", pretrain_config(data_path, width, epochs, seed))
        shown = 0
        while job.active:
            time.sleep(0.5)
            for epoch in job.snapshot()["epochs"][shown:]:
                report(f"epoch {epoch['epoch'] + 1}/{epochs}: loss {epoch['loss']:.3f}, "
                       f"val accuracy {epoch.get('val_accuracy', float('nan')):.1%}")
                shown += 1
        if job.state != "done":
            raise RuntimeError(f"pretraining {job.state}: {job.error}")
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"extractor-w{width}.keras"
        shutil.copyfile(job.out_dir / "extractor.keras", target)
        meta = {"fingerprint": dataset.fingerprint, "source": dataset.source,
                "detail": dataset.detail, "width": width, "epochs": epochs, "seed": seed,
                "test_accuracy": job.result["test_accuracy"],
                "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
                "command": f"python -m core.transfer.pretrain pretrain --width {width} --epochs {epochs}"}
        text = json.dumps(meta, indent=1).encode()
        atomic_write(metadata_path(target), lambda f: f.write(text))
        return target
    finally:
        manager.shutdown()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.transfer.pretrain", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("pretrain", help="pretrain an extractor on the active dataset")
    run.add_argument("--width", type=int, default=DEMO_WIDTH)
    run.add_argument("--epochs", type=int, default=DEMO_EPOCHS)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", type=Path, default=CHECKPOINT_DIR)
    args = parser.parse_args(argv)
    from core.data.sources import load_default

    dataset = load_default().dataset
    print(f"dataset: {dataset.source} ({dataset.detail}), fingerprint {dataset.fingerprint}",
          file=sys.stderr)
    try:
        path = run_pretrain(dataset, args.width, args.epochs, args.out, args.seed,
                            report=lambda line: print(line, file=sys.stderr))
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
