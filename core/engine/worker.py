"""The training worker: a child process that imports TensorFlow and runs a job's `fit`.

Started as `python -m core.engine.worker` by core.engine.local, never inside the
Streamlit server: Streamlit resets Keras' global state after every rerun
(docs/ARCHITECTURE.md, "Why training runs in worker processes"). It speaks the contract
of core.engine.contract, one JSON line per message:

    stdout  PhaseEvent(importing), ReadyEvent        TensorFlow loaded; waiting for a job
            PhaseEvent(preparing), StartEvent         data and model ready
            BatchEvent ... EpochEvent ...             as it trains
            UnfreezeEvent                             fine-tuning's second phase
            FiltersEvent                              at the start, after each epoch
            PhaseEvent(saving), DoneEvent | ErrorEvent
    stdin   an Assignment (JSON); "stop" stops the job under way
            after the job: ReadyEvent again, and the next Assignment (a reused worker)

Anything else the libraries print goes to stderr, never into the protocol. One job is
`train_one`, which the Ray actor (core.engine.ray_actor) runs too; the training itself is
core.training.fit.run_job, which takes its `emit` as an argument.
"""
from __future__ import annotations

import os
import queue
import sys
import threading
import time

from core.engine.contract import Phase, PhaseEvent, ReadyEvent, parse_assignment, to_line
from core.training.fit import error_event, run_job


def yield_cpu_to_the_server(niceness: int = 10) -> None:
    """Lower this process's priority: on a shared 2-core server the pages 40 students
    click get the CPU first, training takes what is left (benchmarks/class_load.py)."""
    try:
        os.nice(niceness)
    except (AttributeError, OSError):  # no nice on this platform, or not allowed: train anyway
        pass


def import_tensorflow(threads: int | None = None):
    """Import TensorFlow with thread pools sized to the CPUs this worker may use: those of
    the process (affinity, cgroup quota), or `threads` when the server shares them
    between several jobs at once."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from core.engine.cpus import usable_cpus

    import tensorflow as tf

    cpus = threads or usable_cpus()
    tf.config.threading.set_intra_op_parallelism_threads(cpus)
    tf.config.threading.set_inter_op_parallelism_threads(min(2, cpus))
    return tf


class Inbox:
    """stdin, read by one thread: Assignments queue up for the main loop, a "stop" line
    stops the job under way. Lines arrive in the order the server wrote them, so a Stop
    meant for a job that has just ended can never stop the next one. stdin closing (the
    server went away or retired this worker) stops the job and ends the loop."""

    def __init__(self):
        self.assignments: queue.Queue = queue.Queue()
        self.stop_event = threading.Event()  # the current job's
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in sys.stdin:
            if line.strip() == "stop":
                self.stop_event.set()
            elif line.strip():
                self.stop_event = threading.Event()
                self.assignments.put((line, self.stop_event))
        self.stop_event.set()
        self.assignments.put((None, None))

    def next(self):
        """(assignment line, its stop event), or (None, None) once stdin has closed."""
        return self.assignments.get()


def train_one(tf, line: str, stop_event: threading.Event, emit,
              live_filters: bool = True) -> bool:
    """Train the Assignment on one JSON line, reporting through emit; False after a crash,
    which is reported as an ErrorEvent (the server never sees a traceback). The worker
    process and the Ray actor (core.engine.ray_actor) both train through this."""
    import keras

    try:
        keras.backend.clear_session()  # names and graphs of the last job go
        run_job(tf, parse_assignment(line), stop_event, emit, live_filters)
    except Exception as err:
        import traceback

        traceback.print_exc()
        emit(error_event(err))
        return False
    return True


def serve(tf, inbox: Inbox, emit, max_jobs: int, live_filters: bool = True) -> int:
    """Train assignments one after another, up to max_jobs; 0, or 1 after a crash."""
    for done in range(max_jobs):
        line, stop_event = inbox.next()
        if line is None:
            return 0  # retired
        if not train_one(tf, line, stop_event, emit, live_filters):
            return 1  # a worker that crashed is not trusted with another job
        if done + 1 < max_jobs:
            emit(ReadyEvent(import_seconds=0.0, jobs_done=done + 1))
    return 0


def arguments(argv: list[str] | None = None):
    """What the server tells its worker (core.engine.local.WorkerProcess)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m core.engine.worker")
    parser.add_argument("--jobs", type=int, default=1, help="jobs to train, then exit")
    parser.add_argument("--threads", type=int, default=None,
                        help="TensorFlow threads (default: every CPU this process may use)")
    parser.add_argument("--live-filters", type=int, choices=(0, 1), default=1,
                        help="send the first layer's filters as it trains")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints from libraries land on stderr, not in the protocol

    def emit(event) -> None:
        protocol.write(to_line(event) + "\n")
        protocol.flush()

    yield_cpu_to_the_server()
    emit(PhaseEvent(Phase.IMPORTING))
    started = time.perf_counter()
    tf = import_tensorflow(args.threads)
    inbox = Inbox()
    emit(ReadyEvent(import_seconds=time.perf_counter() - started, jobs_done=0))
    return serve(tf, inbox, emit, max(1, args.jobs), bool(args.live_filters))


if __name__ == "__main__":
    sys.exit(main())
