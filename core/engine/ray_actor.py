"""What runs in the Ray cluster: an actor that trains one job at a time with the same code
as a local worker (core.engine.worker.train_one), keeps its events for the server to
collect, stops within a batch when asked (a second thread of the actor:
max_concurrency=2), and returns the job's output files as bytes. It imports TensorFlow
when it starts, in the cluster; the server that drives it (core.engine.ray_backend)
never does.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

from core.engine.contract import OPTIONAL_OUTPUTS, OUTPUTS, to_line


class TrainingActorBody:
    """One job at a time, its events kept for the server to collect, and a Stop that lands
    within a batch (a second thread of the actor)."""

    def __init__(self, threads: int, live_filters: bool = True):
        import queue
        import tempfile

        from core.engine.worker import import_tensorflow

        started = time.perf_counter()
        self.tf = import_tensorflow(threads)
        self.import_seconds = time.perf_counter() - started
        self.live_filters = live_filters
        self.events: queue.Queue = queue.Queue()
        self.stop_event = threading.Event()
        self.folder = Path(tempfile.mkdtemp(prefix="cnnlab-ray-"))

    def ready(self) -> float:
        return self.import_seconds

    def run(self, line: str, arrays: bytes) -> dict:
        """Train one job; -> {"files": name -> bytes, "last": the last event's line}. The
        last event (done or error) is held back until the files are on their way."""
        import shutil

        from core.engine.contract import ContractError, DoneEvent, ErrorEvent, parse_assignment
        from core.engine.worker import train_one
        from core.training.fit import error_event

        self.stop_event = threading.Event()
        out = self.folder / "job"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        (out / "data.npz").write_bytes(arrays)
        last = []

        def emit(event) -> None:
            (last.append if isinstance(event, (DoneEvent, ErrorEvent)) else self.events.put)(
                to_line(event))

        try:
            assignment = parse_assignment(line)
        except ContractError as err:
            return {"files": {}, "last": to_line(error_event(err))}
        config = assignment.config  # ... with the arrays where this actor put them
        data = type(config.data)(str(out / "data.npz"), config.data.fingerprint,
                                 config.data.class_names)
        here = type(assignment)(type(config)(config.settings, data), str(out))
        train_one(self.tf, to_line(here), self.stop_event, emit, self.live_filters)
        files = {name: (out / name).read_bytes() for name in OUTPUTS + OPTIONAL_OUTPUTS
                 if (out / name).is_file()}
        return {"files": files, "last": last[-1] if last else to_line(
            ErrorEvent("crash", "the job ended without a result"))}

    def collect(self) -> list[str]:
        """The events since the last call."""
        lines = []
        while not self.events.empty():
            lines.append(self.events.get_nowait())
        return lines

    def stop(self) -> None:
        self.stop_event.set()
