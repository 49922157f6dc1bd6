"""The whole transfer-learning lesson with the demo preset, through the job engine, timed.

Run by hand on a quiet machine (`uptime`: load below the number of cores):

    python -m benchmarks.transfer_demo [--width 16] [--pretrain-epochs 10] [--epochs 8]
                                       [--head-epochs 2] [--finetune-lr 5e-4]
                                       [--max-images N] [--seed 0] [--bundled]

Does what an instructor clicks through on the transfer page, without a browser: the
pretraining job on superclasses, then the three arms (scratch, frozen, fine-tuned) queued
at once on the fine classes, training as many at once as the app does (two, as memory
allows). As on the page, a warm worker has imported TensorFlow
before the first click (the page starts one on the first visit). Prints the time of each
job from its click to its end (queue wait, TensorFlow import, training, saving), the
whole lesson's wall time, the workers' CPU time (a figure a busy machine does not
inflate much), each arm's test accuracy, and the page's generated sentences. With
--bundled the arms reuse the bundled extractor instead (the page's "skip pretraining").
"""
from __future__ import annotations

import argparse
import os
import resource
import time

from benchmarks.jobs import wait
from core.data.sources import load_default
from core.training.arrays import job_config
from core.engine.manager import JobManager
from core.settings import ServerSettings
from core.transfer import compare, lesson
from core.transfer import pretrain as pretrain_module
from core.transfer.checkpoints import inspect_keras

BUDGET_S = 180  # the issue: the demo lesson must finish in under 3 minutes on 2 cores


def wait_warm(manager: JobManager, timeout: float = 120) -> None:
    manager.pool.warm_up(timeout)


def wait_children(timeout: float = 30) -> None:
    """Until every worker has exited and been waited for (their CPU time is then counted)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = [p for p in os.listdir("/proc") if p.isdigit() and _parent(p) == os.getpid()]
        if not children:
            return
        time.sleep(0.2)


def _parent(pid: str) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=lesson.WIDTHS["demo"])
    parser.add_argument("--pretrain-epochs", type=int, default=lesson.DEFAULTS["pretrain_epochs"])
    parser.add_argument("--epochs", type=int, default=lesson.DEFAULTS["epochs"])
    parser.add_argument("--head-epochs", type=int, default=lesson.DEFAULTS["head_epochs"])
    parser.add_argument("--finetune-lr", type=float,
                        default=lesson.DEFAULTS["finetune_learning_rate"])
    parser.add_argument("--batch-size", type=int, default=lesson.DEFAULTS["batch_size"])
    parser.add_argument("--max-images", type=int, default=None)
    parser.add_argument("--seed", type=int, default=lesson.DEFAULTS["seed"])
    parser.add_argument("--target", type=float, default=lesson.DEFAULTS["target"])
    parser.add_argument("--bundled", action="store_true",
                        help="skip pretraining: reuse the bundled extractor of this dataset")
    return parser.parse_args()


def run_lesson(manager: JobManager, dataset, settings, bundled: bool):
    """(pretraining job or None, arm -> job, seconds from the first click to the last end)."""
    submit = lambda run: manager.submit("demo", job_config(dataset, run, manager.root)).job
    wait_warm(manager)
    start = time.perf_counter()
    pretrain = None
    if bundled:
        matching, _ = pretrain_module.bundled(dataset)
        if not matching:
            raise SystemExit("no bundled extractor matches this dataset")
        extractor = matching[0][0]
        print(f"bundled: {extractor.name} {matching[0][1]}")
    else:
        pretrain = submit(lesson.pretrain_job(settings))
        wait([pretrain])
        extractor = pretrain.out_dir / "extractor.keras"
    layers = inspect_keras(extractor.read_bytes(), extractor.name).layers
    runs = lesson.arm_jobs(settings, str(extractor), lesson.file_sha256(extractor), layers,
                           len(dataset.fine_classes))
    arms = {arm: submit(run) for arm, run in runs.items()}
    wait(arms.values())
    return pretrain, arms, time.perf_counter() - start


def report(settings, pretrain, arms, total: float, load_before: float, target: float) -> None:
    results = compare.compare({arm: job.snapshot() for arm, job in arms.items()}, target)
    pretraining = (f"pretraining {settings.pretrain_epochs} epochs" if pretrain is not None
                   else "the bundled extractor")
    print(f"\nwidth {settings.width}, {pretraining}, arms "
          f"{settings.epochs} epochs (fine-tuning: {settings.head_epochs} head epochs, then "
          f"lr {settings.finetune_learning_rate:g}), batch {settings.batch_size}, seed "
          f"{settings.seed}\n")
    print("| job | test accuracy | best epoch (val) | epochs to "
          f"{target:.0%} (val) | training s | click to end s | trainable params |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    if pretrain is not None:
        snap = pretrain.snapshot()
        print(f"| pretrain (superclasses) | {snap.test_accuracy:.1%} | "
              f"{compare.best_epoch(snap.epochs)} | - | {snap.epochs[-1].t:.1f} | "
              f"{snap.ended - snap.created:.1f} | {snap.start.trainable:,} |")
    for arm, result in results.items():
        job = arms[arm].snapshot()
        trainable = f"{result.trainable:,}" + (f" → {result.trainable_after:,}"
                                               if result.trainable_after else "")
        print(f"| {arm} | {result.test_accuracy:.1%} | {result.best_epoch} | "
              f"{result.epochs_to_target or '-'} | {result.seconds:.1f} | "
              f"{job.ended - job.created:.1f} | {trainable} |")
    verdict = "within" if total < BUDGET_S else "OVER"
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # every worker, retired and waited for
    cpu = usage.ru_utime + usage.ru_stime
    print(f"\nwhole lesson: {total:.1f} s ({verdict} the {BUDGET_S} s budget); load average "
          f"before/after {load_before:.1f}/{os.getloadavg()[0]:.1f}")
    print(f"CPU time of the workers (import included): {cpu:.0f} s, so at least "
          f"{cpu / 2:.0f} s of wall time on 2 idle cores")
    for sentence in compare.summary(results, target, settings.epochs):
        print(sentence)


def main() -> None:
    args = arguments()
    settings = lesson.Settings(width=args.width, pretrain_epochs=args.pretrain_epochs,
                               epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                               head_epochs=args.head_epochs,
                               finetune_learning_rate=args.finetune_lr,
                               max_images=args.max_images)
    dataset = load_default().dataset
    print(f"dataset: {dataset.source}, {len(dataset.x_train):,} train / "
          f"{len(dataset.x_test):,} test images, fingerprint {dataset.fingerprint}")
    manager = JobManager(max_running=ServerSettings().max_jobs, warm=True)  # as the app's
    load_before = os.getloadavg()[0]
    try:
        pretrain, arms, total = run_lesson(manager, dataset, settings, args.bundled)
    finally:
        manager.shutdown()
        wait_children()
    report(settings, pretrain, arms, total, load_before, args.target)


if __name__ == "__main__":
    main()
