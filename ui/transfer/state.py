"""This session's transfer lesson: its jobs, its files, and which extractor steps 3-5 use.

Jobs live in the server's one JobManager (core.st_cache.job_manager); the session keeps
their ids by role ("pretrain", "scratch", "frozen", "finetune"). Files live in the
session's own folder (core.engine.sessions.Sessions.folder: a hash of the session id), under fixed
names; nothing a user typed or uploaded ever names a file, and an upload's own name is
kept only through core.transfer.checkpoints.printable, to be shown.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import streamlit as st

from core.transfer import pretrain
from core import st_cache
from core.transfer.checkpoints import CheckpointError, CheckpointInfo, inspect_keras, printable
from core.data.course_files import write_error
from core.data.files import atomic_write
from core.engine.contract import ENDED_WITH_OUTPUTS
from ui import lost_runs

JOBS_KEY = "transfer_job_ids"  # session_state: role -> job id
EXTRACTOR_UPLOAD_KEY = "transfer_upload_accepted"  # session_state: {"file_id", "name", "size"}
ARMS_SOURCE_KEY = "transfer_arms_source"  # session_state: the source the arms reused
WANTED_KEY = "transfer_source_wanted"  # session_state: a source to select once it exists
UPLOAD_FILE = "uploaded-extractor.keras"  # the accepted upload, in the session's folder
SOURCES = ("pretrained", "bundled", "upload")  # where the extractor of steps 3-5 comes from


@dataclass(frozen=True)
class Extractor:
    """A saved extractor the lesson can use, checked by core.transfer.checkpoints.inspect_keras."""
    source: str  # one of SOURCES
    path: Path
    info: CheckpointInfo
    meta: dict  # bundled: its metadata (epochs, accuracy, ...); else {}


def jobs() -> dict:
    """role -> core.engine.job.Job of this session's lesson (the latest of each role)."""
    ids = st.session_state.get(JOBS_KEY, {})
    mine = {job.id: job for job in st_cache.job_manager().jobs_of(st_cache.session_id())}
    return {role: mine[i] for role, i in ids.items() if i in mine}


def remember(role: str, job) -> None:
    st.session_state.setdefault(JOBS_KEY, {})[role] = job.id
    lost_runs.keep(JOBS_KEY)


def remember_source(source: str) -> None:
    """Which extractor (one of SOURCES) the arms now queued reuse."""
    st.session_state[ARMS_SOURCE_KEY] = source
    lost_runs.keep(ARMS_SOURCE_KEY)


def arms_source() -> str:
    return st.session_state.get(ARMS_SOURCE_KEY, "pretrained")


def busy(lesson_jobs: dict) -> bool:
    return any(job.active for job in lesson_jobs.values())


def session_dir() -> Path:
    return st_cache.job_manager().sessions.folder(st_cache.session_id())


def checked(path: Path) -> CheckpointInfo | None:
    """inspect_keras of a file on disk; None if it is missing or refused."""
    try:
        return inspect_keras(path.read_bytes(), path.name)
    except (OSError, CheckpointError):
        return None


def pretrained(lesson_jobs: dict) -> Extractor | None:
    """The extractor this session's pretraining saved (also after a Stop), if any."""
    job = lesson_jobs.get("pretrain")
    if job is None or job.state not in ENDED_WITH_OUTPUTS:
        return None
    path = job.out_dir / "extractor.keras"
    info = checked(path) if path.is_file() else None
    return Extractor("pretrained", path, info, {}) if info else None


def bundled(dataset) -> tuple[list, list]:
    """core.transfer.pretrain.bundled for the active dataset, without hashing its pixels again."""
    return pretrain.bundled(SimpleNamespace(fingerprint=st_cache.fingerprint(dataset)),
                            pretrain.CHECKPOINT_DIR)


def bundled_extractor(dataset) -> Extractor | None:
    """The bundled extractor trained on this dataset (the narrowest, if several match)."""
    matching, _ = bundled(dataset)
    for path, meta in sorted(matching, key=lambda pair: pair[1].get("width", 0)):
        info = checked(path)
        if info:
            return Extractor("bundled", path, info, meta)
    return None


def uploaded() -> Extractor | None:
    """The last upload that passed the checks (a refused one never replaces it)."""
    accepted = st.session_state.get(EXTRACTOR_UPLOAD_KEY)
    path = session_dir() / UPLOAD_FILE
    if not accepted or not path.is_file():
        return None
    info = checked(path)
    return Extractor("upload", path, info, dict(accepted)) if info else None


def accept_upload(file_id: str, name: str, data: bytes) -> CheckpointInfo:
    """Check an uploaded file and, if it passes, keep it under the fixed name.

    Raises CheckpointError, or DataError if the disk is full (nothing is written, the
    previous upload stays)."""
    info = inspect_keras(data, name)
    path = session_dir() / UPLOAD_FILE
    try:
        atomic_write(path, lambda out: out.write(data))
    except OSError as err:
        raise write_error(path, err) from None
    st.session_state[EXTRACTOR_UPLOAD_KEY] = {"file_id": file_id, "name": printable(name, 100),
                                    "size": len(data)}
    return info


def available(lesson_jobs: dict, dataset) -> dict[str, Extractor]:
    """source -> Extractor, for the sources that have one now."""
    found = {"pretrained": pretrained(lesson_jobs), "bundled": bundled_extractor(dataset),
             "upload": uploaded()}
    return {source: e for source, e in found.items() if e is not None}
