"""The training job contract: everything that crosses the boundary between the server and
a worker, typed, checked at the door, and nowhere else spelled as a bare dict or string.

    server -> worker   one `Assignment` (a JobConfig and the folder for its outputs)
    worker -> server   `Event`s: PhaseEvent, ReadyEvent, StartEvent, BatchEvent,
                       EpochEvent, UnfreezeEvent, DoneEvent, ErrorEvent, FiltersEvent
    server -> pages    a `Snapshot` of the job: its JobState, Phase, config and events

Each travels as one JSON line (records.py), complete or refused: a missing, unknown or
mistyped field raises `ContractError`, never a guess. See docs/ARCHITECTURE.md. The parts:
states.py (JobState, Phase), config.py (RunSettings, TransferRecipe, DataRef, JobConfig,
Assignment), events.py (the worker's events), snapshot.py (Snapshot); import them all
from here.
"""
from core.engine.contract.config import (  # noqa: F401
    ADDED_OFF, FROM_FILE, MAX_WEIGHT_DECAY, OPTIONAL_OUTPUTS, OUTPUTS, Assignment, DataRef,
    JobConfig, Recipe, RunSettings, TransferRecipe, parse_assignment, with_added_fields,
)
from core.engine.contract.events import (  # noqa: F401
    EVENTS, JOB_ERRORS, BatchEvent, DoneEvent, EpochEvent, ErrorEvent, Event, PhaseEvent,
    ReadyEvent, StartEvent, UnfreezeEvent, parse_event,
)
from core.engine.contract.events import FiltersEvent  # noqa: F401
from core.engine.contract.records import ContractError, Record, to_line  # noqa: F401
from core.engine.contract.snapshot import Snapshot  # noqa: F401
from core.engine.contract.states import (  # noqa: F401
    ACTIVE_STATES, ENDED_WITH_OUTPUTS, PHASE_ORDER, RUNNING_STATES, JobState, Phase,
)
