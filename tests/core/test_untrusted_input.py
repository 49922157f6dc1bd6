"""Untrusted input (issue 7): one test per case of everything a user can send.

Where a user sends something, and what checks it:
  course files upload (ui/explorer/upload.py)   -> core.data.course_files.load_files
  extractor upload (ui/transfer/saved.py)     -> core.transfer.checkpoints.inspect_keras
  own image upload (ui/training/look_inside.py)      -> core.training.look_inside.decode_upload
  ?stack= link (ui/calculator/state.py)             -> core.calculator.link.decode
  ?lang= link (streamlit_app.py)              -> core.i18n.normalize_language
  calculator text fields (ui/calculator/editor.py, ui/calculator/views.py) -> core.calculator.edit.text_to_pair
      and core.calculator.feature_map.parse_kernel; number inputs are bounded by their widgets.

Cases covered well elsewhere, not repeated here:
  pickled .npy with print(): tests/core/data/test_course_files.py::test_bad_file_gets_a_clear_message
  a pickle renamed .npy: tests/core/data/test_course_files.py::test_pickle_file_renamed_to_npy_is_refused
  a real Keras Lambda model, a real .h5, a custom `module`, a `function` activation naming
      os.system: tests/core/transfer/test_checkpoints.py (test_lambda_layer_is_refused, test_h5_is_refused,
      test_custom_object_is_refused, test_unsafe_deserialization_request_is_refused)
  Keras refuses a Lambda with safe_mode=True:
      tests/core/training/test_look_inside.py::test_models_load_in_safe_mode
  PNG headers claiming 6000^2 and 100000^2 pixels, GIF, text:
      tests/core/training/test_look_inside.py (test_decompression_bombs_are_refused_before_decoding, ...)
  CIFAR pickles naming os.system, tar members named ../evil: tests/core/data/test_cifar.py
      (test_unpickler_refuses_code_without_running_it, test_path_traversal_member_is_never_written)
  random and malformed ?stack= text:
      tests/core/calculator/test_link.py::test_malformed_links_raise_link_errors
  the uploaded extractor is kept as uploaded-extractor.keras whatever its name:
      tests/app/test_transfer.py::
      test_a_good_upload_is_kept_under_a_fixed_name_and_survives_a_bad_one
  what the pages show for all of these: tests/app/test_untrusted_app.py
"""
import ast
import base64
import io
import json
import struct
import subprocess
import sys
import tomllib
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from core.transfer import checkpoints
from core.data import course_files
from core import i18n
from core.training import look_inside as inspect_model
from core.calculator import link as stack_url
from core.transfer.checkpoints import CheckpointError, inspect_keras
from core.data.course_files import load_files, read_images
from core.data.dataset import DataError
from core.data.explore import safe_name
from core.i18n import error_message

from tests.core.conftest import labels_csv, npy_bytes
from tests.core.keras_archives import (CONV, LAMBDA, LOOKALIKE, OS_SYSTEM, REGISTERED, encrypted,
                             keras_zip, model_config, unknown_method)

ROOT = Path(__file__).resolve().parents[2]


def refused(call, *args):
    """The code of the DataError (or subclass) / ImageError / LinkError the call raises."""
    with pytest.raises((DataError, inspect_model.ImageError, stack_url.LinkError)) as info:
        call(*args)
    return info.value.code


# --- size caps: the app's own, checked before any parsing ------------------------------------

def test_every_upload_cap_is_within_streamlits_own():
    server = tomllib.loads((ROOT / ".streamlit/config.toml").read_text())["server"]
    limit = server["maxUploadSize"] * 2**20  # Streamlit refuses bigger uploads itself
    assert course_files.MAX_FILE_BYTES <= limit
    assert checkpoints.MAX_KERAS_BYTES <= limit and inspect_model.MAX_UPLOAD_BYTES <= limit


def test_course_file_over_the_cap_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(course_files, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("parsed a file over the cap"))
    stream = io.BytesIO(b"\x93NUMPY" + bytes(10**6))
    assert refused(read_images, stream, "10_train.npy") == "too_large"
    assert stream.tell() == 1001, "it reads one byte past the cap, not the whole stream"


