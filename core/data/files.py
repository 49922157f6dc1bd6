"""Writing files so that a reader never sees half of one: stage beside, then rename.

Everything the app writes (course files, the CIFAR-100 download, a job's arrays, a
worker's model and predictions, an accepted upload, bundled-checkpoint metadata) goes
through here. A failure (a full disk, Ctrl+C, a network error mid-download) removes the
staged file and leaves whatever was at the destination untouched. Plain OSErrors come
out; callers that talk to students turn them into messages (core.data.course_files).
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


@contextmanager
def staged(path: Path) -> Iterator[Path]:
    """A fresh temporary path beside `path`, renamed onto it when the block ends without
    an error and removed when it raises. The temporary name keeps `path`'s suffix,
    which Keras' `save` and `np.save` insist on."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.",
                                    suffix=f".part{path.suffix}")
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the server may run as another user
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def stage(path: Path, write: Callable) -> Path:
    """write(out) into a new temporary file beside `path`, fsynced; returns that file.
    The caller renames it into place (os.replace) or deletes it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(name, 0o644)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def atomic_write(path: Path, write: Callable) -> None:
    """write(out) to an open binary file that becomes `path` only once complete."""
    os.replace(stage(path, write), path)


def atomic_save(path: Path, save: Callable) -> None:
    """save(tmp_path) for libraries that want a file name (Keras' save, np.save)."""
    with staged(path) as tmp:
        save(tmp)


def write_all(writes: dict[Path, Callable]) -> None:
    """Several files (path -> write(out)) all or nothing: every one is staged first and
    only then renamed into place. A failure removes the staged files and raises."""
    done: dict[Path, Path] = {}
    try:
        for path, write in writes.items():
            try:
                done[Path(path)] = stage(path, write)
            except OSError as err:
                err.filename = err.filename or str(path)  # which file the disk refused
                raise
    except BaseException:
        for tmp in done.values():
            tmp.unlink(missing_ok=True)
        raise
    for path, tmp in done.items():
        os.replace(tmp, path)
