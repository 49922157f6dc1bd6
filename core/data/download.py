"""Fetch one file over HTTP, verified, so that a half or wrong file is never in place.

The bytes stream into a temporary file beside the destination while their md5 is
computed; only a complete file whose md5 matches is renamed onto the destination
(`os.replace`, atomic on one file system). Any failure, Ctrl+C included, removes the
temporary file. A destination that already has the right md5 is reused without asking
the network. Only the standard library is used (urllib), so it works wherever Python does.
"""
from __future__ import annotations

import hashlib
import http.client
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable, Optional

from core.data.course_files import write_error
from core.data.files import atomic_write
from core.data.dataset import DataError

CHUNK_BYTES = 1 << 20  # read and hash 1 MB at a time
TIMEOUT_S = 30  # seconds without an answer (connect or between reads) before giving up
MAX_DOWNLOAD_BYTES = 1 << 30  # CIFAR-100 is 169 MB; a server sending more is refused
USER_AGENT = "cnn-lab/1.0 (python urllib)"  # some servers refuse urllib's default agent

Progress = Callable[[int, Optional[int]], None]  # progress(done_bytes, total_bytes or None)


def file_md5(path: Path, chunk: int = CHUNK_BYTES) -> str:
    """Hex md5 of a file, read in chunks."""
    digest = hashlib.md5(usedforsecurity=False)  # integrity check, not security
    with open(path, "rb") as stream:
        while block := stream.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _open(url: str, timeout: float):
    try:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("only http:// and https:// addresses are supported")
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (checked above)
    except urllib.error.HTTPError as err:
        reason = f"HTTP {err.code} {err.reason}"
    except urllib.error.URLError as err:
        reason = str(err.reason)
    except (OSError, ValueError, http.client.HTTPException) as err:  # timeout, bad URL
        reason = str(err) or type(err).__name__
    raise DataError(f"Could not download {url}: {reason}.", "download_failed",
                    url=url, reason=reason)


def _content_length(response) -> Optional[int]:
    try:
        total = int(response.headers.get("Content-Length", ""))
    except ValueError:
        return None
    return total if total >= 0 else None


def _too_large(url: str) -> DataError:
    limit_mb = MAX_DOWNLOAD_BYTES >> 20
    return DataError(f"Refusing to download {url}: it is larger than {limit_mb} MB.",
                     "download_too_large", url=url, limit_mb=limit_mb)


def _stream(response, out, url: str, progress: Optional[Progress], chunk: int):
    """Copy the response body into `out`; returns (bytes received, md5 hex)."""
    total = _content_length(response)
    if total is not None and total > MAX_DOWNLOAD_BYTES:
        raise _too_large(url)
    digest, done, broken = hashlib.md5(usedforsecurity=False), 0, False
    while True:
        try:
            block = response.read(chunk)
        except (OSError, http.client.HTTPException):  # reset, timeout, IncompleteRead
            block, broken = b"", True
        if not block:
            break
        done += len(block)
        if done > MAX_DOWNLOAD_BYTES:
            raise _too_large(url)
        digest.update(block)
        out.write(block)
        if progress is not None:
            progress(done, total)
    if broken or (total is not None and done < total):
        of_total = f" of {total:,}" if total is not None else ""
        raise DataError(f"The download of {url} stopped after {done:,}{of_total} bytes. "
                        "Check the connection and try again.", "download_interrupted",
                        url=url, received=done, expected=total)
    return done, digest.hexdigest()


def download(url: str, dest: Path, expected_md5: str, progress: Optional[Progress] = None,
             timeout: float = TIMEOUT_S, chunk: int = CHUNK_BYTES) -> Path:
    """Download `url` to `dest` unless `dest` already has `expected_md5`; returns `dest`.

    progress(done_bytes, total_bytes_or_None) is called after every chunk. Raises
    DataError with code download_failed, download_interrupted, download_too_large,
    md5_mismatch, disk_full or write_failed; `dest` is then untouched and no temporary file is left.
    """
    dest, expected_md5 = Path(dest), expected_md5.strip().lower()
    if dest.is_file() and file_md5(dest, chunk) == expected_md5:
        if progress is not None:
            size = dest.stat().st_size
            progress(size, size)
        return dest
    def write(out) -> None:
        with _open(url, timeout) as response:
            done, actual = _stream(response, out, url, progress, chunk)
        if actual != expected_md5:
            raise DataError(f"The file from {url} is not the expected one: its md5 is "
                            f"{actual}, expected {expected_md5} ({done:,} bytes received).",
                            "md5_mismatch", url=url, expected=expected_md5, actual=actual)

    try:  # staged beside dest: a DataError, Ctrl+C or a full disk leave no half file
        atomic_write(dest, write)
    except OSError as err:  # disk full, permissions: the network errors are DataErrors already
        raise write_error(dest, err) from None
    return dest


def text_progress(stream=sys.stderr, width: int = 30) -> Progress:
    """A progress callback drawing `[#####-----]  42%  71.3 / 169.0 MB` on one text line."""
    last = [None]

    def show(done: int, total: Optional[int]) -> None:
        mb = done / 2**20
        if total:
            percent = min(100, done * 100 // total)
            filled = width * percent // 100
            line = (f"[{'#' * filled}{'-' * (width - filled)}] {percent:3d}%  "
                    f"{mb:6.1f} / {total / 2**20:.1f} MB")
        else:
            line = f"{mb:6.1f} MB"
        if line != last[0]:  # redraw only when the text changes
            last[0] = line
            stream.write("\r" + line)
            stream.flush()

    show.drawn = lambda: last[0] is not None  # has a line been started (end it with \n)?
    return show
