"""What pages read: a consistent copy of a job's record at one moment."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.engine.contract.config import JobConfig, RunSettings
from core.engine.contract.events import (
    BatchEvent, DoneEvent, EpochEvent, ErrorEvent, StartEvent, UnfreezeEvent,
)
from core.engine.contract.events import FiltersEvent
from core.engine.contract.states import JobState, Phase


@dataclass(frozen=True)
class Snapshot:
    """A consistent copy of a job's record, for drawing (core.engine.job.Job.snapshot)."""
    id: int
    state: JobState
    phase: Phase
    config: JobConfig
    out_dir: Path
    created: float
    started: float | None = None  # left the queue
    ended: float | None = None
    import_seconds: float | None = None  # of the worker that ran it (None: already warm)
    start: StartEvent | None = None
    unfreeze: UnfreezeEvent | None = None
    batches: tuple[BatchEvent, ...] = ()
    epochs: tuple[EpochEvent, ...] = ()
    result: DoneEvent | None = None
    error: ErrorEvent | None = None
    watchers: int = 1  # sessions watching it train (a shared run has several)
    trained_with: frozenset[str] = frozenset()  # the sessions that watched it to its end
    origin: str = "trained"  # or "library": an identical run trained earlier
    engine: str = "local"  # trained by this server's workers, or on a "ray" cluster
    first_filters: FiltersEvent | None = None  # the first layer before training ...
    filters: FiltersEvent | None = None  # ... and after the latest epoch (live_filters)

    @property
    def settings(self) -> RunSettings:
        return self.config.settings

    @property
    def active(self) -> bool:
        return self.state.active

    @property
    def steps(self) -> int:  # batches per epoch (0 until the worker has said)
        return self.start.steps if self.start else 0

    @property
    def full_epochs(self) -> tuple[EpochEvent, ...]:  # a Stop mid-epoch reports a partial one
        return tuple(e for e in self.epochs if not e.partial)

    @property
    def test_accuracy(self) -> float | None:
        return self.result.test_accuracy if self.result else None
