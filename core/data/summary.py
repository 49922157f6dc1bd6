"""What the home page and the sidebar say about a dataset, without touching its pixels.

The synthetic set takes a few seconds to generate. A visitor of a cold server should not
wait for it to see the home page: its summary (source, counts, class tree) is known
without generating it, and the pixels are made in the background meanwhile (see
core.st_cache.default_data). This module imports neither numpy nor pandas.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.config import COURSE_FILES


@dataclass(frozen=True, eq=False)
class DataSummary:
    source: str  # "course", "cifar100", "upload" or "synthetic"
    detail: str
    n_train: int
    n_test: int
    fine_to_super: dict[str, str]
    problem: Exception | None = None  # why the course files in data/ were not used

    @classmethod
    def of(cls, dataset, problem: Exception | None = None) -> "DataSummary":
        """The summary of a loaded `core.data.dataset.Dataset`."""
        return cls(dataset.source, dataset.detail, len(dataset.x_train), len(dataset.x_test),
                   dataset.fine_to_super, problem)

    @property
    def synthetic(self) -> bool:
        return self.source == "synthetic"

    @property
    def super_classes(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.fine_to_super.values())))  # as Dataset sorts them

    @property
    def fine_classes(self) -> tuple[str, ...]:
        return tuple(sorted(self.fine_to_super))


def course_files_present(data_dir: Path) -> bool:
    return all((Path(data_dir) / name).is_file() for name in COURSE_FILES.values())


def synthetic_summary(seed: int, n_train_per_class: int = 500,
                      n_test_per_class: int = 100) -> DataSummary:
    """What `core.data.synthetic.generate(seed)` will return, known before it runs."""
    from core.data import synthetic

    tree = synthetic.FINE_TO_SUPER
    return DataSummary("synthetic", synthetic.detail(seed), n_train_per_class * len(tree),
                       n_test_per_class * len(tree), dict(tree))
