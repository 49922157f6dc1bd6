"""A small fake CIFAR-100 tarball in the official format, for tests without the internet.

The real files were pickled by Python 2 (protocol 2): dict keys, class names and the
array's raw bytes are Python 2 `str`, which Python 3 reads back as bytes with
encoding="bytes", and the array is rebuilt by `numpy.core.multiarray._reconstruct`.
`Py2Pickler` writes exactly those opcodes, so the loader is tested on the real layout.
`FakeServer` serves such files from 127.0.0.1, whole or broken in the ways networks break.
"""
from __future__ import annotations

import http.server
import io
import pickle
import struct
import tarfile
import threading
from pathlib import Path

import numpy as np

from core.data.cifar import MAMMALS, MEMBERS

OTHER_SUPERS = [f"other_super_{i:02d}" for i in range(17)]  # 3 mammal + 17 = 20 superclasses
COARSE_NAMES = sorted([*MAMMALS, *OTHER_SUPERS])
# 100 fine classes, sorted like the real list so the mammals are not contiguous.
FILLERS = [f"{chr(ord('a') + i % 26)}_thing_{i:02d}" for i in range(85)]  # a_thing_00 ...
FINE_NAMES = sorted([f for fines in MAMMALS.values() for f in fines] + FILLERS)
FINE_TO_COARSE = {f: s for s, fines in MAMMALS.items() for f in fines}
FINE_TO_COARSE.update({f: OTHER_SUPERS[i % 17] for i, f in enumerate(FILLERS)})


def known_pattern() -> np.ndarray:
    """The HWC image (32, 32, 3) the first train mammal shows: R=8*row, G=8*col, B=255-4*(row+col)."""
    row, col = np.mgrid[0:32, 0:32]
    return np.stack([8 * row, 8 * col, 255 - 4 * (row + col)], axis=-1).astype(np.uint8)


class Py2Pickler(pickle._Pickler):
    """Protocol 2 with Python 2 strings (BINSTRING) and numpy's Python 2 module names."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj):
        data = obj.encode("latin1") if isinstance(obj, str) else obj
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str
    dispatch[str] = save_py2_str

    def save_global(self, obj, name=None):
        module = getattr(obj, "__module__", None)
        name = name or obj.__name__
        if name == "_reconstruct":
            module = "numpy.core.multiarray"  # what the real files name
        elif module == "numpy" or obj in (np.ndarray, np.dtype):
            module = "numpy"
        self.write(pickle.GLOBAL + f"{module}\n{name}\n".encode())
        self.memoize(obj)


def py2_pickle(obj) -> bytes:
    out = io.BytesIO()
    Py2Pickler(out, protocol=2).dump(obj)
    return out.getvalue()


def make_batches(per_class_train: int = 3, per_class_test: int = 1, seed: int = 0) -> dict:
    """The three dicts (byte keys, as Python 2 wrote them) by role: train, test, meta."""
    rng = np.random.default_rng(seed)
    batches = {}
    for split, per_class in (("train", per_class_train), ("test", per_class_test)):
        fine = rng.permutation(np.repeat(np.arange(len(FINE_NAMES)), per_class))
        coarse = [COARSE_NAMES.index(FINE_TO_COARSE[FINE_NAMES[i]]) for i in fine]
        data = rng.integers(0, 256, (len(fine), 3072), dtype=np.uint8)  # (N, 3072) CHW rows
        if split == "train":
            first = next(i for i, f in enumerate(fine) if FINE_NAMES[f] in FINE_TO_COARSE
                         and FINE_TO_COARSE[FINE_NAMES[f]] in MAMMALS)
            data[first] = known_pattern().transpose(2, 0, 1).reshape(-1)  # HWC -> CHW row
        batches[split] = {
            b"filenames": [f"img_{i}.png".encode() for i in range(len(fine))],
            b"batch_label": f"{split}ing batch 1 of 1".encode(),
            b"fine_labels": [int(i) for i in fine],
            b"coarse_labels": coarse,
            b"data": data,
        }
    batches["meta"] = {b"fine_label_names": [n.encode() for n in FINE_NAMES],
                       b"coarse_label_names": [n.encode() for n in COARSE_NAMES]}
    return batches


def write_tarball(path: Path, members: dict[str, bytes]) -> Path:
    """A .tar.gz holding member name -> content: regular files, or a folder if the name ends in /."""
    with tarfile.open(path, "w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name.rstrip("/"))
            if name.endswith("/"):
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return Path(path)


def make_fake_cifar(path: Path, batches: dict | None = None, omit: tuple = (),
                    extra: dict[str, bytes] | None = None) -> Path:
    """Write a fake cifar-100-python.tar.gz; `omit` drops roles, `extra` adds members."""
    batches = batches or make_batches()
    members = {"cifar-100-python/": b"", "cifar-100-python/file.txt~": b"notes"}  # as the real one
    members.update({MEMBERS[role]: py2_pickle(batch) for role, batch in batches.items()
                    if role not in omit})
    members.update(extra or {})
    return write_tarball(path, members)


class _Handler(http.server.BaseHTTPRequestHandler):
    """GET /<mode>/<name>: mode ok | half (stops halfway) | nolength; anything else 404."""

    def do_GET(self):
        self.server.requests.append(self.path)
        mode, _, name = self.path.strip("/").partition("/")
        body = self.server.files.get(name)
        if body is None or mode not in ("ok", "half", "nolength"):
            self.send_error(404)
            return
        self.send_response(200)
        if mode != "nolength":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if mode == "half" else body)
        self.close_connection = True  # "half" then really ends early

    def log_message(self, *args):  # keep pytest output clean
        pass


class FakeServer(http.server.ThreadingHTTPServer):
    """`with FakeServer({"c.tgz": data}) as s:` serves s.url("ok"), and logs s.requests."""

    def __init__(self, files: dict[str, bytes]):
        super().__init__(("127.0.0.1", 0), _Handler)  # a free port
        self.files, self.requests = files, []

    def url(self, mode: str, name: str | None = None) -> str:
        name = name or next(iter(self.files))
        return f"http://127.0.0.1:{self.server_address[1]}/{mode}/{name}"

    def __enter__(self):
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
