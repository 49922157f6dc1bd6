"""Which dataset is active: course files in `data/`, else the generated offline set.

The order (docs/ARCHITECTURE.md, "Where the data comes from"): (1) the four course
files in `data/` (also what the CIFAR-100 download writes, with a `10_source.json` saying so), (2) CIFAR-100, downloaded on
request into (1), (3) the synthetic dataset. A broken file in `data/` never stops the
app: the problem is reported and the synthetic set is used instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core import config, settings
from core.data.summary import DataSummary, course_files_present, synthetic_summary

if TYPE_CHECKING:  # loaded with the data, not on import (a cold start's home page)
    from core.data.dataset import DataError, Dataset


@dataclass(frozen=True, eq=False)
class ActiveData:
    dataset: Dataset
    problem: DataError | None = None  # why the course files in data/ were not used


def _provenance(data_dir: Path) -> str:
    """"cifar100" where the download wrote the files, else "course"."""
    from core.data.cifar import read_provenance

    source = (read_provenance(data_dir) or {}).get("source")
    return source if source in ("cifar100", "course") else "course"


def load_default(data_dir: Path | None = None, seed: int = config.SYNTHETIC_SEED) -> ActiveData:
    """The dataset the app starts with, and any problem met on the way."""
    from core.data import synthetic  # only needed when no course files are usable
    from core.data.course_files import load_course_dir
    from core.data.dataset import DataError

    data_dir = Path(data_dir or settings.current().data_dir)
    problem = None
    if course_files_present(data_dir):
        try:
            return ActiveData(load_course_dir(data_dir, source=_provenance(data_dir)))
        except DataError as err:
            problem = err
    return ActiveData(synthetic.generate(seed), problem)


def quick_summary(data_dir: Path | None = None,
                  seed: int = config.SYNTHETIC_SEED) -> DataSummary | None:
    """The summary of what `load_default` will return, if it is known without loading:
    with no course files in `data_dir` it is the synthetic set's. None otherwise (course
    files have to be read to know whether they are usable)."""
    if course_files_present(Path(data_dir or settings.current().data_dir)):
        return None
    return synthetic_summary(seed)
