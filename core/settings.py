"""The server's settings: read once from the environment and the app's secrets, typed and
frozen, each with its default and what it accepts.

`read(env, secrets)` returns a `ServerSettings`. A variable in the environment wins over
the same setting in the secrets (`.streamlit/secrets.toml`, or Community Cloud's secrets
box). A value that is not what the setting accepts never stops the server and is never
silently replaced: the setting keeps its default and a `Problem` says which variable,
what it held and what it accepts (the sidebar shows it, the server's log prints it, and
the command line refuses to start). The Streamlit server reads its settings once
(core.st_cache.server_settings); scripts and the command line read the environment
alone (`from_environment`). `current()` is this process's settings, for the few
functions that have no caller to be handed them by (the default dataset's folder).
"""
from __future__ import annotations

import dataclasses
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from core.config import ROOT


@dataclass(frozen=True)
class Problem:
    """A setting whose value was refused; the default is used instead."""
    source: str  # "CNNLAB_TRAIN_MAX_IMAGES", or "secrets [training] max_images"
    value: str  # what it held, shortened and printable
    accepts: str  # the i18n key's suffix under settings.accepts.* ("whole", ...)
    low: float | None  # the bounds the message names, where it has them
    high: float | None
    default: str | None  # what the server uses instead ("2"); None: nothing (no cap)

    def message(self) -> str:
        """The English sentence for the server's log and the command line."""
        accepts = ACCEPTS[self.accepts].format(low=plain(self.low), high=plain(self.high))
        return (f"{self.source} = {self.value!r} is not {accepts}: using the default "
                f"({self.default or 'none'}).")


ACCEPTS = {  # English; the pages translate settings.accepts.<kind>
    "whole": "a whole number from {low} up",
    "whole_range": "a whole number from {low} to {high}",
    "number": "a number above {low}",
    "number_from": "a number from {low} up",
    "switch": "0 or 1 (off or on)",
    "md5": "an MD5 checksum (32 hexadecimal digits)",
    "text": "text",
}


def plain(value: float | None) -> str:
    """A bound as the message writes it: 1, 0.5, or nothing."""
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


class Refused(ValueError):
    def __init__(self, accepts: str, low=None, high=None):
        super().__init__(accepts)
        self.accepts, self.low, self.high = accepts, low, high


def whole(low: int, high: int | None = None) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise Refused("whole_range" if high else "whole", low, high)
        try:
            number = int(str(value).strip())
        except ValueError:
            raise Refused("whole_range" if high else "whole", low, high) from None
        if number < low or (high is not None and number > high):
            raise Refused("whole_range" if high else "whole", low, high)
        return number
    return parse


def number(low: float, inclusive: bool = False) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        kind = "number_from" if inclusive else "number"
        try:
            result = float(str(value).strip())
        except ValueError:
            raise Refused(kind, low) from None
        if result != result or result in (float("inf"), float("-inf")) or (
                result < low if inclusive else result <= low):
            raise Refused(kind, low)
        return result
    return parse


def switch(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "on", "yes"):
        return True
    if text in ("0", "false", "off", "no"):
        return False
    raise Refused("switch")


def md5(value: Any) -> str:
    text = str(value).strip().lower()
    if not re.fullmatch(r"[0-9a-f]{32}", text):
        raise Refused("md5")
    return text


def text(value: Any) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise Refused("text")
    return str(value).strip()


def path(value: Any) -> Path:
    return Path(text(value)).expanduser()


@dataclass(frozen=True)
class Setting:
    field: str  # the ServerSettings field
    env: str  # the environment variable
    parse: Callable[[Any], Any]
    secret: tuple[str, str] | None = None  # (section, key) in the app's secrets
    hidden: bool = False  # never echoed (the instructor's key)


SETTINGS = (
    Setting("data_dir", "CNNLAB_DATA_DIR", path),
    Setting("cifar_url", "CNNLAB_CIFAR_URL", text),
    Setting("cifar_md5", "CNNLAB_CIFAR_MD5", md5),
    Setting("train_max_images", "CNNLAB_TRAIN_MAX_IMAGES", whole(1), ("training", "max_images")),
    Setting("train_max_epochs", "CNNLAB_TRAIN_MAX_EPOCHS", whole(1, 200),
            ("training", "max_epochs")),
    Setting("max_jobs", "CNNLAB_MAX_JOBS", whole(1, 64), ("training", "max_jobs")),
    Setting("memory_mb", "CNNLAB_MEMORY_MB", number(0.0), ("training", "memory_mb")),
    Setting("jobs_per_worker", "CNNLAB_JOBS_PER_WORKER", whole(1, 1000)),
    Setting("orphan_grace_s", "CNNLAB_ORPHAN_GRACE_S", number(0.0)),
    Setting("library_dir", "CNNLAB_LIBRARY_DIR", path),
    Setting("library_mb", "CNNLAB_LIBRARY_MB", whole(0)),
    Setting("live_filters", "CNNLAB_LIVE_FILTERS", switch),
    Setting("instructor_key", "CNNLAB_INSTRUCTOR_KEY", text, ("instructor", "key"), hidden=True),
    Setting("ray_address", "CNNLAB_RAY_ADDRESS", text, ("ray", "address")),
    Setting("ray_cpus", "CNNLAB_RAY_CPUS", whole(1, 1024), ("ray", "cpus")),
    Setting("ray_gpus", "CNNLAB_RAY_GPUS", number(0.0, inclusive=True), ("ray", "gpus")),
    Setting("ray_slots", "CNNLAB_RAY_SLOTS", whole(1, 4096), ("ray", "slots")),
)