def test_keras_over_the_cap_is_refused_before_unzipping(monkeypatch):
    monkeypatch.setattr(zipfile, "ZipFile", lambda *a: pytest.fail("unzipped a file over the cap"))
    assert refused(inspect_keras, bytes(checkpoints.MAX_KERAS_BYTES + 1), "x.keras") == "too_large"


def test_image_over_the_cap_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr("PIL.Image.open", lambda *a, **k: pytest.fail("decoded over the cap"))
    data = b"\x89PNG\r\n\x1a\n" + bytes(inspect_model.MAX_UPLOAD_BYTES)
    assert refused(inspect_model.decode_upload, data) == "too_large"


# --- .npy: never unpickled ---------------------------------------------------------------

class Marker:
    """Unpickling this creates a file: proof that code from the file ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")


def test_pickled_npy_is_refused_and_nothing_runs(course_bytes, tmp_path):
    marker = tmp_path / "ran"
    data = npy_bytes(np.array([Marker(marker)], dtype=object), allow_pickle=True)
    files = dict(course_bytes, train_images=data)
    with pytest.raises(DataError) as info:
        load_files(files)
    assert info.value.code == "pickled" and "never loaded" in error_message(info.value)
    assert not marker.exists()
    np.load(io.BytesIO(data), allow_pickle=True)  # what allow_pickle=False prevents:
    assert marker.exists(), "the payload is live, so the test above proves something"


# --- .keras: only a plain config of Keras' own layers ------------------------------------

def test_a_hand_built_plain_archive_passes():
    assert inspect_keras(keras_zip(), "ok.keras").output_shape == (32, 32, 8)


@pytest.mark.parametrize("layer, code", [
    (LAMBDA, "unsafe_layer"), (OS_SYSTEM, "custom_object"), (LOOKALIKE, "custom_object"),
    (REGISTERED, "custom_object"),
], ids=["lambda", "os.system", "lookalike-module", "registered-name"])
def test_unsafe_deserialization_is_refused_with_a_clear_message(layer, code):
    with pytest.raises(CheckpointError) as info:
        inspect_keras(keras_zip(model_config(CONV, layer)), "evil.keras")
    assert info.value.code == code
    message = error_message(info.value)
    assert message.startswith("evil.keras: ")
    assert "refused" in message or "never loaded" in message


def test_checking_an_archive_never_imports_keras(tmp_path):
    """The check is plain JSON reading: nothing in the file can run, not even Keras."""
    (tmp_path / "evil.keras").write_bytes(keras_zip(model_config(LAMBDA, OS_SYSTEM)))
    script = ("import sys; from core.transfer.checkpoints import inspect_keras, CheckpointError\n"
              f"data = open({str(tmp_path / 'evil.keras')!r}, 'rb').read()\n"
              "try: inspect_keras(data, 'evil.keras')\n"
              "except CheckpointError as err: print(err.code)\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in "
              "('keras', 'tensorflow', 'h5py')))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, env={"PYTHONPATH": str(ROOT)})
    assert result.stdout.split("\n")[:2] == ["unsafe_layer", "[]"], result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.keras"]


def test_h5_is_refused_whatever_it_holds():
    assert refused(inspect_keras, b"\x89HDF\r\n\x1a\n" + bytes(64), "model.h5") == "h5_refused"
    assert refused(inspect_keras, b"\x89HDF\r\n\x1a\n" + bytes(64), "model.keras") == "bad_zip"


@pytest.mark.parametrize("data", [
    b"", b"PK\x03\x04 truncated", keras_zip()[:300], keras_zip()[:-30],
    keras_zip(tamper=encrypted), keras_zip(tamper=unknown_method),
], ids=["empty", "header", "cut", "no-end", "encrypted", "unknown-compression"])
def test_corrupt_zip_is_refused(data):
    assert refused(inspect_keras, data, "broken.keras") == "bad_zip"


@pytest.mark.parametrize("member", ["../../evil.txt", "/tmp/evil.txt", "..\\..\\evil.txt",
                                    "assets/../../evil.txt"])
def test_path_traversal_member_is_refused_and_nothing_is_written(member, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = sorted(Path("/tmp").glob("evil*"))
    data = keras_zip(extra=[(member, b"x")])
    assert refused(inspect_keras, data, "evil.keras") == "unsafe_member"
    assert not list(tmp_path.rglob("*")) and sorted(Path("/tmp").glob("evil*")) == before


def test_unexpected_members_are_refused():
    data = keras_zip(extra=[("assets/notes.txt", b"x")])
    assert refused(inspect_keras, data, "x.keras") == "unexpected_member"


def test_zip_bomb_members_are_refused_before_unpacking():
    bomb = keras_zip(config_text=" " * (checkpoints.MAX_JSON_BYTES + 1))
    assert len(bomb) < 10_000
    assert refused(inspect_keras, bomb, "x.keras") == "unpacks_too_large"


@pytest.mark.parametrize("text", ["[]", "1", "null", '{"class_name": "Sequential", "config": []}',
                                  json.dumps(model_config(CONV, "conv")),
                                  json.dumps(model_config(dict(CONV, config=[1]))),
                                  "[" * 100_000 + "]" * 100_000,
                                  '{"a":' * 900 + "1" + "}" * 900],
                         ids=["list", "number", "null", "config-list", "layer-string",
                              "layer-config-list", "deep-list", "deep-dict"])
def test_malformed_configs_are_refused_not_crashed(text):
    assert refused(inspect_keras, keras_zip(config_text=text), "x.keras") in (
        "bad_zip", "not_extractor", "wrong_input", "unsupported_layer", "bad_layer_value")


@pytest.mark.parametrize("change, code", [
    ({"filters": -1}, "bad_layer_value"), ({"filters": "8"}, "bad_layer_value"),
    ({"kernel_size": [3, 10**9]}, "bad_layer_value"), ({"padding": "<b>"}, "bad_layer_value"),
    ({"filters": 4096, "kernel_size": [32, 32]}, "model_too_big"),
])
def test_settings_a_server_cannot_afford_are_refused(change, code):
    huge = dict(CONV, config=dict(CONV["config"], **change))
    assert refused(inspect_keras, keras_zip(model_config(huge)), "x.keras") == code


# --- images: decompression bombs ----------------------------------------------------------

def palette_bomb(side: int) -> bytes:
    """A real side x side 1-bit palette PNG of zeros: every row present, a few KB on disk."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    packer, row = zlib.compressobj(9), b"\x00" * (1 + (side + 7) // 8)  # filter byte + bits
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 3, 0, 0, 0)  # 1 bit, palette
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"PLTE", bytes(6))
            + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def test_decompression_bomb_png_is_refused_without_decoding_it():
    bomb = palette_bomb(20_000)  # 400 million pixels: 1.2 GB as RGB
    assert len(bomb) < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(inspect_model.ImageError) as info:
            inspect_model.decode_upload(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.code == "too_many_pixels" and peak < 20 * 2**20
    limit = f"{info.value.details['limit']:,}"  # as ui/training/look_inside.py formats it
    message = i18n.translate("train.upload.too_many_pixels", limit=limit)
    assert "25,000,000" in message


# --- query parameters ----------------------------------------------------------------------

def deep_link(depth: int) -> str:
    """A 75-character link that unpacks to `depth` nested lists."""
    packed = zlib.compress(b"[" * depth + b"]" * depth, 9)
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


@pytest.mark.parametrize("value", ["../../etc/passwd", "/etc/passwd", "C:\\Windows\\win.ini",
                                   "%2e%2e%2f", "\x00", "<script>alert(1)</script>",
                                   "A" * 100_000, deep_link(5000)],
                         ids=["relative", "absolute", "windows", "encoded", "nul", "html",
                              "huge", "deeply-nested"])
def test_stack_link_garbage_raises_a_link_error_with_a_message(value):
    code = refused(stack_url.decode, value)
    assert all(f"calc.link.bad.{code}" in i18n.table(lang) for lang in i18n.LANGUAGES)


@pytest.mark.parametrize("value", ["../../etc/passwd", "en/../../x", "ko.json", "<b>", "x" * 10**5,
                                   None, ["ko"], ""])
def test_lang_link_garbage_falls_back_to_english_and_opens_no_file(value, monkeypatch):
    seen = []
    real = i18n.table
    monkeypatch.setattr(i18n, "table", lambda lang: seen.append(lang) or real(lang))
    assert i18n.normalize_language(value) == "en"
    assert i18n.translate("nav.home", value) == real("en")["nav.home"]
    assert set(seen) <= set(i18n.LANGUAGES), "only the known tables are ever read"


# --- text that is shown: never markup, never a path ---------------------------------------

@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "[click](http://evil)", "**x**",
                                  "$\\frac{1}{0}$", "otter<img src=x>", "a" * 41])
