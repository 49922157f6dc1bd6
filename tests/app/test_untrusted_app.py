"""What the pages show for untrusted input and faults (issue 7), under AppTest.

Nothing a user sends is rendered as HTML: Streamlit escapes HTML in Markdown unless
`unsafe_allow_html=True`, alerts never render it, and no page passes user text to
`st.html` or `unsafe_allow_html` (tests/core/test_untrusted_input.py::
test_no_user_input_reaches_unsafe_html). Names from users' files are made plain before
they are shown (core.transfer.checkpoints.printable, core.data.explore.safe_name); class names that
are markup are refused. A full disk or a cut-off download is explained, and what was in
use stays in use. The cases themselves are tested in tests/core/test_untrusted_input.py
and tests/core/test_faults.py; here, only what reaches the page.
"""
import hashlib

import numpy as np
import pytest

from core.data import files
from core import st_cache
from tests.app.test_data_explorer import upload as upload_course_files
from tests.core import fake_cifar
from tests.core.conftest import labels_csv, npy_bytes
from tests.core.test_faults import FullDisk
from tests.core.keras_archives import CONV, keras_zip, model_config
from tests.core.test_untrusted_input import deep_link

EVIL = "<img src=x onerror=alert(1)>[click](http://evil.example)"


@pytest.fixture(autouse=True)
def fresh_default():
    st_cache.reload_default_data()
    yield
    st_cache.reload_default_data()


def markup_is_never_html(app) -> str:
    """Everything the page shows as text, after checking none of it can be HTML."""
    markdown = [*app.get("markdown"), *app.get("caption")]
    assert not [m.value for m in markdown if m.proto.allow_html]
    assert all("<img" not in h.proto.body and "<script" not in h.proto.body
               for h in app.get("html")), "st.html only ever shows the page's own CSS"
    alerts = [*app.error, *app.warning, *app.info, *app.success]
    return " ".join(e.value for e in [*markdown, *alerts])


# --- text fields and links ---------------------------------------------------------------

