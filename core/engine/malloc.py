"""Keep the server's memory from creeping up with every training run it watches.

glibc gives each new thread that allocates its own malloc arena (up to 8 per core), and
an arena keeps what it once held. The server starts threads all the time (each worker
process gets reader threads, each session a script thread), so its resident memory grew
by about 22 MB every few training runs (benchmarks/session_memory.py: 231 -> 297 MB over
20 runs; with two arenas: 229 -> 230 MB). Workers get MALLOC_ARENA_MAX=2 from their
environment (core/engine/local.py); the server is already running when the app's code first
runs, so it asks glibc directly.
"""
from __future__ import annotations

import ctypes
import functools

M_ARENA_MAX = -8  # glibc's mallopt parameter number for the arena limit
ARENAS = 2


@functools.cache  # once per process
def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """mallopt(M_ARENA_MAX, arenas) on glibc; True if it was applied. Elsewhere (macOS,
    musl, Windows) nothing happens: those allocators do not grow arenas per thread."""
    try:
        process = ctypes.CDLL(None)  # the running program, with the C library it loaded
        return bool(process.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError, TypeError):  # no mallopt: not glibc
        return False
