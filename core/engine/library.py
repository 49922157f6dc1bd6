"""The run library: finished runs kept on disk under their identity, so that a Start that
matches one opens it at once instead of training the same run again.

An entry is a folder named by `JobConfig.key()` (settings, seed and the dataset's
fingerprint) holding `entry.json` (an `Entry`: the settings, the curves, the result,
when it was trained) and the job's output files (`model.keras`, `test_probs.npy`,
`test_labels.npy`, and `extractor.keras` for pretraining). Two libraries are searched:
the one the server writes (every run that finishes is added; bounded in bytes, the
entries used longest ago go first) and the ones shipped read-only with the app
(`assets/runs/`, written by `python -m core seed-runs`). Entries are untrusted like
uploads: an entry is served only when its record passes the contract's strict checks,
its key and dataset fingerprint are the ones asked for, its arrays load without pickle
and have the right shapes, and its models pass the .keras archive checks. A damaged or
foreign entry is skipped with a reason (`Skipped`), never loaded.
"""
from __future__ import annotations

import json
import math
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from core.data.files import atomic_write
from core.engine.contract import (
    BatchEvent, DoneEvent, EpochEvent, JobConfig, RunSettings, Snapshot, StartEvent,
)
from core.engine.contract import (
    OPTIONAL_OUTPUTS, OUTPUTS, ContractError, Record, with_added_fields,
)

ENTRY = "entry.json"
USED = "last-used"  # its mtime: when the entry was last opened (eviction order)
MAX_ENTRY_JSON = 8 * 2**20  # a 200-epoch run at batch 10 records ~135k batches: ~15 MB
#                             is refused; the page's runs are far below
MAX_FILE_BYTES = 64 * 2**20  # any one file of an entry
DEFAULT_MAX_BYTES = 500 * 2**20  # the writable library, all entries together


@dataclass(frozen=True)
class Entry(Record):
    """What entry.json holds: enough to draw the run as if it had just trained."""
    key: str
    settings: RunSettings
    fingerprint: str  # the dataset's
    class_names: tuple[str, ...]
    start: StartEvent
    batches: tuple[BatchEvent, ...]
    epochs: tuple[EpochEvent, ...]
    result: DoneEvent
    trained_at: float  # when it finished (seconds since the epoch)
    seconds: float  # how long it trained


@dataclass(frozen=True)
class Found:
    entry: Entry
    folder: Path


@dataclass(frozen=True)
class Skipped:
    """An entry that exists for the key but was not served, and why."""
    folder: Path
    reason: str  # damaged, foreign, unreadable


class EntryRefused(ValueError):
    pass


def entry_of(snapshot: Snapshot) -> Entry:
    """The library record of a job that ended DONE."""
    config = snapshot.config
    return Entry(key=config.key(), settings=config.settings, fingerprint=config.data.fingerprint,
                 class_names=config.data.class_names, start=snapshot.start,
                 batches=snapshot.batches, epochs=snapshot.epochs, result=snapshot.result,
                 trained_at=snapshot.ended or time.time(),
                 seconds=snapshot.epochs[-1].t if snapshot.epochs else 0.0)


def _stamp(folder: Path) -> tuple | None:
    """What changes when any file of an entry does (USED is touched on every opening)."""
    try:
        return tuple(sorted((f.name, f.stat().st_size, f.stat().st_mtime_ns)
                            for f in folder.iterdir() if f.name != USED))
    except OSError:
        return None


def identical(entry: Entry, folder: Path, config: JobConfig) -> Entry:
    """The entry, if it is this config's run on this data; EntryRefused else."""
    if entry.key != config.key() or folder.name != entry.key:
        raise EntryRefused("foreign: it is another run")
    if entry.fingerprint != config.data.fingerprint:
        raise EntryRefused("foreign: it was trained on another dataset")
    if entry.class_names != config.data.class_names:
        raise EntryRefused("foreign: its classes differ")
    return entry


