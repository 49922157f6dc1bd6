"""Where a training job is, from its Snapshot (core.engine.contract): for the progress bar.

`progress(snapshot, now)` turns the batch and epoch events into what a student reads
under the bar: epoch 3 of 20, batch 12 of 34, 1,234 images/s, 0:42 elapsed, about
1:10 left, and which startup phase the job is in.
"""
from __future__ import annotations

import time
from typing import NamedTuple

from core.engine.contract import Phase, Snapshot


class Progress(NamedTuple):
    phase: Phase
    epoch: int  # the epoch under way, from 1 (0 before training starts)
    epochs: int  # epochs asked for
    step: int  # batches done in the current epoch
    steps: int  # batches per epoch (0 until the worker says)
    fraction: float  # 0..1 of all batches of all epochs
    images_per_s: float | None  # training images per second so far
    elapsed: float  # seconds since the job left the queue (import and data included)
    left: float | None  # estimated seconds until the last epoch ends


def progress(snapshot: Snapshot, now: float | None = None) -> Progress:
    """A job's progress; `now` defaults to the current time (tests pass their own)."""
    now = time.time() if now is None else now
    epochs, steps = snapshot.settings.epochs, snapshot.steps
    train_size = snapshot.start.train_size if snapshot.start else 0
    elapsed = ((snapshot.ended or now) - snapshot.started) if snapshot.started else 0.0
    if not snapshot.batches or not steps:
        return Progress(snapshot.phase, 0, epochs, 0, steps, 0.0, None, elapsed, None)
    first, last = snapshot.batches[0], snapshot.batches[-1]
    done = last.epoch * steps + last.step + 1  # batches finished so far
    total = steps * epochs
    fraction = min(done / total, 1.0)
    images = last.epoch * train_size + last.seen
    rate = images / last.t if last.t > 0 else None
    # Time left from the batches after the first: the first includes tracing the graph,
    # often longer than a whole short run, and would make an early estimate far too long.
    counted = done - (first.epoch * steps + first.step + 1)  # batches since the first
    per_batch = (last.t - first.t) / counted if counted > 0 else None
    left = per_batch * max(total - done, 0) if per_batch is not None else None
    if snapshot.phase == Phase.ENDED:
        left = 0.0
    return Progress(snapshot.phase, last.epoch + 1, epochs, last.step + 1, steps,
                    fraction, rate, elapsed, left)


def clock(seconds: float | None) -> str:
    """61 -> '1:01', 3725 -> '1:02:05'; None -> '?'."""
    if seconds is None:
        return "?"
    seconds = int(round(max(seconds, 0)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def duration(seconds: float) -> str:
    """An estimate for people: '0.4 s', '12 s', then clock() from a minute on."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s" if seconds < 60 else clock(seconds)
