"""One command line for the lab's chores: `python -m core <verb>`.

    python -m core --help            the verbs
    python -m core prepare-cifar     download CIFAR-100 and write its mammals as the course files
    python -m core pretrain          pretrain an extractor on the active dataset and bundle it
    python -m core seed-runs         train the notebook's runs into the run library
    python -m core train             train one run, here or on a Ray cluster

Each verb is a small function here that calls into its room (core.data, core.transfer,
...) and imports it only when it runs; the page code and the verbs share that code.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from core import config

VERBS: dict[str, tuple[str, Callable, Callable]] = {}  # name -> (help, add_arguments, run)


def verb(name: str, help: str, add_arguments: Callable[[argparse.ArgumentParser], None]):
    """Register `run(args) -> exit code` as `python -m core <name>`."""
    def register(run: Callable[[argparse.Namespace], int]):
        VERBS[name] = (help, add_arguments, run)
        return run
    return register


def _prepare_cifar_arguments(parser: argparse.ArgumentParser) -> None:
    from core.data.cifar import CACHE_DIRNAME, OFFICIAL_MD5, OFFICIAL_URL

    parser.add_argument("--data-dir", type=Path, default=config.DATA_DIR,
                        help="folder for the course files (default: %(default)s)")
    parser.add_argument("--url", default=OFFICIAL_URL, help="tarball URL (default: %(default)s)")
    parser.add_argument("--md5", default=OFFICIAL_MD5, help="expected md5 (default: %(default)s)")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help=f"folder for the tarball (default: DATA_DIR/{CACHE_DIRNAME})")


@verb("prepare-cifar", "download CIFAR-100 (python version), verify it and write its 15 "
      "mammal classes as the course files in data/", _prepare_cifar_arguments)
def prepare_cifar(args: argparse.Namespace) -> int:
    """0 ok, 1 failed, 130 interrupted (no partial download is kept)."""
    from core.config import COURSE_FILES
    from core.data.cifar import SOURCE_FILE, prepare
    from core.data.dataset import DataError
    from core.data.download import text_progress

    bar = text_progress(sys.stderr)
    print(f"CIFAR-100 from {args.url}", file=sys.stderr)
    try:
        dataset = prepare(args.data_dir, args.url, args.md5, bar, args.cache_dir)
    except (DataError, OSError) as err:
        print(f"{chr(10) * bar.drawn()}error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{chr(10) * bar.drawn()}interrupted: no partial download was kept.",
              file=sys.stderr)
        return 130
    if bar.drawn():
        print(file=sys.stderr)
    files = ", ".join([*COURSE_FILES.values(), SOURCE_FILE])
    print(f"Prepared CIFAR-100 mammals in {args.data_dir}: {len(dataset.x_train):,} train "
          f"and {len(dataset.x_test):,} test images, {len(dataset.fine_classes)} fine classes "
          f"in {len(dataset.super_classes)} superclasses.\nFiles: {files}")
    return 0


def _pretrain_arguments(parser: argparse.ArgumentParser) -> None:
    from core.transfer.pretrain import CHECKPOINT_DIR, DEMO_EPOCHS, DEMO_WIDTH

    parser.add_argument("--width", type=int, default=DEMO_WIDTH,
                        help="filters per conv layer (default: %(default)s; the notebook's is 128)")
    parser.add_argument("--epochs", type=int, default=DEMO_EPOCHS,
                        help="pretraining epochs (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="default: %(default)s")
    parser.add_argument("--out", type=Path, default=CHECKPOINT_DIR,
                        help="folder for extractor-w<width>.keras and its .json "
                             "(default: %(default)s)")


@verb("pretrain", "pretrain the shared extractor on the active dataset's superclasses and "
      "bundle it, so the transfer lesson can start without pretraining", _pretrain_arguments)
def pretrain(args: argparse.Namespace) -> int:
    from core.data.sources import load_default
    from core.transfer.pretrain import run_pretrain

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


def _seed_runs_arguments(parser: argparse.ArgumentParser) -> None:
    from core.training.seed import SEEDED

    parser.add_argument("--out", type=Path, default=config.SHIPPED_RUNS,
                        help="the library folder (default: %(default)s, shipped with the app)")
    parser.add_argument("--models", nargs="+", default=list(SEEDED), choices=SEEDED,
                        help="which of the notebook's models (default: all that can train)")
    parser.add_argument("--max-images", type=int, default=None,
                        help="train on at most this many images (a quick trial; a class's "
                             "Start matches only runs of the page's own settings)")
    _cluster_arguments(parser)


@verb("seed-runs", "train the notebook's models with the training page's defaults on the "
      "active dataset into the run library, so a class opens them at once",
      _seed_runs_arguments)
def seed_runs(args: argparse.Namespace) -> int:
    from core.data.sources import load_default
    from core.training.seed import seed_runs as seed

    dataset = load_default().dataset
    print(f"dataset: {dataset.source} ({dataset.detail}), fingerprint {dataset.fingerprint}",
          file=sys.stderr)
    try:
        folders = seed(dataset, args.out, args.models, args.max_images,
                       report=lambda line: print(line, file=sys.stderr),
                       ray_address=args.ray, cpus=args.cpus, gpus=args.gpus)
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for folder in folders:
        print(folder)
    return 0


def _cluster_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ray", default=config.RAY_ADDRESS, metavar="ADDRESS",
                        help="train on the Ray cluster at ADDRESS (default: "
                             "CNNLAB_RAY_ADDRESS, else this machine)")
    parser.add_argument("--cpus", type=int, default=config.RAY_CPUS,
                        help="CPUs a job gets on the cluster (default: %(default)s)")
    parser.add_argument("--gpus", type=float, default=config.RAY_GPUS,
                        help="GPUs a job gets on the cluster, e.g. 1 or 0.5 (default: %(default)s)")


def _train_arguments(parser: argparse.ArgumentParser) -> None:
    from core.training.plan import DEFAULTS, MODELS, N_CLASSES, OPTIMIZERS

    parser.add_argument("--model", default=DEFAULTS["model"], choices=MODELS)
    parser.add_argument("--target", default=DEFAULTS["target"], choices=tuple(N_CLASSES))
    for name, kind in (("epochs", int), ("batch-size", int), ("learning-rate", float),
                       ("validation-split", float), ("seed", int)):
        parser.add_argument(f"--{name}", type=kind, default=DEFAULTS[name.replace("-", "_")],
                            help="default: %(default)s, as on the training page")
    parser.add_argument("--optimizer", default=DEFAULTS["optimizer"], choices=OPTIMIZERS)
    parser.add_argument("--max-images", type=int, default=None,
                        help="train and test on at most this many images")
    parser.add_argument("--library", type=Path, default=None,
                        help="keep the finished run in this run library folder (e.g. "
                             "assets/runs), so the page opens it for the same Start")
    _cluster_arguments(parser)


@verb("train", "train one run with the training page's settings, here or on a Ray cluster, "
      "printing its progress and the device it trained on", _train_arguments)
def train(args: argparse.Namespace) -> int:
    from core.data.sources import load_default
    from core.training.arrays import job_config
    from core.engine.library import RunLibrary
    from core.training.plan import ConfigError, plan
    from core.engine.run import follow, manager_for

    dataset = load_default().dataset
    choices = dict(model=args.model, target=args.target, epochs=args.epochs,
                   batch_size=args.batch_size, optimizer=args.optimizer,
                   learning_rate=args.learning_rate, validation_split=args.validation_split,
                   seed=args.seed)
    try:
        planned = plan(choices, len(dataset.x_train), max_images=args.max_images)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    say = lambda line: print(line, file=sys.stderr)
    say(f"dataset: {dataset.source}, fingerprint {dataset.fingerprint}; {planned.params:,} "
        f"parameters; about {planned.seconds_per_epoch * args.epochs:.0f} s on 2 CPU cores")
    manager = manager_for(args.ray, args.cpus, args.gpus, RunLibrary(args.library), say)
    try:
        submitted = manager.submit("command line", job_config(dataset, planned.settings,
                                                               manager.root))
        job = submitted.job
        if submitted.how == "library":
            say(f"an identical run is in the library ({job.out_dir}): not trained again")
        else:
            follow(job, say, args.model)
    except RuntimeError as err:
        say(f"error: {err}")
        return 1
    finally:
        manager.shutdown()
    device = job.start.device if job.start else "?"
    print(f"test accuracy {job.result.test_accuracy:.4f} on {device} ({job.engine}); "
          f"outputs in {args.library / job.config.key() if args.library else job.out_dir}")
    return 0


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="python -m core", description="CNN Lab's command line: data, pretraining and "
        "training chores, run on the same code the pages use.")
    verbs = main_parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for name, (text, add_arguments, run) in VERBS.items():
        sub = verbs.add_parser(name, help=text, description=text)
        add_arguments(sub)
        sub.set_defaults(run=run)
    return main_parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)
