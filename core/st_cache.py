"""The thin caching layer: the only part of core that imports streamlit.

Loaders that pages call go through `st.cache_data`/`st.cache_resource` here, so the
rest of core stays plain Python that tests and scripts import without a server.
"""
from __future__ import annotations

import dataclasses
import os
import threading
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import streamlit as st

from core.data import sources
from core.data.summary import DataSummary

if TYPE_CHECKING:  # numpy and pandas load with the data, not on a cold start's first page
    from core.data.dataset import Dataset

DATASET_UPLOAD_KEY = "dataset_upload"  # session_state key of a user's own uploaded dataset


_DEFAULT: dict[str, Future] = {}  # "data" -> the default dataset, loading or loaded
_DEFAULT_LOCK = threading.Lock()


def _default_loading(start: bool = True) -> Future | None:
    """The default dataset, loading in a background thread from the first call on."""
    with _DEFAULT_LOCK:
        if "data" not in _DEFAULT and start:
            executor = ThreadPoolExecutor(1, thread_name_prefix="cnnlab-dataset")
            _DEFAULT["data"] = executor.submit(sources.load_default)
            executor.shutdown(wait=False)  # the thread ends when the load does
        return _DEFAULT.get("data")


def start_loading_default() -> None:
    """Begin loading the default dataset now, so the page that needs it finds it ready."""
    _default_loading()


def default_data() -> sources.ActiveData:
    """The app-wide default dataset: read-only arrays, safe to share between sessions.
    Waits (with a spinner) while it is still being made."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    future = _default_loading()
    try:
        if future.done() or get_script_run_ctx() is None:  # done, or no page to show it
            return future.result()
        with st.spinner(translator()("data.loading")):
            return future.result()
    except Exception:
        reload_default_data()  # a failed load is not kept: the next visit tries again
        raise


def reload_default_data() -> None:
    """Forget the default dataset (e.g. after the CIFAR-100 download): loaded again next."""
    with _DEFAULT_LOCK:
        _DEFAULT.pop("data", None)


def active_dataset() -> Dataset:
    """This session's dataset: its own upload if it made one, else the app-wide default."""
    return st.session_state.get(DATASET_UPLOAD_KEY) or default_data().dataset


_SUMMARIES: "weakref.WeakKeyDictionary[Dataset, DataSummary]" = weakref.WeakKeyDictionary()


def data_summary() -> DataSummary:
    """What the sidebar and the home page show about this session's dataset. On a cold
    server it is known before the synthetic set is made, so they never wait for it."""
    dataset, problem = st.session_state.get(DATASET_UPLOAD_KEY), None
    if dataset is None:
        loading = _default_loading(start=False)
        if loading is None or not loading.done():
            quick = sources.quick_summary()
            if quick is not None:
                return quick
        active = default_data()
        dataset, problem = active.dataset, active.problem
    if dataset not in _SUMMARIES:
        _SUMMARIES[dataset] = DataSummary.of(dataset)
    summary = _SUMMARIES[dataset]
    return summary if problem is None else dataclasses.replace(summary, problem=problem)


def language() -> str:
    """This session's language code, as the sidebar switch set it."""
    from core.i18n import normalize_language

    return normalize_language(st.session_state.get("lang"))


def translator():
    """`t(key, **values)` in this session's language."""
    from core.i18n import translator as bind

    return bind(language())


# ---- the data explorer: this session's upload, and statistics cached per dataset -----

_FINGERPRINTS: "weakref.WeakKeyDictionary[Dataset, str]" = weakref.WeakKeyDictionary()


def fingerprint(dataset: Dataset) -> str:
    """`dataset.fingerprint`, hashed once per Dataset object (it reads every pixel)."""
    if dataset not in _FINGERPRINTS:
        _FINGERPRINTS[dataset] = dataset.fingerprint
    return _FINGERPRINTS[dataset]


def set_upload(dataset: Dataset | None) -> None:
    """Switch this session to a validated uploaded dataset, or back to the default (None)."""
    if dataset is None:
        st.session_state.pop(DATASET_UPLOAD_KEY, None)
    else:
        st.session_state[DATASET_UPLOAD_KEY] = dataset


def _session_alive(session_id: str) -> bool:
    from streamlit.runtime import Runtime

    try:
        return Runtime.instance().is_active_session(session_id)
    except RuntimeError:  # no Runtime (scripts; AppTest between runs): nobody to lose
        return True


