"""One training job's record: its config, state and everything its worker reported.

A `Job` lives in the server's JobManager (core.training.manager). A reader thread folds
the worker's events into it (`handle`); pages read a consistent copy with `snapshot()`.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.training.contract import (
    BatchEvent, DoneEvent, EpochEvent, ErrorEvent, Event, JobConfig, JobState, Phase,
    PhaseEvent, ReadyEvent, Snapshot, StartEvent, UnfreezeEvent,
)
from core.training.process import WorkerExit, WorkerProcess


@dataclass(eq=False)
class Job:
    """A training run of one session."""

    id: int
    session_id: str
    config: JobConfig
    out_dir: Path
    group: str = "train"  # the page that started it: a session keeps a few of each
    state: JobState = JobState.QUEUED
    phase: Phase = Phase.QUEUED
    created: float = field(default_factory=time.time)
    started: float | None = None
    ended: float | None = None
    start: StartEvent | None = None
    unfreeze: UnfreezeEvent | None = None
    batches: list[BatchEvent] = field(default_factory=list)
    epochs: list[EpochEvent] = field(default_factory=list)
    result: DoneEvent | None = None
    error: ErrorEvent | None = None
    import_seconds: float | None = None
    stop_requested: bool = False
    stop_at: float | None = None  # when Stop was asked for
    worker: WorkerProcess | None = field(default=None, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> Snapshot:
        """A consistent copy of the record, for drawing."""
        with self.lock:
            return Snapshot(
                id=self.id, state=self.state, phase=self.phase, config=self.config,
                out_dir=self.out_dir, created=self.created, started=self.started,
                ended=self.ended, import_seconds=self.import_seconds, start=self.start,
                unfreeze=self.unfreeze, batches=tuple(self.batches),
                epochs=tuple(self.epochs), result=self.result, error=self.error)

    @property
    def active(self) -> bool:
        return self.state.active

    def handle(self, event: Event | WorkerExit) -> None:
        """Fold one worker event into the record."""
        with self.lock:
            match event:
                case PhaseEvent():
                    self.phase = event.phase
                case ReadyEvent():
                    self.import_seconds = event.import_seconds
                case StartEvent():
                    self.start, self.phase = event, Phase.TRAINING
                    self.state = JobState.STOPPING if self.stop_requested else JobState.RUNNING
                case UnfreezeEvent():
                    self.unfreeze = event
                case BatchEvent():
                    self.batches.append(event)
                case EpochEvent():
                    self.epochs.append(event)
                case DoneEvent():
                    self.result = event
                    self.end(JobState.STOPPED if event.stopped else JobState.DONE)
                case ErrorEvent():
                    self.error = event
                    self.end(JobState.FAILED)
                case WorkerExit() if self.active:
                    code = "stopped_by_server" if self.stop_requested else "worker_died"
                    self.error = ErrorEvent(code, f"exit code {event.code}")
                    self.end(JobState.STOPPED if self.stop_requested else JobState.FAILED)

    def end(self, state: JobState) -> None:
        """Mark the job ended (call with the lock held)."""
        self.state, self.phase, self.ended = state, Phase.ENDED, time.time()
