"""A browser tab's runs, kept across a refresh.

A refresh (F5) opens a new Streamlit session: the runs of the old one would be out of
reach, and the page would say no run was ever trained. So each session gets an
unguessable token (128 random bits) that the page keeps in its address (`?run=`), and a
small memo of what its pages remember (the run list, the transfer lesson's roles). A new
session that opens with a token this server gave out takes over that session's runs:
it becomes their holder (and their watcher where the old tab watched), and gets the memo
back. Nothing else in the address can show a run: a token that is not one of this
server's is ignored, and the share links the pages build never carry it.
"""
from __future__ import annotations

import secrets
import threading


class SessionTokens:
    def __init__(self):
        self.session_of: dict[str, str] = {}  # token -> the session it belongs to now
        self.token_of: dict[str, str] = {}  # session -> its token
        self.memos: dict[str, dict] = {}  # token -> what the session's pages remember
        self.lock = threading.Lock()

    def token(self, session_id: str) -> str:
        """This session's token, made on first use."""
        with self.lock:
            if session_id not in self.token_of:
                token = secrets.token_urlsafe(16)
                self.token_of[session_id], self.session_of[token] = token, session_id
                self.memos[token] = {}
            return self.token_of[session_id]

    def memo(self, session_id: str) -> dict:
        """The session's memo, to write what its pages remember into."""
        return self.memos[self.token(session_id)]

    def take_over(self, token: str, session_id: str) -> str | None:
        """Move the token (and its memo) to `session_id`; the session it belonged to, or
        None for a token this server never gave out (or this session's own)."""
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
            return old

    def forget(self, session_id: str) -> None:
        with self.lock:
            token = self.token_of.pop(session_id, None)
            if token is not None:
                self.session_of.pop(token, None)
                self.memos.pop(token, None)
