"""The job contract: a config is complete or refused, events round-trip as JSON lines,
states know their sets, and equal settings on equal data have equal keys."""
import dataclasses
import json
import subprocess
import sys

import pytest

from core.config import ROOT
from core.stack import presets
from core.engine.contract import (
    ACTIVE_STATES, RUNNING_STATES, Assignment, BatchEvent, ContractError, DataRef, DoneEvent,
    EpochEvent, ErrorEvent, JobConfig, JobState, Phase, PhaseEvent, ReadyEvent, Recipe,
    RunSettings, StartEvent, TransferRecipe, UnfreezeEvent, parse_assignment, parse_event,
    to_line,
)
from core.training.plan import DEFAULTS, plan
from core.transfer import lesson


def settings(**changes) -> RunSettings:
    return plan(dict(DEFAULTS, **changes), train_size=7500).settings


def config(**changes) -> JobConfig:
    return JobConfig(settings(**changes), DataRef("/data/super.npz", "abc", ("a", "b", "c")))


def test_states_know_which_are_active_and_which_hold_a_worker():
    assert {s for s in JobState if s.active} == ACTIVE_STATES
    assert {s for s in JobState if s.running} == RUNNING_STATES
    assert JobState.QUEUED.active and not JobState.QUEUED.running
    assert not any(s.active for s in (JobState.DONE, JobState.STOPPED, JobState.FAILED))
    assert JobState("running") is JobState.RUNNING and JobState.RUNNING == "running"


def test_a_config_round_trips_through_its_json_line():
    sent = Assignment(config(), "/tmp/job-1")
    received = parse_assignment(to_line(sent))
    assert received == sent
    assert received.config.settings.layers == sent.config.settings.layers


def test_a_transfer_config_round_trips_too():
    arms = lesson.arm_jobs(lesson.Settings(width=8), "/x/extractor.keras", "ab" * 32,
                           presets.shared_extractor(8), n_classes=15)
    for run in arms.values():
        sent = Assignment(JobConfig(run, DataRef("/d.npz", "f", tuple("abcdefghijklmno"))), "/o")
        assert parse_assignment(to_line(sent)) == sent


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(RunSettings)])
def test_a_config_missing_any_setting_is_refused(field):
    data = json.loads(to_line(Assignment(config(), "/o")))
    del data["config"]["settings"][field]
    with pytest.raises(ContractError, match=field):
        parse_assignment(json.dumps(data))


def test_unknown_and_mistyped_settings_are_refused():
    data = json.loads(to_line(Assignment(config(), "/o")))
    data["config"]["settings"]["deterministic"] = False  # a key nothing reads
    with pytest.raises(ContractError, match="deterministic"):
        parse_assignment(json.dumps(data))
    for key, value in (("epochs", "20"), ("epochs", 2.5), ("epochs", True), ("seed", None),
                       ("learning_rate", "fast"), ("input_shape", [32, 32]),
                       ("target", "coarse"), ("epochs", 0), ("validation_split", 1.0)):
        data = json.loads(to_line(Assignment(config(), "/o")))
        data["config"]["settings"][key] = value
        with pytest.raises(ContractError):
            parse_assignment(json.dumps(data))


def test_a_recipe_must_carry_what_it_needs_and_nothing_else():
    SHA = "ab" * 32
    TransferRecipe(Recipe.FROZEN, extractor_path="/x.keras", extractor_sha256=SHA)
    with pytest.raises(ContractError):
        TransferRecipe(Recipe.FROZEN)  # which extractor?
    with pytest.raises(ContractError):
        TransferRecipe(Recipe.FROZEN, extractor_path="/x.keras")  # and what is in it?
    with pytest.raises(ContractError):
        TransferRecipe(Recipe.SCRATCH, extractor_path="/x.keras")  # scratch builds fresh
    with pytest.raises(ContractError):  # no head epochs, no rate
        TransferRecipe(Recipe.FINETUNE, extractor_path="/x.keras", extractor_sha256=SHA)
    with pytest.raises(ContractError):
        TransferRecipe(Recipe.FROZEN, extractor_path="/x.keras", extractor_sha256=SHA,
                       head_epochs=2)
    with pytest.raises(ContractError):
        dataclasses.replace(settings(), transfer=TransferRecipe(
            Recipe.FROZEN, extractor_path="/x.keras", extractor_sha256=SHA))


def test_class_names_must_match_the_head():
    with pytest.raises(ContractError, match="3 classes, 2 names"):
        JobConfig(settings(), DataRef("/d.npz", "f", ("a", "b")))


