"""Who trains next, and when each waiting run should start and end.

`Timing` keeps what the forecasts learn from finished jobs.

`order` puts the queued jobs in the order they will start: the instructor's first (in
the order they were asked for), then one job per session per round, the session served
longest ago (or never) first, so a student who queues several runs waits her turn like
everyone else; a run classmates share takes the best turn among them. `forecast` turns
the order into estimated start and end times from what the running jobs have left and
what each queued one is expected to take, with `may_start`'s rule (a free slot, and
memory for it) that the scheduler follows too.
"""
from __future__ import annotations

from typing import Callable, Sequence


def order(queued: Sequence, served: dict[str, float], priority: set[str]) -> list:
    """queued: jobs with `.lead` (the session whose turn it is), `.created` and, for a run
    classmates share, `.watchers`, in the order they were asked for; served: session ->
    when it last had a job started; priority: the instructor's sessions.

    A shared run is the waiting run of every session watching it, so it takes the best
    turn among them, and goes first if the instructor watches it."""
    def sessions(job) -> set:
        return set(getattr(job, "watchers", ())) | {job.lead}

    first = [job for job in queued if sessions(job) & priority]
    rest: dict[str, list] = {}
    for job in queued:
        if job not in first:
            rest.setdefault(job.lead, []).append(job)

    def turn(job) -> tuple:  # never served before served, then longest ago, then first asked
        return min((s in served, served.get(s, 0.0)) for s in sessions(job)) + (job.created,)

    rounds = []
    depth = max((len(jobs) for jobs in rest.values()), default=0)
    for i in range(depth):
        rounds += sorted((jobs[i] for jobs in rest.values() if i < len(jobs)), key=turn)
    return first + rounds


def may_start(running_mb: list[float], next_mb: float, slots: int,
              fits: Callable[[list[float], float], bool] | None = None) -> bool:
    """Whether the next job in the queue may start beside jobs of this memory: a slot is
    free and, with `fits` (core.engine.memory), it fits beside them."""
    return len(running_mb) < slots and (fits is None or fits(running_mb, next_mb))


def forecast(remaining: Sequence[float], durations: Sequence[float], slots: int,
             fits: Callable[[list[float], float], bool] | None = None,
             running_mb: Sequence[float] = (), queued_mb: Sequence[float] = ()
             ) -> list[tuple[float, float]]:
    """(start, end) in seconds from now for each queued job, in queue order.

    remaining: seconds each running job still needs; durations: what each queued job
    should take (start-up included); slots: jobs that train at once. With `fits(the
    memory of the jobs training, the next one's)` (core.engine.memory), a job also
    waits until it fits beside them; running_mb and queued_mb are the jobs' memory. Jobs
    start in order: one that must wait holds back the ones behind it."""
    running = list(zip(remaining, list(running_mb) or [0.0] * len(remaining)))
    now, times = 0.0, []
    for i, duration in enumerate(durations):
        memory = queued_mb[i] if queued_mb else 0.0
        while True:
            running = [(end, mb) for end, mb in running if end > now]
            if may_start([mb for _, mb in running], memory, slots, fits):
                break
            now = min(end for end, _ in running)
        times.append((now, now + duration))
        running.append((now + duration, memory))
    return times


STARTUP_S = 8.0  # a job's time outside its fit (TensorFlow, data, model, saving), until measured
UNKNOWN_S = 60.0  # a job without an estimate


class Timing:
    """What the forecasts learn from the jobs that end: the time a job spends outside its
    fit (waiting for TensorFlow, reading data, building, saving) and how its fit compared
    with the plan's estimate (core.training.plan.epoch_seconds, calibrated on another
    machine). Both are moving averages, so a busy hour or a faster CPU shows at once."""

    def __init__(self):
        self.startup_s = STARTUP_S
        self.speed = 1.0  # measured training time / the plan's estimate

    def expected(self, estimate_s: float | None) -> float:
        """Seconds a job should take from its start, start-up included."""
        return self.startup_s + self.speed * (estimate_s or UNKNOWN_S)

    def learn(self, snapshot, estimate_s: float | None) -> None:
        """Fold in a job that has ended (a core.engine.contract.Snapshot)."""
        from core.engine.contract import JobState

        if snapshot.state != JobState.DONE or not snapshot.epochs or not snapshot.started:
            return
        overhead = (snapshot.ended - snapshot.started) - snapshot.epochs[-1].t
        self.startup_s = 0.5 * self.startup_s + 0.5 * max(overhead, 0.0)
        if estimate_s:
            ratio = snapshot.epochs[-1].t / estimate_s
            self.speed = 0.5 * self.speed + 0.5 * min(max(ratio, 0.1), 10.0)

    def forecast(self, running, estimates, slots: int, fits=None, running_mb=(),
                 queued_mb=()) -> list[tuple[float, float]]:
        """(start, end) from now for queued jobs with these estimates, after the running
        jobs ((snapshot, estimate) pairs) have done what they have left; `fits` and the
        memory as in `forecast`."""
        import time

        from core.engine.progress import progress

        now = time.time()
        remaining = []
        for snapshot, estimate_s in running:
            left = progress(snapshot, now).left
            expected = self.expected(estimate_s)
            remaining.append(left if left is not None
                             else max(expected - (now - (snapshot.started or now)), 1.0))
        return forecast(remaining, [self.expected(e) for e in estimates], slots, fits,
                        running_mb, queued_mb)
