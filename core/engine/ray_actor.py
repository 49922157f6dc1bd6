"""What runs in the Ray cluster: an actor that trains one job at a time with the same code
as a local worker (core.training.fit), keeps its events for the server to collect, stops
within a batch when asked (a second thread of the actor: max_concurrency=2), and returns
the job's output files as bytes. It imports TensorFlow when it starts, in the cluster;
the server that drives it (core.engine.ray_backend) never does.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from core.engine.contract import to_line

OUTPUTS = ("model.keras", "test_probs.npy", "test_labels.npy", "extractor.keras")


class TrainingActorBody:
    """What runs in the cluster: one job at a time, its events kept for the server to
    collect, and a Stop that lands within a batch (a second thread of the actor)."""

    def __init__(self, threads: int):
        import queue
        import tempfile

        os.environ["CNNLAB_WORKER_THREADS"] = str(threads)
        from core.engine.worker import import_tensorflow

        started = time.perf_counter()
        self.tf = import_tensorflow()
        self.import_seconds = time.perf_counter() - started
        self.events: queue.Queue = queue.Queue()
        self.stop_event = threading.Event()
        self.folder = Path(tempfile.mkdtemp(prefix="cnnlab-ray-"))

    def ready(self) -> float:
        return self.import_seconds

    def run(self, line: str, arrays: bytes) -> dict:
        """Train one job; -> {"files": name -> bytes, "last": the last event's line}. The
        last event (done or error) is held back until the files are on their way."""
        import shutil

        import keras

        from core.engine.contract import DoneEvent, ErrorEvent as Error, parse_assignment
        from core.training.fit import error_event, run_job

        self.stop_event = threading.Event()
        out = self.folder / "job"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        (out / "data.npz").write_bytes(arrays)
        last = []

        def emit(event) -> None:
            (last.append if isinstance(event, (DoneEvent, Error)) else self.events.put)(
                to_line(event))

        try:
            assignment = parse_assignment(line)
            config = assignment.config
            data = type(config.data)(str(out / "data.npz"), config.data.fingerprint,
                                     config.data.class_names)
            assignment = type(assignment)(type(config)(config.settings, data), str(out))
            keras.backend.clear_session()
            run_job(self.tf, assignment, self.stop_event, emit)
        except Exception as err:  # reported like a local worker's crash
            last.append(to_line(error_event(err)))
        files = {name: (out / name).read_bytes() for name in OUTPUTS if (out / name).is_file()}
        return {"files": files, "last": last[-1] if last else to_line(
            Error("crash", "the job ended without a result"))}

    def collect(self) -> list[str]:
        """The events since the last call."""
        lines = []
        while not self.events.empty():
            lines.append(self.events.get_nowait())
        return lines

    def stop(self) -> None:
        self.stop_event.set()
