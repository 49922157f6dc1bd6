"""The thin caching layer: the only part of core that imports streamlit.

Loaders that pages call go through `st.cache_data`/`st.cache_resource` here, so the
rest of core stays plain Python that tests and scripts import without a server.
"""
from __future__ import annotations

import dataclasses
import os
import sys
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


_SETTINGS_LOCK = threading.Lock()


def server_settings():
    """The server's settings (core.settings), read once from the environment and the app's
    secrets, unless a script installed its own first; any value refused is printed to the
    server's log once, and the sidebar says so (ui/server_settings.py)."""
    from core import settings

    with _SETTINGS_LOCK:
        if not settings.installed():
            read = settings.install(settings.read(os.environ, _secrets()))
            for problem in read.problems:
                print(f"CNN Lab settings: {problem.message()}", file=sys.stderr, flush=True)
        return settings.current()


def _secrets() -> dict | None:
    """The app's secrets as a dict, or None when it has none (Streamlit raises then)."""
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets.toml: Streamlit raises its own error type
        return None


@st.cache_resource(show_spinner=False)
def job_manager():
    """The server's one JobManager: its queue, limit and run library are shared by every
    session."""
    from core.engine.run import server_manager

    return server_manager(server_settings(), session_alive=_session_alive)


def class_caps() -> tuple[int | None, int | None]:
    """(max images, max epochs) of one run, as the server's settings cap them, or None."""
    settings = server_settings()
    return settings.train_max_images, settings.train_max_epochs


def instructor_key() -> str | None:
    return server_settings().instructor_key


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