@dataclass(frozen=True)
class ServerSettings:
    """Every setting of a server, with its default. Unset optional ones are None."""
    # The course files and the prepared CIFAR-100 extract; tests point it elsewhere.
    data_dir: Path = ROOT / "data"
    # Where the CIFAR-100 download comes from; None: the official source. Tests and
    # mirrors set a tarball in the same format (e.g. one served from 127.0.0.1).
    cifar_url: str | None = None
    cifar_md5: str | None = None
    # The class's caps on one run (README, "For instructors"): None, all images and 200
    # epochs. Tests use a few hundred images for runs of a few seconds.
    train_max_images: int | None = None
    train_max_epochs: int | None = None
    # Two runs train at once, each with every CPU: on 2 cores that finishes a class's queue
    # in 0.71 of one at a time's time (benchmarks/parallel_jobs.py) ...
    max_jobs: int = 2
    # ... when both fit beside the server in this memory (core.engine.memory): a Community
    # Cloud container's 2.7 GB.
    memory_mb: float = 2700.0
    # A worker trains this many jobs before it is retired (memory creep); 1: a fresh
    # worker for every job.
    jobs_per_worker: int = 8
    # How long a run keeps training after every tab watching it closed.
    orphan_grace_s: float = 30.0
    # The run library the server writes (core.engine.library), bounded in MB.
    library_dir: Path = Path(tempfile.gettempdir()) / "cnnlab-library"
    library_mb: int = 500
    # The first layer's filters sent live while a run trains (core.training.live_filters).
    live_filters: bool = True
    # The instructor's key: with one, a password field in the sidebar unlocks the lane.
    instructor_key: str | None = None
    # A Ray cluster to train on (core.engine.ray_backend), e.g. "10.0.0.5:6379".
    ray_address: str | None = None
    ray_cpus: int = 2  # CPUs a job gets on the cluster
    ray_gpus: float = 0.0  # GPUs a job gets (0.5: half of one)
    ray_slots: int | None = None  # jobs at once; None: as many as the cluster fits
    problems: tuple[Problem, ...] = ()  # values refused while reading (defaults used)

    def replace(self, **changes) -> "ServerSettings":
        return dataclasses.replace(self, **changes)


def _shown(value: Any) -> str:
    text = "".join(c if c.isprintable() else "?" for c in str(value))
    return text if len(text) <= 40 else text[:37] + "..."


def _section(secrets: Mapping, name: str) -> Mapping:
    try:
        section = secrets.get(name)
    except Exception:  # a secrets object that cannot be read is no secrets
        return {}
    return section if hasattr(section, "get") else {}


def read(env: Mapping[str, str], secrets: Mapping | None = None) -> ServerSettings:
    """The settings from the environment, then the secrets, then the defaults; a refused
    value keeps the default and is listed in `problems`."""
    defaults, values, problems = ServerSettings(), {}, []
    for setting in SETTINGS:
        raw, source = env.get(setting.env), setting.env
        if (raw is None or raw == "") and setting.secret and secrets is not None:
            section, key = setting.secret
            raw, source = _section(secrets, section).get(key), f"secrets [{section}] {key}"
        if raw is None or raw == "":
            continue
        try:
            values[setting.field] = setting.parse(raw)
        except Refused as refused:
            default = getattr(defaults, setting.field)
            problems.append(Problem(source, "…" if setting.hidden else _shown(raw),
                                    refused.accepts, refused.low, refused.high,
                                    None if default is None else _shown(default)))
    return ServerSettings(**values, problems=tuple(problems))


def secrets_files() -> dict:
    """The app's secrets as Streamlit finds them on this machine (~/.streamlit/ and the
    repository's .streamlit/secrets.toml, the repository's winning), for scripts and the
    command line; a file that cannot be read counts as none."""
    import tomllib

    merged: dict = {}
    for path in (Path.home() / ".streamlit" / "secrets.toml",
                 ROOT / ".streamlit" / "secrets.toml"):
        try:
            with path.open("rb") as file:
                for section, values in tomllib.load(file).items():
                    if isinstance(values, dict):
                        merged[section] = {**merged.get(section, {}), **values}
        except (OSError, ValueError):
            continue
    return merged


def from_environment() -> ServerSettings:
    """A script's settings: the environment, then the secrets files."""
    return read(os.environ, secrets_files())


_CURRENT: ServerSettings | None = None
_INSTALLED = False  # _CURRENT was given by install(), not read by current() on its own
_LOCK = threading.Lock()


def install(settings: ServerSettings) -> ServerSettings:
    """Make these this process's settings (the server does, once, with its secrets; a
    benchmark may, with its own)."""
    global _CURRENT, _INSTALLED
    with _LOCK:
        _CURRENT, _INSTALLED = settings, True
    return settings


def installed() -> bool:
    with _LOCK:
        return _INSTALLED


def current() -> ServerSettings:
    """This process's settings: those installed, else the environment's, read once."""
    global _CURRENT
    with _LOCK:
        if _CURRENT is None:
            _CURRENT = from_environment()
        return _CURRENT
