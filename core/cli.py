"""One command line for the lab's chores: `python -m core <verb>`.

    python -m core --help            the verbs
    python -m core prepare-cifar     download CIFAR-100 and write its mammals as the course files
    python -m core pretrain          pretrain an extractor on the active dataset and bundle it

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
