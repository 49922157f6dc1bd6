"""One training job's record: its config, state, everything its worker reported, and the
browser sessions it belongs to.

A `Job` lives in the server's JobManager (core.engine.manager). Several sessions can
share one: students who start identical runs (JobConfig.key) watch the same job.
`watchers` are the sessions that want it to keep training; `holders` the sessions that
list it among their runs (to evaluate, inspect, download). A reader thread folds the
worker's events in (`handle`); pages read a consistent copy with `snapshot()`.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from core.engine.contract import (
    BatchEvent, DoneEvent, EpochEvent, ErrorEvent, Event, JobConfig, JobState, Phase,
    PhaseEvent, ReadyEvent, Snapshot, StartEvent, UnfreezeEvent,
)
from core.engine.contract import FiltersEvent
from core.engine.workers import Worker, WorkerExit


class Origin(StrEnum):
    TRAINED = "trained"  # trained by a worker of this server
    LIBRARY = "library"  # an identical run trained earlier, opened from the run library


@dataclass(eq=False)
class Job:
    id: int
    config: JobConfig
    out_dir: Path
    holders: list[str]  # sessions that list it among their runs, first asker first
    watchers: set[str]  # sessions that want it to keep training
    group: str = "train"  # the page that started it: a session keeps a few of each
    origin: Origin = Origin.TRAINED
    estimate_s: float | None = None  # expected training time, from the plan
    memory_mb: float = 0.0  # its worker's expected peak (core.engine.memory)
    engine: str = "local"  # where it trains: "local" worker processes or a "ray" cluster
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
    trained_with: frozenset[str] = frozenset()  # who watched it to its end: the others
    #                                             opened it finished (an earlier run)
    first_filters: FiltersEvent | None = None  # only the first and the latest are kept
    filters: FiltersEvent | None = None
    stop_requested: bool = False
    stop_at: float | None = None  # when Stop was asked for
    worker: Worker | None = field(default=None, repr=False)
    assigned: bool = False  # its worker has been sent the job: a Stop may now reach it
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_library(cls, job_id: int, session_id: str, config: JobConfig, group: str,
                     found) -> "Job":
        """An identical run trained earlier (a core.engine.library hit), ended, held by
        this session and watched by nobody."""
        entry = found.entry
        return cls(job_id, config, found.folder, [session_id], set(), group=group,
                   origin=Origin.LIBRARY, state=JobState.DONE, phase=Phase.ENDED,
                   created=entry.trained_at - entry.seconds,
                   started=entry.trained_at - entry.seconds, ended=entry.trained_at,
                   start=entry.start, batches=list(entry.batches), epochs=list(entry.epochs),
                   result=entry.result)

    @property
    def key(self) -> str:
        return self.config.key()

    @property
    def lead(self) -> str | None:
        """The session whose turn in the queue this job takes: its first watcher."""
        with self.lock:
            return next((s for s in self.holders if s in self.watchers), None)

    def snapshot(self) -> Snapshot:
        """A consistent copy of the record, for drawing."""
        with self.lock:
            return Snapshot(
                id=self.id, state=self.state, phase=self.phase, config=self.config,
                out_dir=self.out_dir, created=self.created, started=self.started,
                ended=self.ended, import_seconds=self.import_seconds, start=self.start,
                unfreeze=self.unfreeze, batches=tuple(self.batches),
                epochs=tuple(self.epochs), result=self.result, error=self.error,
                watchers=len(self.watchers), trained_with=self.trained_with,
                origin=str(self.origin), engine=self.engine,
                first_filters=self.first_filters, filters=self.filters)

    @property
    def active(self) -> bool:
        return self.state.active

    # --- who it belongs to (every change under its lock) ----------------------------
    def holders_now(self) -> tuple[str, ...]:
        with self.lock:
            return tuple(self.holders)

    def held_by(self, session_id: str) -> bool:
        with self.lock:
            return session_id in self.holders

    def watched_by(self, session_id: str) -> bool:
        with self.lock:
            return session_id in self.watchers

    def join(self, session_id: str) -> None:
        """One more session lists it, and watches it if it is still training."""
        with self.lock:
            if session_id not in self.holders:
                self.holders.append(session_id)
            if self.state.active:
                self.watchers.add(session_id)

    def unwatch(self, session_id: str) -> bool:
        """The session stops watching (and lets go unless nobody else watches); whether
        anybody still watches."""
        with self.lock:
            self.watchers.discard(session_id)
            others = bool(self.watchers)
            if others and session_id in self.holders:
                self.holders.remove(session_id)
            return others

    def let_go(self, session_id: str | None) -> bool:
        """The session no longer lists it; whether nobody does."""
        with self.lock:
            if session_id in self.holders:
                self.holders.remove(session_id)
            self.watchers.discard(session_id)
            return not self.holders

    def hand_over(self, old: str, new: str) -> None:
        """A refreshed tab (`new`) takes the place of the tab it was (`old`)."""
        with self.lock:
            if old in self.holders:
                self.holders[self.holders.index(old)] = new
            if old in self.watchers:
                self.watchers.discard(old)
                self.watchers.add(new)
            if old in self.trained_with:
                self.trained_with = self.trained_with - {old} | {new}

    def handle(self, event: Event | WorkerExit) -> bool:
        """Fold one worker event into the record; whether it ended the job."""
        with self.lock:
            was_active = self.state.active
            match event:
                case PhaseEvent():
                    self.phase = event.phase
                case ReadyEvent():
                    if event.jobs_done == 0:  # this job waited for TensorFlow to import
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
                case FiltersEvent():
                    self.first_filters = self.first_filters or event
                    self.filters = event
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
            return was_active and not self.state.active

    def end(self, state: JobState) -> None:
        """Mark the job ended (call with the lock held)."""
        self.state, self.phase, self.ended = state, Phase.ENDED, time.time()
        self.trained_with = frozenset(self.watchers)