def test_where_an_extractor_sits_is_not_part_of_the_runs_identity():
    arms = lambda path, sha: lesson.arm_jobs(lesson.Settings(width=8), path, sha,
                                             presets.shared_extractor(8), n_classes=15)
    data = DataRef("/d.npz", "f", tuple("abcdefghijklmno"))
    mine = JobConfig(arms("/alice/x.keras", "ab" * 32)["frozen"], data)
    theirs = JobConfig(arms("/bob/y.keras", "ab" * 32)["frozen"], data)
    other = JobConfig(arms("/bob/y.keras", "cd" * 32)["frozen"], data)
    assert mine.key() == theirs.key() != other.key()


def test_the_key_is_the_training_identity():
    assert config().key() == config().key()
    assert config(seed=1).key() != config().key()
    assert config(epochs=3).key() != config().key()
    moved = JobConfig(config().settings, DataRef("/elsewhere.npz", "abc", ("x", "y", "z")))
    assert moved.key() == config().key(), "where the arrays sit does not change the run"
    other_data = JobConfig(config().settings, DataRef("/data/super.npz", "zzz", ("a", "b", "c")))
    assert other_data.key() != config().key()


def test_runs_from_before_the_controls_keep_their_identity():
    """The controls against overfitting are left out of the key at their off values, so
    a run trained before they existed (assets/runs) is still found; on, they change it."""
    import hashlib

    old = config().to_dict()
    for name in ("augment", "dropout", "weight_decay", "early_stopping"):
        del old["settings"][name]
    identity = json.dumps({"settings": old["settings"], "data": "abc"}, sort_keys=True,
                          separators=(",", ":"))
    assert config().key() == hashlib.sha256(identity.encode()).hexdigest()[:32]
    keys = {config(augment=True).key(), config(dropout=0.5).key(),
            config(weight_decay=1e-4).key(), config(early_stopping=2).key(), config().key()}
    assert len(keys) == 5


def test_the_controls_belong_to_layer_stacks_and_early_stopping_needs_validation():
    arm = lesson.arm_jobs(lesson.Settings(width=8), "/x.keras", "ab" * 32,
                          presets.shared_extractor(8), n_classes=15)["scratch"]
    with pytest.raises(ContractError, match="layer stack"):
        dataclasses.replace(arm, dropout=0.5)
    with pytest.raises(ContractError, match="validation split"):
        dataclasses.replace(settings(), early_stopping=2, validation_split=0.0)
    with pytest.raises(ContractError, match="dropout"):
        dataclasses.replace(settings(), dropout=1.0)


EVENTS = [
    PhaseEvent(Phase.IMPORTING), ReadyEvent(3.5, jobs_done=0),
    StartEvent(params=10, trainable=8, train_size=540, val_size=60, test_size=90, steps=9,
               epochs=2, device="CPU"),
    BatchEvent(epoch=0, step=3, loss=1.1, accuracy=0.4, seen=256, t=0.5),
    EpochEvent(epoch=0, t=1.0, partial=False, loss=1.0, accuracy=0.5, val_loss=None,
               val_accuracy=None),
    UnfreezeEvent(epoch=2, trainable=100), DoneEvent(stopped=False, test_accuracy=0.6),
    ErrorEvent("crash", "boom"),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_event_round_trips(event):
    line = to_line(event)
    assert json.loads(line)["event"] == type(event).__name__.removesuffix("Event").lower()
    assert parse_event(line) == event


def test_lines_that_are_not_events_are_refused():
    for line in ("hello", "[]", '{"event": "party"}', '{"event": "batch", "epoch": 0}',
                 '{"event": "phase", "phase": "dancing"}'):
        with pytest.raises(ContractError):
            parse_event(line)


def test_the_worker_refuses_an_incomplete_config_with_an_error_event():
    """No silent fallback: a config without its seed is reported, never trained on a guess."""
    data = json.loads(to_line(Assignment(config(), "/tmp/nowhere")))
    del data["config"]["settings"]["seed"]
    worker = subprocess.run([sys.executable, "-m", "core.engine.worker"], cwd=ROOT,
                            input=json.dumps(data) + "\n", capture_output=True, text=True,
                            timeout=120)
    events = [parse_event(line) for line in worker.stdout.splitlines()]
    assert worker.returncode == 1
    assert events[-1] == ErrorEvent("bad_config", events[-1].message)
    assert "seed" in events[-1].message
    assert not any(isinstance(e, StartEvent) for e in events)