def _max_running_jobs() -> int:
    """CNNLAB_MAX_JOBS, else st.secrets["training"]["max_jobs"], else 2 (as memory allows:
    core.engine.memory)."""
    from core.engine.manager import DEFAULT_MAX_RUNNING
    from core.engine.pool import max_running_from_env

    try:
        secret = int(st.secrets.get("training", {}).get("max_jobs", DEFAULT_MAX_RUNNING))
    except (FileNotFoundError, ValueError, TypeError, AttributeError):
        secret = DEFAULT_MAX_RUNNING
    except Exception:  # no secrets.toml at all: Streamlit raises its own error type
        secret = DEFAULT_MAX_RUNNING
    return max_running_from_env(default=max(1, secret))


def _memory_budget_mb() -> float:
    """CNNLAB_MEMORY_MB, else st.secrets["training"]["memory_mb"], else a Community Cloud
    container's 2.7 GB: what the server and its training workers may use together."""
    from core.engine import memory

    if os.environ.get("CNNLAB_MEMORY_MB"):
        return memory.budget_mb()
    try:
        secret = float(_secret("training", "memory_mb") or 0)
    except (ValueError, TypeError):
        secret = 0.0
    return secret if secret > 0 else memory.budget_mb()


@st.cache_resource(show_spinner=False)
def job_manager():
    """The server's one JobManager: its queue, limit and run library are shared by every
    session."""
    from core import config
    from core.engine.library import RunLibrary
    from core.engine.manager import JobManager

    library = RunLibrary(config.LIBRARY_DIR, shipped=(config.SHIPPED_RUNS,),
                         max_bytes=config.LIBRARY_MB * 2**20)
    manager = JobManager(max_running=_max_running_jobs(), session_alive=_session_alive,
                         library=library, memory_budget_mb=_memory_budget_mb())
    address = ray_address()
    if address:  # train on the department's cluster once it answers (README: hosting)
        from core.engine.pool import reuse_from_env
        from core.engine.ray_backend import attach

        attach(manager, address, config.RAY_CPUS, config.RAY_GPUS, reuse_from_env(),
               config.RAY_SLOTS)
    return manager


def _secret(section: str, key: str):
    try:
        return st.secrets.get(section, {}).get(key)
    except Exception:  # no secrets.toml: Streamlit raises its own error type
        return None


def ray_address() -> str | None:
    """CNNLAB_RAY_ADDRESS, else st.secrets["ray"]["address"], else None (train here)."""
    from core import config

    return config.RAY_ADDRESS or (str(_secret("ray", "address") or "") or None)


def class_caps() -> tuple[int | None, int | None]:
    """(max images, max epochs) of one run: the environment's, else the app's secrets'
    [training] max_images and max_epochs, else none."""
    from core import config

    def cap(value, fallback):
        try:
            return int(value) if value else fallback
        except (TypeError, ValueError):
            return fallback

    return (config.TRAIN_MAX_IMAGES or cap(_secret("training", "max_images"), None),
            config.TRAIN_MAX_EPOCHS or cap(_secret("training", "max_epochs"), None))


def instructor_key() -> str | None:
    """CNNLAB_INSTRUCTOR_KEY, else st.secrets["instructor"]["key"], else None."""
    from core import config

    if config.INSTRUCTOR_KEY:
        return config.INSTRUCTOR_KEY
    key = _secret("instructor", "key")
    return str(key) if key else None


@st.cache_resource(show_spinner=False)
def server_id() -> str:
    """A random id of this server process: a URL holding another one was made by a server
    that has since restarted (ui/lost_runs.py)."""
    import secrets

    return secrets.token_hex(4)


def session_id() -> str:
    """This browser session's id, which owns its training jobs."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else "no-session"


# ---- the training page: a job's saved outputs and model ---------------------------------

@st.cache_data(show_spinner=False, max_entries=32)
def job_outputs(out_dir: str, mtime: float):
    """`evaluation.Outputs` (test probabilities and labels) a finished job saved, or None.

    mtime (of test_probs.npy) is part of the key: a rerun into the same folder reloads.
    """
    from core.training.evaluation import load_outputs

    return load_outputs(out_dir)


@st.cache_resource(show_spinner=False, max_entries=4)
def trained_model(path: str, mtime: float):
    """A job's model.keras loaded safely (core.training.look_inside); the path is a session's
    private folder, so sharing the object between sessions shares nothing."""
    from core.training.look_inside import load_model

    return load_model(path)
