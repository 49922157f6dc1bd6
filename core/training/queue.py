"""Who trains next, and when each waiting run should start and end.

`order` puts the queued jobs in the order they will start: the instructor's first (in
the order they were asked for), then one job per session per round, the session served
longest ago (or never) first, so a student who queues several runs waits her turn like
everyone else. `forecast` turns the order into estimated start and end times from what
the running jobs have left and what each queued one is expected to take.
"""
from __future__ import annotations

import heapq
from typing import Sequence


def order(queued: Sequence, served: dict[str, float], priority: set[str]) -> list:
    """queued: jobs with `.lead` (the session whose turn it is) and `.created`, in the
    order they were asked for; served: session -> when it last had a job started;
    priority: the instructor's sessions."""
    first = [job for job in queued if job.lead in priority]
    rest: dict[str, list] = {}
    for job in queued:
        if job.lead not in priority:
            rest.setdefault(job.lead, []).append(job)
    # Sessions in turn order: never served before served, then longest ago first, then
    # whoever asked first.
    turns = sorted(rest, key=lambda s: (s in served, served.get(s, 0.0), rest[s][0].created))
    rounds = []
    depth = max((len(jobs) for jobs in rest.values()), default=0)
    for i in range(depth):
        rounds += [rest[s][i] for s in turns if i < len(rest[s])]
    return first + rounds


def forecast(remaining: Sequence[float], durations: Sequence[float],
             slots: int) -> list[tuple[float, float]]:
    """(start, end) in seconds from now for each queued job, in queue order.

    remaining: seconds each running job still needs; durations: what each queued job
    should take (start-up included); slots: jobs that train at once."""
    free = sorted(list(remaining)[:slots])
    free += [0.0] * (slots - len(free))
    heapq.heapify(free)
    times = []
    for duration in durations:
        start = heapq.heappop(free)
        times.append((start, start + duration))
        heapq.heappush(free, start + duration)
    return times
