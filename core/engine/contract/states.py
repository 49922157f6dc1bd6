"""Where a job is: its state in the queue and its worker's phase."""
from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    """Where a job is in its life. QUEUED -> STARTING -> RUNNING (-> STOPPING) -> an end."""
    QUEUED = "queued"  # waiting for a worker slot
    STARTING = "starting"  # a worker has it: importing TensorFlow, preparing data and model
    RUNNING = "running"  # fitting
    STOPPING = "stopping"  # Stop was asked for; ends within a batch
    DONE = "done"  # trained every epoch and saved its outputs
    STOPPED = "stopped"  # ended early on request (outputs saved if a batch had run)
    FAILED = "failed"  # crashed, diverged, lost its worker, or the disk was full

    @property
    def active(self) -> bool:
        """Not ended yet: queued or holding a worker."""
        return self in ACTIVE_STATES

    @property
    def running(self) -> bool:
        """Holding a worker (counts against the running limit)."""
        return self in RUNNING_STATES


RUNNING_STATES = frozenset({JobState.STARTING, JobState.RUNNING, JobState.STOPPING})
ACTIVE_STATES = RUNNING_STATES | {JobState.QUEUED}
ENDED_WITH_OUTPUTS = frozenset({JobState.DONE, JobState.STOPPED})  # may have a saved model


class Phase(StrEnum):
    """What a job's worker is doing, in the order the page shows them."""
    QUEUED = "queued"
    IMPORTING = "importing"  # TensorFlow loading in a fresh worker
    PREPARING = "preparing"  # reading the arrays, building and compiling the model
    TRAINING = "training"
    SAVING = "saving"  # model.keras and the test-set probabilities
    ENDED = "ended"


PHASE_ORDER = (Phase.QUEUED, Phase.IMPORTING, Phase.PREPARING, Phase.TRAINING, Phase.SAVING)