def check(folder: Path, config: JobConfig) -> Entry:
    """The entry in `folder` if it is whole and is this config's run; EntryRefused else."""
    import numpy as np

    from core.transfer.checkpoints import CheckpointError, check_archive

    path = folder / ENTRY
    if not path.is_file() or path.stat().st_size > MAX_ENTRY_JSON:
        raise EntryRefused("damaged: no readable entry.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):  # an entry from before the controls against overfitting
            data["settings"] = with_added_fields(data.get("settings"))
        entry = Entry.from_dict(data)
    except (ValueError, ContractError, UnicodeDecodeError) as err:
        raise EntryRefused(f"damaged: {str(err)[:120]}") from None
    identical(entry, folder, config)
    for name in OUTPUTS + tuple(n for n in OPTIONAL_OUTPUTS if (folder / n).exists()):
        file = folder / name
        if not file.is_file() or file.stat().st_size > MAX_FILE_BYTES:
            raise EntryRefused(f"damaged: {name} is missing or too large")
    try:
        saved = tuple(n for n in OPTIONAL_OUTPUTS if (folder / n).exists())
        for name in ("model.keras",) + saved:
            check_archive((folder / name).read_bytes(), name)
        probs = np.load(folder / "test_probs.npy", allow_pickle=False)  # (N, K)
        labels = np.load(folder / "test_labels.npy", allow_pickle=False)  # (N,)
    except (CheckpointError, ValueError, OSError) as err:
        raise EntryRefused(f"damaged: {str(err)[:120]}") from None
    n, k = entry.start.test_size, config.settings.n_classes
    if (probs.shape != (n, k) or labels.shape != (n,) or not np.isfinite(probs).all()
            or labels.dtype.kind not in "iu" or n and not 0 <= labels.min() <= labels.max() < k):
        raise EntryRefused("damaged: its test-set outputs do not fit the run")
    accuracy = float((probs.argmax(1) == labels).mean()) if n else 0.0
    if not math.isclose(accuracy, entry.result.test_accuracy, abs_tol=1e-6):
        raise EntryRefused("damaged: its outputs do not give its test accuracy")
    return entry


class RunLibrary:
    """Finished runs by key: a writable folder (bounded) and read-only shipped ones."""

    def __init__(self, writable: Path | None, shipped: tuple[Path, ...] = (),
                 max_bytes: int = DEFAULT_MAX_BYTES):
        self.writable = Path(writable) if writable else None
        self.shipped = tuple(Path(p) for p in shipped)
        self.max_bytes = max_bytes
        # folder -> (its files' names, sizes and mtimes, the entry that passed `check`):
        # checking reads every file (45 ms for a 20-epoch run), and a class opens the same
        # entries again and again. A file changed since is checked again.
        self._checked: dict[Path, tuple[tuple, Entry]] = {}
        self._lock = threading.Lock()

    def folders(self, key: str) -> list[Path]:
        roots = ([self.writable] if self.writable else []) + list(self.shipped)
        return [root / key for root in roots if (root / key).is_dir()]

    def find(self, config: JobConfig) -> tuple[Found | None, list[Skipped]]:
        """The first whole entry of this config's run, and the entries refused on the way."""
        skipped = []
        for folder in self.folders(config.key()):
            try:
                entry = self._checked_entry(folder, config)
            except EntryRefused as err:
                skipped.append(Skipped(folder, str(err)))
                continue
            self._touch(folder)
            return Found(entry, folder), skipped
        return None, skipped

    def _checked_entry(self, folder: Path, config: JobConfig) -> Entry:
        """check(folder, config), done once per version of the folder's files."""
        stamp = _stamp(folder)
        with self._lock:
            known = self._checked.get(folder)
        if known is not None and stamp is not None and known[0] == stamp:
            return identical(known[1], folder, config)
        entry = check(folder, config)
        with self._lock:
            self._checked[folder] = (stamp, entry)
        return entry

    def _touch(self, folder: Path) -> None:
        if self.writable and folder.parent == self.writable:
            try:
                (folder / USED).touch()
            except OSError:
                pass

    def store(self, snapshot: Snapshot, keep: set[Path] = frozenset()) -> Path | None:
        """Copy a DONE job's outputs and record into the writable library (whole or not at
        all), then evict old entries beyond the bound, sparing `keep` (folders in use).
        None when there is no writable library or the disk refuses."""
        if self.writable is None or snapshot.result is None or snapshot.start is None:
            return None
        entry = entry_of(snapshot)
        target = self.writable / entry.key
        if target.is_dir():
            return target
        try:
            self.writable.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.writable))
            for name in OUTPUTS + OPTIONAL_OUTPUTS:
                if (snapshot.out_dir / name).is_file():
                    shutil.copyfile(snapshot.out_dir / name, staging / name)
            text = json.dumps(entry.to_dict()).encode()
            atomic_write(staging / ENTRY, lambda out: out.write(text))
            (staging / USED).touch()
            staging.rename(target)
        except OSError:  # a full disk: the run is simply not kept
            if "staging" in locals():
                shutil.rmtree(staging, ignore_errors=True)
            return None
        self.evict(keep | {target})
        return target

    def entries(self) -> list[Path]:
        if self.writable is None or not self.writable.is_dir():
            return []
        return [p for p in self.writable.iterdir() if p.is_dir() and not p.name.startswith(".")]

    def size(self, folder: Path) -> int:
        return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())

    def evict(self, keep: set[Path] = frozenset()) -> list[Path]:
        """Remove the entries used longest ago until the writable library fits its bound."""
        def last_used(folder: Path) -> float:
            try:
                return (folder / USED).stat().st_mtime
            except OSError:
                return 0.0

        folders = sorted(self.entries(), key=last_used)
        total = sum(self.size(f) for f in folders)
        removed = []
        for folder in folders:
            if total <= self.max_bytes:
                break
            if folder in keep:
                continue
            total -= self.size(folder)
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        return removed
