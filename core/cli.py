"""One command line for the lab's chores: `python -m core <verb>`.

    python -m core --help            the verbs
    python -m core prepare-cifar     download CIFAR-100 and write its mammals as the course files
    python -m core pretrain          pretrain an extractor on the active dataset and bundle it
    python -m core seed-runs         train the notebook's runs into the run library
    python -m core train             train one run, here or on a Ray cluster

Each verb is a small function here that calls into its room (core.data, core.transfer,
...) and imports it only when it runs; the page code and the verbs share that code. The
verbs read the same settings as the server (core.settings: the environment, then
.streamlit/secrets.toml); a value they cannot use is named and nothing runs.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from core import config, settings
from core.settings import ServerSettings

VERBS: dict[str, tuple[str, Callable, Callable]] = {}  # name -> (help, add_arguments, run)


def verb(name: str, help: str,
         add_arguments: Callable[[argparse.ArgumentParser, ServerSettings], None]):
    """Register `run(args) -> exit code` as `python -m core <name>`; add_arguments gets
    the settings, for the defaults it shows."""
    def register(run: Callable[[argparse.Namespace], int]):
        VERBS[name] = (help, add_arguments, run)
        return run
    return register


def _prepare_cifar_arguments(parser: argparse.ArgumentParser, server: ServerSettings) -> None:
    from core.data.cifar import CACHE_DIRNAME, OFFICIAL_MD5, OFFICIAL_URL

    parser.add_argument("--data-dir", type=Path, default=server.data_dir,
                        help="folder for the course files (default: %(default)s)")
    parser.add_argument("--url", default=server.cifar_url or OFFICIAL_URL,
                        help="tarball URL (default: %(default)s)")
    parser.add_argument("--md5", default=server.cifar_md5 or OFFICIAL_MD5,
                        help="expected md5 (default: %(default)s)")
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


def _pretrain_arguments(parser: argparse.ArgumentParser, server: ServerSettings) -> None:
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


def _seed_runs_arguments(parser: argparse.ArgumentParser, server: ServerSettings) -> None:
    from core.training.seed import SEEDED

    parser.add_argument("--out", type=Path, default=config.SHIPPED_RUNS,
                        help="the library folder (default: %(default)s, shipped with the app)")
    parser.add_argument("--models", nargs="+", default=list(SEEDED), choices=SEEDED,
                        help="which of the notebook's models (default: all that can train)")
    _max_images_argument(parser, server)
    _cluster_arguments(parser, server)


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
                       server=_cluster(args))
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for folder in folders:
        print(folder)
    return 0


def _max_images_argument(parser: argparse.ArgumentParser, server: ServerSettings) -> None:
    parser.add_argument("--max-images", type=int, default=server.train_max_images,
                        help="train and test on at most this many images (default: the "
                             "class cap CNNLAB_TRAIN_MAX_IMAGES, as the page applies it: "
                             "%(default)s)")


def _cluster_arguments(parser: argparse.ArgumentParser, server: ServerSettings) -> None:
    parser.add_argument("--ray", default=server.ray_address, metavar="ADDRESS",
                        help="train on the Ray cluster at ADDRESS (default: "
                             "CNNLAB_RAY_ADDRESS, else this machine)")
    parser.add_argument("--cpus", type=int, default=server.ray_cpus,
                        help="CPUs a job gets on the cluster (default: %(default)s)")
    parser.add_argument("--gpus", type=float, default=server.ray_gpus,
                        help="GPUs a job gets on the cluster, e.g. 1 or 0.5 (default: %(default)s)")
    parser.set_defaults(server=server)


def _cluster(args: argparse.Namespace) -> ServerSettings:
    """The settings with the cluster the command line asked for."""
    return args.server.replace(ray_address=args.ray or None, ray_cpus=args.cpus,
                               ray_gpus=args.gpus)


def _train_arguments(parser: argparse.ArgumentParser, server: ServerSettings) -> None:
    from core.training.plan import DEFAULTS, MODELS, N_CLASSES, OPTIMIZERS

    parser.add_argument("--model", default=DEFAULTS["model"], choices=MODELS)
    parser.add_argument("--target", default=DEFAULTS["target"], choices=tuple(N_CLASSES))
    for name, kind in (("epochs", int), ("batch-size", int), ("learning-rate", float),
                       ("validation-split", float), ("seed", int), ("dropout", float),
                       ("weight-decay", float), ("early-stopping", int)):
        parser.add_argument(f"--{name}", type=kind, default=DEFAULTS[name.replace("-", "_")],
                            help="default: %(default)s, as on the training page")
    parser.add_argument("--optimizer", default=DEFAULTS["optimizer"], choices=OPTIMIZERS)
    parser.add_argument("--augment", action="store_true",
                        help="random flips and shifts of the training images")
    _max_images_argument(parser, server)
    parser.add_argument("--library", type=Path, default=None,
                        help="keep the finished run in this run library folder (e.g. "
                             "assets/runs), so the page opens it for the same Start")
    _cluster_arguments(parser, server)


@verb("train", "train one run with the training page's settings, here or on a Ray cluster, "
      "printing its progress and the device it trained on", _train_arguments)
def train(args: argparse.Namespace) -> int:
    from core.data.sources import load_default
    from core.training.arrays import job_config
    from core.engine.library import RunLibrary
    from core.engine.run import follow, manager_for
    from core.training.plan import DEFAULTS, ConfigError, plan

    dataset = load_default().dataset
    choices = {name: getattr(args, name) for name in DEFAULTS}  # every setting of the page
    try:
        planned = plan(choices, len(dataset.x_train), max_images=args.max_images,
                       max_epochs=args.server.train_max_epochs)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    say = lambda line: print(line, file=sys.stderr)
    say(f"dataset: {dataset.source}, fingerprint {dataset.fingerprint}; {planned.params:,} "
        f"parameters; about {planned.seconds_per_epoch * args.epochs:.0f} s on 2 CPU cores")
    manager = manager_for(_cluster(args), RunLibrary(args.library), say)
    try:
        submitted = manager.submit("command line", job_config(dataset, planned.settings,
                                                               manager.root))
        job = submitted.job
        if submitted.how != "new":
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


def parser(server: ServerSettings | None = None) -> argparse.ArgumentParser:
    server = server or ServerSettings()
    main_parser = argparse.ArgumentParser(
        prog="python -m core", description="CNN Lab's command line: data, pretraining and "
        "training chores, run on the same code the pages use.")
    verbs = main_parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for name, (text, add_arguments, run) in VERBS.items():
        sub = verbs.add_parser(name, help=text, description=text)
        add_arguments(sub, server)
        sub.set_defaults(run=run, server=server)
    return main_parser


def main(argv: list[str] | None = None) -> int:
    server = settings.install(settings.from_environment())
    if server.problems:  # a command line can be corrected at once: nothing runs
        for problem in server.problems:
            print(f"error: {problem.message()}", file=sys.stderr)
        return 2
    args = parser(server).parse_args(argv)
    return args.run(args)
