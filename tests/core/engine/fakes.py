"""A pool of fake workers for the manager's fast tests: no process, no TensorFlow. A test
drives each worker's events itself (`start`, `batch`, `finish`, `crash`), so what the
manager does in between is checked without a sleep or a race with real training."""
from __future__ import annotations

import threading

from core.engine.contract import (
    BatchEvent, DataRef, DoneEvent, EpochEvent, JobConfig, RunSettings, StartEvent,
)
from core.engine.workers import Relay, WorkerExit, WorkerPool

TINY = ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"},
        {"type": "Flatten"}, {"type": "Dense", "units": 3, "activation": "softmax"})


def config(seed: int = 0, path: str = "unused.npz", fingerprint: str = "test-data",
           **changes) -> JobConfig:
    """A small run's config; `changes` override RunSettings fields."""
    settings = dict(model="calculator", target="super", input_shape=(32, 32, 3),
                    layers=TINY, n_classes=3, epochs=2, batch_size=64, optimizer="adam",
                    learning_rate=0.01, validation_split=0.1, seed=seed)
    return JobConfig(RunSettings(**dict(settings, **changes)),
                     DataRef(path, fingerprint, ("a", "b", "c")))


class FakeWorker(Relay):
    def __init__(self, pool: "FakePool"):
        super().__init__()
        self.pool = pool
        self.assignments = []
        self.stops = 0
        self.dead = False
        self.retired = False
        self.ready.set()

    # --- the Worker protocol ---
    def assign(self, assignment, on_event) -> None:
        self.attach(on_event)
        self.assignments.append(assignment)
        self.pool.assigned.release()

    def stop(self) -> None:
        self.stops += 1

    def alive(self) -> bool:
        return not self.dead

    def kill(self) -> None:
        self.dead = True
        self.emit(WorkerExit(-9))

    def retire(self) -> None:
        self.retired = True

    # --- what the test makes it report ---
    def start(self, steps: int = 3, epochs: int = 2) -> None:
        self.emit(StartEvent(params=100, trainable=100, train_size=steps * 10, val_size=5,
                             test_size=5, steps=steps, epochs=epochs, device="CPU"))

    def batch(self, epoch: int = 0, step: int = 0, t: float = 0.1) -> None:
        self.emit(BatchEvent(epoch=epoch, step=step, loss=1.0, accuracy=0.5,
                             seen=(step + 1) * 10, t=t))

    def epoch(self, epoch: int = 0, t: float = 0.3) -> None:
        self.emit(EpochEvent(epoch=epoch, t=t, partial=False, loss=1.0, accuracy=0.5))

    def finish(self, stopped: bool = False, accuracy: float = 0.6) -> None:
        self.emit(DoneEvent(stopped=stopped, test_accuracy=accuracy))
        self.ready.set()

    def crash(self) -> None:
        self.dead = True
        self.emit(WorkerExit(1))


class FakePool(WorkerPool):
    """FakeWorkers; `gate` (an Event), when given, holds every `take` until it is set."""

    def __init__(self, slots: int = 2, gate: threading.Event | None = None, **kwargs):
        super().__init__(slots, **kwargs)
        self.gate = gate
        self.spawned: list[FakeWorker] = []
        self.taking = threading.Event()  # a take is under way (waiting at the gate)
        self.assigned = threading.Semaphore(0)  # released once per assignment

    def _spawn(self) -> FakeWorker:
        worker = FakeWorker(self)
        self.spawned.append(worker)
        return worker

    def take(self):
        self.taking.set()
        if self.gate is not None:
            assert self.gate.wait(30), "the test never opened the gate"
        return super().take()

    def wait_assigned(self, n: int = 1, timeout: float = 10) -> None:
        for _ in range(n):
            assert self.assigned.acquire(timeout=timeout), "no job was assigned"