def test_class_names_that_are_markup_are_refused(course_bytes, name):
    fines = ["otter", "seal", "fox", "mouse"]
    csv = labels_csv(fines * 2).decode().replace("fox,", f"{name},", 1).encode()
    with pytest.raises(DataError) as info:
        load_files(dict(course_bytes, train_labels=csv))
    assert info.value.code == "bad_label" and name not in error_message(info.value)


def test_more_classes_than_cifar_100_are_refused(course_bytes):
    rows = "".join(f"c{i},s{i}\n" for i in range(101))
    images = npy_bytes(np.zeros((101, 32, 32, 3), np.uint8))
    files = dict(course_bytes, train_images=images,
                 train_labels=("fine_labels,coarse_labels\n" + rows).encode())
    with pytest.raises(DataError) as info:
        load_files(files)
    assert info.value.code == "too_many_classes"


@pytest.mark.parametrize("name, shown", [
    ("../../etc/passwd", "passwd"), ("<script>x</script>.npy", "script_.npy"),
    ("C:\\Users\\me\\10_train.npy", "10_train.npy")])
def test_uploaded_course_file_names_are_shown_as_plain_text(name, shown):
    assert safe_name(name) == shown


def test_names_from_a_keras_file_are_made_printable_in_messages():
    evil = dict(CONV, class_name="<img src=x onerror=alert(1)>")
    with pytest.raises(CheckpointError) as info:
        inspect_keras(keras_zip(model_config(evil)), "[x](http://evil)<b>.keras")
    message = error_message(info.value)
    assert info.value.code == "unsupported_layer"
    assert not set("<>[]`*$") & set(message), message


