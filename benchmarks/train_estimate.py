"""Calibrate the training page's "estimated time per epoch" (core.training.plan).

Run by hand (about a minute on two CPU cores; close other work first):

    python -m benchmarks.train_estimate [--images 2000]

Trains three notebook models of very different cost (the stride model, its fixed
pooling variant, the shared-extractor super model) at batch 200, and the stride model
at batch 10, for two epochs each through the real job engine (worker process, live
recording on) on the synthetic dataset, and times the second epoch (the first
includes tracing). Prints the least-squares fit of
`seconds = steps * SECONDS_PER_STEP + images * (SECONDS_PER_IMAGE + SECONDS_PER_MAC * macs)`,
the constants core/training/plan.py uses.
"""
from __future__ import annotations

import argparse

import numpy as np

from core.stack import presets
from core.stack import shapes
from core.data import synthetic
from core.engine.manager import JobManager
from benchmarks.jobs import run, stack_settings

RUNS = (("stride", 200), ("stride_pool_fixed", 200), ("super_model", 200), ("stride", 10))


def measure(manager: JobManager, dataset, preset_id: str, images: int, batch_size: int):
    input_shape, layers = presets.preset(preset_id)
    images = images if batch_size >= 100 else images // 4  # small batches: fewer images
    job = run(manager, dataset, stack_settings(layers, batch_size=batch_size,
                                               validation_split=0.0, max_train=images,
                                               max_test=100))
    epochs = job.snapshot().epochs
    seconds = epochs[1].t - epochs[0].t  # the second epoch alone
    macs = shapes.totals(shapes.summarize(input_shape, layers)).macs
    return macs, images, -(-images // batch_size), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    args = parser.parse_args()
    manager = JobManager(max_running=1, warm=False)
    dataset = synthetic.generate(0)
    rows = [(name, batch, *measure(manager, dataset, name, args.images, batch))
            for name, batch in RUNS]
    manager.shutdown()
    print("| model | batch | forward MACs per image | images | seconds per epoch | images/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, batch, macs, images, steps, seconds in rows:
        print(f"| {name} | {batch} | {macs:,} | {images:,} | {seconds:.2f} | {images / seconds:,.0f} |")
    # seconds = steps * SECONDS_PER_STEP + images * SECONDS_PER_IMAGE + images * macs * SECONDS_PER_MAC
    design = np.array([[steps, images, images * macs] for _, _, macs, images, steps, _ in rows], float)
    seconds = np.array([row[-1] for row in rows])
    per_step, per_image, per_mac = np.linalg.lstsq(design, seconds, rcond=None)[0]
    print(f"\nSECONDS_PER_STEP = {per_step:.3e}\nSECONDS_PER_IMAGE = {per_image:.3e}"
          f"\nSECONDS_PER_MAC = {per_mac:.3e}")


if __name__ == "__main__":
    main()
