"""The fair queue: round-robin between sessions, the instructor first, and forecasts."""
from dataclasses import dataclass

import pytest

from core.engine.queue import forecast, order


@dataclass
class Waiting:
    name: str
    lead: str
    created: float
    watchers: frozenset = frozenset()  # a shared run's other sessions


def names(jobs) -> list[str]:
    return [job.name for job in jobs]


def test_sessions_take_turns_whatever_they_queued():
    queued = [Waiting("a1", "a", 1), Waiting("a2", "a", 2), Waiting("a3", "a", 3),
              Waiting("b1", "b", 4), Waiting("c1", "c", 5), Waiting("b2", "b", 6)]
    assert names(order(queued, {}, set())) == ["a1", "b1", "c1", "a2", "b2", "a3"]


def test_a_session_served_recently_waits_for_the_others():
    queued = [Waiting("a2", "a", 1), Waiting("b1", "b", 2), Waiting("c1", "c", 3)]
    served = {"a": 100.0, "c": 50.0}  # a just had a job start; b never did
    assert names(order(queued, served, set())) == ["b1", "c1", "a2"]


def test_the_instructor_goes_first():
    queued = [Waiting("a1", "a", 1), Waiting("t1", "teacher", 2), Waiting("b1", "b", 3),
              Waiting("t2", "teacher", 4)]
    assert names(order(queued, {"teacher": 99.0}, {"teacher"})) == ["t1", "t2", "a1", "b1"]


def test_a_shared_run_takes_the_best_turn_of_the_sessions_watching_it():
    served = {"a": 100.0, "b": 50.0}  # a and b had runs; x, who shares a's new run, did not
    queued = [Waiting("shared", "a", 1, frozenset({"a", "x"})), Waiting("b2", "b", 2)]
    assert names(order(queued, served, set())) == ["shared", "b2"]
    alone = [Waiting("a2", "a", 1), Waiting("b2", "b", 2)]
    assert names(order(alone, served, set())) == ["b2", "a2"], "a's own run waits its turn"


def test_a_run_the_instructor_watches_goes_first():
    queued = [Waiting("a1", "a", 1), Waiting("class", "s1", 2, frozenset({"s1", "teacher"}))]
    assert names(order(queued, {}, {"teacher"})) == ["class", "a1"]


def test_forecast_one_slot():
    times = forecast([30.0], [10.0, 20.0], slots=1)
    assert times == [(30.0, 40.0), (40.0, 60.0)]


def test_forecast_two_slots_fill_the_first_free_one():
    times = forecast([30.0], [10.0, 20.0, 5.0], slots=2)
    assert times == [(0.0, 10.0), (10.0, 30.0), (30.0, 35.0)]
    assert forecast([], [], slots=1) == []


@pytest.mark.parametrize("slots", [1, 2, 3])
def test_forecast_never_starts_more_than_slots_at_once(slots):
    times = forecast([5.0] * slots, [7.0] * 10, slots)
    for t in {start for start, _ in times}:
        assert sum(start <= t < end for start, end in times) <= slots


def test_forecast_a_job_waits_until_it_fits_in_memory_and_holds_back_the_next():
    fits = lambda running, next_mb: sum(running) + next_mb <= 100  # noqa: E731
    times = forecast([30.0], [10.0, 20.0], slots=2, fits=fits, running_mb=[60.0],
                     queued_mb=[50.0, 30.0])
    # 50 MB does not fit beside the 60 MB job: it starts when that ends, and the 30 MB one
    # (which would have fitted at once) does not pass it.
    assert times == [(30.0, 40.0), (30.0, 50.0)]


def test_forecast_a_job_too_big_for_the_budget_still_starts_alone():
    fits = lambda running, next_mb: not running or sum(running) + next_mb <= 100  # noqa: E731
    times = forecast([5.0], [10.0, 10.0], slots=2, fits=fits, running_mb=[10.0],
                     queued_mb=[500.0, 10.0])
    assert times == [(5.0, 15.0), (15.0, 25.0)]  # nothing fits beside the big one
