"""Seeding the run library with the notebook's runs, so a class finds them ready.

`seed_runs` trains each of the notebook's models that can train (the stride model, the
fixed stride-plus-pooling model, the super model) with the training page's defaults on
the active dataset, through the job engine, into a run library folder. A Start with
those settings then opens the run at once (core.engine.library). The repository ships
such a library for the synthetic dataset in assets/runs/; an instructor with the course's
real data runs `python -m core seed-runs` once (a GPU box makes it quick, see the README).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from core.settings import ServerSettings
from core.training.plan import DEFAULTS, MODELS, plan

SEEDED = tuple(m for m in MODELS if m != "stride_pool")  # stride_pool cannot be built


def seed_settings(dataset, models=SEEDED, max_images: int | None = None):
    """model -> the training page's default settings for it, as a Start would send them."""
    return {model: plan(dict(DEFAULTS, model=model), len(dataset.x_train),
                        max_images=max_images) for model in models}


def compact(folder: Path) -> None:
    """Rewrite an entry's model without its optimizer state: a third of the bytes for Adam,
    and what a student evaluates and downloads is the same model."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    path = folder / "model.keras"
    model = keras.saving.load_model(path, safe_mode=True, compile=False)
    model.save(path.with_name("model.part.keras"))
    path.with_name("model.part.keras").replace(path)


def seed_runs(dataset, out: Path, models=SEEDED, max_images: int | None = None,
              report: Callable[[str], None] = print, shrink: bool = True,
              server: ServerSettings | None = None) -> list[Path]:
    """Train the models one after another into the library at `out` (here, or on the Ray
    cluster of the settings `server`); the entries' folders. A run already in the library
    there is not trained again."""
    from core.training.arrays import job_config
    from core.engine.library import RunLibrary
    from core.engine.run import follow, manager_for, stored

    library = RunLibrary(out, max_bytes=2**40)  # a shipped library is never evicted
    manager = manager_for(server or ServerSettings(), library, report)
    folders = []
    try:
        for model, planned in seed_settings(dataset, models, max_images).items():
            config = job_config(dataset, planned.settings, manager.root)
            submitted = manager.submit("seed-runs", config)
            if submitted.how == "library":
                report(f"{model}: already in the library ({submitted.job.out_dir.name})")
                folders.append(submitted.job.out_dir)
                continue
            follow(submitted.job, report, model)
            folder = stored(library, config.key())
            if shrink:
                compact(folder)
            report(f"{model}: test accuracy {submitted.job.result.test_accuracy:.1%} -> {folder}")
            folders.append(folder)
    finally:
        manager.shutdown()
    return folders
