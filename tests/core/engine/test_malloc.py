"""The server limits glibc's malloc arenas (core/engine/malloc.py), so its memory stays flat."""
import subprocess
import sys

import pytest

from core.engine import malloc


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_threads_share_two_arenas_once_limited():
    """Threads allocating at once: without the limit each gets its own arena (glibc
    counts them in malloc_info); with it, at most two exist."""
    code = """
import ctypes, sys, threading
from core.engine.malloc import limit_malloc_arenas
if sys.argv[1] == "limit":
    assert limit_malloc_arenas()
barrier = threading.Barrier(8)
def work():
    barrier.wait()
    blocks = [ctypes.create_string_buffer(1 << 16) for _ in range(50)]
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
import os, tempfile
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
path = tempfile.mktemp()
f = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(f))
libc.fclose(ctypes.c_void_p(f))
print(open(path).read().count("<heap nr="))
"""
    def arenas(mode):
        out = subprocess.run([sys.executable, "-c", code, mode], capture_output=True, text=True,
                             check=True)
        return int(out.stdout.strip())

    assert arenas("free") > 2
    assert arenas("limit") <= 2


class FakeLibc:
    """A C library whose mallopt only counts its calls."""

    def __init__(self, answer=1):
        self.calls, self.answer = [], answer

    def mallopt(self, parameter, value):
        self.calls.append((parameter, value))
        return self.answer


def test_it_asks_glibc_once_per_process(monkeypatch):
    """Every page run calls it; glibc is asked at the first, the rest reuse the answer."""
    libc = FakeLibc()
    monkeypatch.setattr(malloc.ctypes, "CDLL", lambda name: libc)
    malloc.limit_malloc_arenas.cache_clear()
    try:
        assert malloc.limit_malloc_arenas() is True
        assert malloc.limit_malloc_arenas() is True
        assert libc.calls == [(malloc.M_ARENA_MAX, malloc.ARENAS)]
    finally:
        malloc.limit_malloc_arenas.cache_clear()


def test_without_glibc_nothing_happens(monkeypatch):
    class Musl:  # no mallopt at all
        pass

    monkeypatch.setattr(malloc.ctypes, "CDLL", lambda name: Musl())
    malloc.limit_malloc_arenas.cache_clear()
    try:
        assert malloc.limit_malloc_arenas() is False
        malloc.limit_malloc_arenas.cache_clear()
        monkeypatch.setattr(malloc.ctypes, "CDLL", lambda name: FakeLibc(answer=0))
        assert malloc.limit_malloc_arenas() is False, "glibc refused the value"
    finally:
        malloc.limit_malloc_arenas.cache_clear()
