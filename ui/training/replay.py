"""Replay an ended run's curves as if it were training, at a chosen speed: an instructor
projecting a run opened from the library gets the live feel without the wait.

The curves are the run's own events, shown up to `elapsed x speed` seconds of its
training clock (core.engine.contract's BatchEvent.t and EpochEvent.t).
"""
from __future__ import annotations

import dataclasses
import time

import streamlit as st

from core.engine.contract import Snapshot
from core.engine.progress import clock

SPEEDS = (1, 2, 5, 10, 30)  # times the real training speed
now = time.time  # the replay's clock (tests set their own)
STATE = "train_replay"  # session_state: {"id": run id, "started": time, "speed": x}
SPEED = "train_replay_speed"  # the speed widget's key


def _start(job_id: int) -> None:
    st.session_state[STATE] = {"id": job_id, "started": now(),
                               "speed": st.session_state.get(SPEED, SPEEDS[2])}


def _cancel() -> None:
    st.session_state.pop(STATE, None)


def at(snapshot: Snapshot, seconds: float) -> Snapshot:
    """The run as it was `seconds` into its training."""
    return dataclasses.replace(
        snapshot, batches=tuple(b for b in snapshot.batches if b.t <= seconds),
        epochs=tuple(e for e in snapshot.epochs if e.t <= seconds))


def playing(snapshot: Snapshot) -> tuple[Snapshot, float] | None:
    """(the run so far, seconds replayed) while this run is being replayed, else None."""
    state = st.session_state.get(STATE)
    if not state or state["id"] != snapshot.id or not snapshot.batches:
        return None
    seconds = (now() - state["started"]) * state["speed"]
    if seconds >= snapshot.batches[-1].t:
        _cancel()
        return None
    return at(snapshot, seconds), seconds


def controls(snapshot: Snapshot, t) -> None:
    """The speed and the Replay (or Stop replaying) button under an ended run."""
    if not snapshot.batches:
        return
    left, right = st.columns([2, 3], vertical_alignment="bottom")
    st.session_state.setdefault(SPEED, SPEEDS[2])
    left.segmented_control(t("train.replay.speed"), SPEEDS, key=SPEED, required=True,
                           format_func=lambda x: f"{x}×")
    if playing(snapshot):
        right.button(t("train.replay.stop"), key="train_replay_stop", on_click=_cancel,
                     icon=":material/stop:")
    else:
        right.button(t("train.replay.start"), key="train_replay_start", on_click=_start,
                     args=(snapshot.id,), icon=":material/replay:",
                     help=t("train.replay.help", seconds=clock(snapshot.batches[-1].t)))
