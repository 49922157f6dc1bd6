"""The data explorer's "bring your own files" panel: upload the four course files.

An upload is validated as a whole by `core.data.course_files.load_files`; only a complete,
valid set replaces this session's dataset, so a rejected upload leaves the previous
one active. File names are only read to tell the four files apart, never used as paths.
"""
from __future__ import annotations

import streamlit as st

from core.data import explore
from core import st_cache
from core.data.course_files import COURSE_FILES, load_files
from core.data.dataset import DataError, Dataset
from core.i18n import error_message

FILES_KEY = "explorer_upload_files"  # the file_uploader widget
ERROR_KEY = "explorer_upload_error"  # not a widget: the DataError of the last rejected upload


def use_files(files: dict[str, bytes], names: list[str]) -> DataError | None:
    """Validate the four files (role -> bytes) and switch this session to them.

    Returns None on success, else the DataError; then nothing changes.
    """
    try:
        dataset = load_files(files, source="upload",
                             detail=", ".join(explore.safe_name(n) for n in names))
    except DataError as err:
        return err
    st_cache.set_upload(dataset)
    return None


def _uploaded() -> list:
    return st.session_state.get(FILES_KEY) or []


def _apply() -> None:
    uploaded = _uploaded()
    roles, missing = explore.assign_roles([f.name for f in uploaded])
    if missing:
        return  # the button is disabled; a stale click changes nothing
    files = {role: uploaded[i].getvalue() for role, i in roles.items()}
    names = [uploaded[roles[role]].name for role in COURSE_FILES]
    st.session_state[ERROR_KEY] = use_files(files, names)


def _reset() -> None:
    st_cache.set_upload(None)
    st.session_state.pop(ERROR_KEY, None)


def _forget_error() -> None:
    st.session_state.pop(ERROR_KEY, None)


def panel(dataset: Dataset, t) -> None:
    """The upload expander: file picker, which file is which, use and reset buttons."""
    error = st.session_state.get(ERROR_KEY)
    active = dataset.source == "upload"
    with st.expander(t("explorer.upload.title"), icon=":material/upload_file:",
                     expanded=active or error is not None):
        st.markdown(t("explorer.upload.explain"))
        st.file_uploader(t("explorer.upload.label"), type=["npy", "csv"],
                         accept_multiple_files=True, key=FILES_KEY, on_change=_forget_error)
        names = [f.name for f in _uploaded()]
        roles, missing = explore.assign_roles(names)
        if names:
            lines = [t("explorer.upload.matched", course=COURSE_FILES[role],
                       name=explore.safe_name(names[roles[role]]))
                     for role in COURSE_FILES if role in roles]
            lines += [t("explorer.upload.missing", course=COURSE_FILES[role])
                      for role in missing]
            st.markdown("\n".join(f"- {line}" for line in lines))
        st.button(t("explorer.upload.use"), key="explorer_upload_use", type="primary",
                  on_click=_apply, disabled=bool(missing), icon=":material/check:")
        if error is not None:
            st.error(t("explorer.upload.rejected",
                       message=error_message(error, st_cache.language())),
                     icon=":material/error:")
        if active:
            st.success(t("explorer.upload.active", files=dataset.detail),
                       icon=":material/check_circle:")
            st.button(t("explorer.upload.reset"), key="explorer_upload_reset",
                      on_click=_reset, icon=":material/undo:")
