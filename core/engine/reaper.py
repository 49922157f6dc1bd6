"""The reaper: a thread that watches for closed tabs and stuck workers.

A session whose tab has been closed for `orphan_grace` seconds stops watching its runs
(a run nobody watches stops, core.engine.manager.JobManager.leave); after
`forget_after` it loses its ended runs and files. A worker that ignores Stop for
STOP_KILL_S is killed, and its job ends as stopped.
"""
from __future__ import annotations

import threading
import time

REAP_EVERY_S = 2.0  # how often the reaper looks for orphans and dead workers
STOP_KILL_S = 20.0  # a worker that ignores Stop this long is killed


class Reaper:
    def __init__(self, manager, orphan_grace: float, forget_after: float):
        self.manager = manager
        self.orphan_grace = orphan_grace
        self.forget_after = max(forget_after, orphan_grace)
        self._gone_since: dict[str, float] = {}
        self.closed = threading.Event()
        threading.Thread(target=self._reap_loop, daemon=True).start()

    def close(self) -> None:
        self.closed.set()

    def _reap_loop(self) -> None:
        while not self.closed.wait(REAP_EVERY_S):
            try:
                self.reap()
            except Exception:  # one bad pass must not end reaping for the server's life
                import traceback

                traceback.print_exc()

    def reap(self) -> None:
        """Sessions whose tab closed stop watching (a run nobody watches stops), then lose
        their runs; workers that ignore Stop are killed. It asks the manager and the
        sessions, never reaching into their records."""
        now = time.time()
        gone, forgotten = [], []
        for session_id in self.manager.sessions_holding():
            if self.manager.sessions.alive(session_id):
                self._gone_since.pop(session_id, None)
                continue
            away = now - self._gone_since.setdefault(session_id, now)
            if away >= self.orphan_grace:
                gone.append(session_id)
            if away >= self.forget_after:
                forgotten.append(session_id)
        for session_id in gone:
            self.manager.leave_all(session_id)
        self.manager.kill_stuck(STOP_KILL_S)
        for session_id in forgotten:
            if not self.manager.watches_any(session_id):
                self.manager.forget_session(session_id)
                self._gone_since.pop(session_id, None)