def calculator(app, link=None):
    if link is not None:
        app.query_params["stack"] = link
    app.run()
    app.switch_page("app_pages/calculator.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_typed_html_in_a_calculator_field_is_shown_as_text(app):
    calculator(app).text_input(key="calc_kernel_size").input("<script>alert(1)</script>").run()
    assert not app.exception
    assert "<script>alert(1)</script>" in " ".join(e.value for e in app.main.error)
    markup_is_never_html(app)


@pytest.mark.parametrize("link", ["../../etc/passwd", deep_link(5000), "A" * 100_000])
def test_a_hostile_stack_link_falls_back_with_a_message(app, link):
    calculator(app, link)
    assert "default model" in app.main.warning[0].value
    assert app.dataframe[0].value.shape[0] == 14, "the default stack is shown"


def test_a_hostile_lang_link_falls_back_to_english(app):
    app.query_params["lang"] = "../../assets/i18n/ko"
    app.run()
    assert not app.exception and app.sidebar.selectbox(key="lang").value == "en"
    said = [info.value for info in app.sidebar.info]
    assert said == ["This link asked for a language the lab does not have, so it opens in "
                    "English. Switch below: English or 한국어."]  # and never echoes the link
    app.run()
    assert not app.sidebar.info  # said once, not on every click


def test_a_korean_link_opens_in_korean_without_a_message(app):
    app.query_params["lang"] = "ko"
    app.run()
    assert app.sidebar.selectbox(key="lang").value == "ko" and not app.sidebar.info


# --- uploads --------------------------------------------------------------------------------

def uploads_in(folder) -> list[str]:
    """The session folder's files (runs and the arms' extractor copies live elsewhere)."""
    return sorted(p.name for p in folder.iterdir())


def test_course_upload_names_and_class_names_are_never_markup(app):
    app.run()
    app.switch_page("app_pages/data_explorer.py").run()
    fines = ["otter", "seal", "<b>fox</b>", "mouse"]
    files = {"train_images": npy_bytes(np.zeros((8, 32, 32, 3), np.uint8)),
             "test_images": npy_bytes(np.zeros((4, 32, 32, 3), np.uint8)),
             "train_labels": labels_csv(["otter", "seal", "fox", "mouse"] * 2).replace(
                 b"fox,", b"<b>fox</b>,", 1),
             "test_labels": labels_csv(["otter", "seal", "fox", "mouse"])}
    names = {"train_images": f"{EVIL}_train.npy", "test_images": "test.npy",
             "train_labels": "train.csv", "test_labels": "test.csv"}
    upload_course_files(app, files, names)
    text = markup_is_never_html(app)
    assert "row 2 has a class name with characters other than letters" in app.error[0].value
    assert fines[2] not in text and "<img" not in text and "](http" not in text
    assert "`10_train.npy` ← `evil.example__train.npy`" in text, "its last path part, plain"


@pytest.fixture
def transfer(app, tmp_path, monkeypatch):
    (tmp_path / "checkpoints").mkdir()
    monkeypatch.setattr("core.transfer.pretrain.CHECKPOINT_DIR", tmp_path / "checkpoints")
    app.run()
    app.switch_page("app_pages/transfer.py").run()
    app.radio(key="transfer_source").set_value("upload").run()
    assert not app.exception, app.exception
    return app


def upload_extractor(app, name: str, data: bytes):
    app.file_uploader(key="transfer_upload").set_value(
        (name, data, "application/octet-stream")).run()
    assert not app.exception, app.exception
    return app


def test_an_uploaded_name_is_shown_plain_and_never_names_a_file(transfer):
    folder = st_cache.job_manager().sessions.folder("test session id")
    upload_extractor(transfer, f"{EVIL}.h5", b"\x89HDF\r\n\x1a\n")
    assert ".h5 files are not accepted" in transfer.error[0].value
    upload_extractor(transfer, f"../../{EVIL}.keras", keras_zip(model_config(CONV)))
    assert not transfer.error
    text = markup_is_never_html(transfer)
    assert "In use: your upload ../../_img src=x onerror=alert(1)__click_(http_//" in text
    assert "<img" not in text and "](http" not in text
    assert uploads_in(folder) == ["uploaded-extractor.keras"]


def test_an_upload_onto_a_full_disk_is_explained_and_the_old_one_kept(transfer, monkeypatch):
    first = keras_zip(model_config(CONV))
    upload_extractor(transfer, "first.keras", first)
    saved = st_cache.job_manager().sessions.folder("test session id") / "uploaded-extractor.keras"
    monkeypatch.setattr(files, "os", FullDisk(100))
    upload_extractor(transfer, "second.keras", keras_zip(model_config(CONV, CONV)))
    assert "the disk is full" in transfer.error[0].value
    assert "Free some disk space" in transfer.error[0].value
    assert "Your previous upload (first.keras) is still the one in use" in markup_is_never_html(
        transfer)
    assert saved.read_bytes() == first and uploads_in(saved.parent) == [saved.name]


# --- the download: cut off, or onto a full disk, with a complete data/ already there --------

@pytest.fixture
def served(monkeypatch, tmp_path_factory, server_settings):
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    body = fake_cifar.make_fake_cifar(tmp_path_factory.mktemp("fake") / "c.tgz").read_bytes()
    server_settings(cifar_md5=hashlib.md5(body).hexdigest())
    with fake_cifar.FakeServer({"c.tgz": body}) as server:
        yield server


@pytest.mark.parametrize("mode, words", [
    ("half", "stopped after"), ("ok", "the disk is full")])
def test_a_failed_download_keeps_the_course_files_in_use(app, served, empty_data_dir, mode,
                                                         words, course_dir_files, monkeypatch,
                                                         server_settings):
    course_dir_files(empty_data_dir)
    before = {p.name: p.read_bytes() for p in empty_data_dir.iterdir() if p.is_file()}
    server_settings(cifar_url=served.url(mode))
    if mode == "ok":
        monkeypatch.setattr(files, "os", FullDisk(1000))
    app.run()
    app.button(key="home_download").click().run()
    assert not app.exception
    message = app.error[0].value
    assert words in message and "Nothing was changed" in message
    assert "Try again" in message or "Free some disk space" in message
    assert "**Source:** Course files (data/)" in [m.value for m in app.markdown]
    assert {p.name: p.read_bytes() for p in empty_data_dir.iterdir() if p.is_file()} == before
