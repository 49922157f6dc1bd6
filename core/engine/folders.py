"""Where a server keeps its jobs' files, and clearing up after servers that are gone.

Each server makes its own folder in /tmp (`cnnlab-jobs-<random>/`) with `server.pid` in
it; job outputs live in `runs/job-<n>/`, a session's own files (an uploaded extractor) in
a folder named by a hash of its session id, never by anything a user typed.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

ROOT_PREFIX = "cnnlab-jobs-"  # a server's folder for its jobs' data and models, in /tmp
OWNER_FILE = "server.pid"  # in that folder: the server process that owns it


def new_root() -> Path:
    """A fresh folder for this server, after removing those of dead servers."""
    remove_stale_roots()
    root = Path(tempfile.mkdtemp(prefix=ROOT_PREFIX))
    (root / OWNER_FILE).write_text(str(os.getpid()))
    return root


def session_dir(root: Path, session_id: str, make: bool = True) -> Path:
    """A folder of this session's own (made unless `make` is False); its name is a hash,
    never user input."""
    name = hashlib.sha256(session_id.encode()).hexdigest()[:24]
    path = Path(root) / name
    if make:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def remove_stale_roots(parent: Path | None = None) -> list[Path]:
    """Delete the job folders of servers that are gone (killed, crashed, restarted): their
    models and arrays would otherwise fill the disk, one set per restart."""
    removed = []
    for folder in Path(parent or tempfile.gettempdir()).glob(f"{ROOT_PREFIX}*"):
        try:
            owner = int((folder / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not ours to judge: no owner recorded
        if owner != os.getpid() and not _process_exists(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True
