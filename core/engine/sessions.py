"""The browser sessions the engine serves: whether a tab is still open, its runs kept across
a refresh, its own folder, and the instructor's lane.

A refresh (F5) opens a new Streamlit session: the runs of the old one would be out of
reach, and the page would say no run was ever trained. So each session gets an
unguessable token (128 random bits) that the page keeps in its address (`?run=`), and a
small memo of what its pages remember (the run list, the transfer lesson's roles). A new
session that opens with a token this server gave out takes over that session's runs:
it becomes their holder (and their watcher where the old tab watched), and gets the memo
back (core.engine.manager.JobManager.reattach). Nothing else in the address can show a
run: a token that is not one of this server's is ignored, and the share links the pages
build never carry it.

Everything here is under one lock of its own; nothing in it calls the manager, so the
manager may ask it while holding its own lock.
"""
from __future__ import annotations

import copy
import secrets
import shutil
import threading
from pathlib import Path
from typing import Any, Callable

from core.engine.folders import session_dir


class Sessions:
    def __init__(self, root: Path, alive: Callable[[str], bool] | None = None):
        self.root = Path(root)
        self._alive = alive or (lambda session_id: True)
        self.session_of: dict[str, str] = {}  # token -> the session it belongs to now
        self.token_of: dict[str, str] = {}  # session -> its token
        self.memos: dict[str, dict] = {}  # token -> what the session's pages remember
        self.priority: set[str] = set()  # the instructor's sessions: their runs go first
        self.lock = threading.Lock()

    def alive(self, session_id: str) -> bool:
        """Whether the session's tab is still connected (Streamlit's Runtime says)."""
        return self._alive(session_id)

    # --- a tab's runs across a refresh ----------------------------------------------
    def token(self, session_id: str) -> str:
        """This session's token, made on first use."""
        with self.lock:
            return self._token(session_id)

    def _token(self, session_id: str) -> str:
        if session_id not in self.token_of:
            token = secrets.token_urlsafe(16)
            self.token_of[session_id], self.session_of[token] = token, session_id
            self.memos[token] = {}
        return self.token_of[session_id]

    def remember(self, session_id: str, key: str, value: Any) -> str:
        """Keep a copy of what a page remembers under `key`; the session's token."""
        with self.lock:
            token = self._token(session_id)
            self.memos[token][key] = copy.deepcopy(value)
            return token

    def memo(self, session_id: str) -> dict:
        """A copy of what the session's pages remembered."""
        with self.lock:
            return copy.deepcopy(self.memos.get(self.token_of.get(session_id, ""), {}))

    def take_over(self, token: str, session_id: str) -> tuple[str, dict] | None:
        """Move the token (and its memo) to `session_id`: (the session it belonged to, a
        copy of the memo), or None for a token this server never gave out (or this
        session's own)."""
        with self.lock:
            old = self.session_of.get(token)
            if old is None or old == session_id:
                return None
            stale = self.token_of.pop(session_id, None)  # the new tab's own, still empty
            if stale is not None and stale != token:
                self.session_of.pop(stale, None)
                self.memos.pop(stale, None)
            del self.token_of[old]
            self.session_of[token], self.token_of[session_id] = session_id, token
            return old, copy.deepcopy(self.memos[token])

    # --- the instructor's lane --------------------------------------------------------
    def set_priority(self, session_id: str, on: bool) -> None:
        with self.lock:
            (self.priority.add if on else self.priority.discard)(session_id)

    def prioritised(self) -> frozenset[str]:
        with self.lock:
            return frozenset(self.priority)

    # --- a session's own files ------------------------------------------------------------
    def folder(self, session_id: str) -> Path:
        """A folder of this session's own (an uploaded extractor); named by a hash."""
        return session_dir(self.root, session_id)

    def forget(self, session_id: str) -> None:
        """The session has ended: its token, memo, lane and files go."""
        with self.lock:
            token = self.token_of.pop(session_id, None)
            if token is not None:
                self.session_of.pop(token, None)
                self.memos.pop(token, None)
            self.priority.discard(session_id)
        shutil.rmtree(session_dir(self.root, session_id, make=False), ignore_errors=True)