def test_course_files_are_read_without_writing_anything(course_bytes, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    load_files(course_bytes)  # uploads stay in memory; their names only pick a role
    assert not list(tmp_path.iterdir())


def test_no_user_input_reaches_unsafe_html():
    """st.html and unsafe_allow_html=True only ever get a constant string."""
    found = []
    for path in [ROOT / "streamlit_app.py", *ROOT.glob("app_pages/*.py"), *ROOT.glob("ui/**/*.py")]:
        tree = ast.parse(path.read_text())
        constants = {t.id for node in tree.body if isinstance(node, ast.Assign)
                     and isinstance(node.value, ast.Constant) for t in node.targets}
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name = getattr(call.func, "attr", getattr(call.func, "id", ""))
            unsafe = any(k.arg == "unsafe_allow_html" and not (isinstance(k.value, ast.Constant)
                         and k.value.value is False) for k in call.keywords)
            if name == "html" or unsafe:
                found.append(path.name)
                assert all(isinstance(a, ast.Constant) or (isinstance(a, ast.Name)
                           and a.id in constants) for a in call.args), f"{path}:{call.lineno}"
    assert sorted(found) == ["data_explorer.py", "streamlit_app.py"], (
        "the audit saw the two st.html calls (CSS constants: the explorer's, the projector layout)")
