"""Stable hashes of values and of file contents (one home for every hash zsvad keys on).

- :func:`stable_hash`: SHA-256 of a value's canonical JSON (``json.dumps`` with sorted keys),
  so equal values hash equal whatever their key order.
- :func:`file_hash`: SHA-256 of a whole file.
- :func:`content_hash`: content identity of a file in two modes. ``fast`` (default): SHA-256 of
  the size and three 1 MiB samples (head, middle, tail); it costs three reads whatever the file
  size, so re-checking thousands of hours of video takes seconds; files up to 3 MiB are hashed
  whole. Compressed video has no long runs of identical bytes and container headers/indexes sit
  at the head or tail, so two different videos with the same size and samples do not happen in
  practice; an in-place edit of the same size outside the samples would go unnoticed (use
  ``full`` if files are edited in place). ``full``: SHA-256 of the whole file.
- :func:`tree_hash`: :func:`content_hash` (fast) of a file, or of every file under a folder.

:func:`file_hash` is memoised within a process by (resolved path, size, mtime);
:func:`content_hash` reads the file every time (an in-place edit within one timestamp tick
would otherwise go unseen).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal

from zsvad.errors import InputError
from zsvad.paths import open_regular

HashMode = Literal["fast", "full"]
SAMPLE = 1 << 20
CHUNK = 4 << 20
_MEMO: dict[tuple[str, int, int], str] = {}


def stable_hash(value: Any, length: int | None = None) -> str:
    """Hex SHA-256 of ``value`` as canonical JSON (non-JSON values by ``str``), cut to
    ``length`` hex digits when given."""
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def file_hash(path: str | Path, chunk: int = CHUNK) -> str:
    """Hex SHA-256 of the whole content of ``path`` (a regular file: a fifo or device is an
    :class:`InputError`, never opened blocking)."""
    st = os.stat(path)
    memo = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
    if memo not in _MEMO:
        h = hashlib.sha256()
        with open_regular(path) as f:
            while block := f.read(chunk):
                h.update(block)
        _MEMO[memo] = h.hexdigest()
    return _MEMO[memo]


def content_hash(path: str | Path, mode: HashMode = "fast") -> str:
    """Hex SHA-256 identifying the content of ``path`` (see the module docstring for modes)."""
    path = Path(path)
    h = hashlib.sha256(mode.encode())
    try:
        with open_regular(path, "file") as fh:
            size = os.fstat(fh.fileno()).st_size
            h.update(size.to_bytes(8, "little"))
            if mode == "full" or size <= 3 * SAMPLE:
                while chunk := fh.read(CHUNK):
                    h.update(chunk)
            else:
                for offset in (0, size // 2 - SAMPLE // 2, size - SAMPLE):
                    fh.seek(offset)
                    h.update(fh.read(SAMPLE))
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", source=path) from exc
    return h.hexdigest()


def tree_hash(path: str | Path) -> str:
    """Content identity of a file, or of a folder's files (their relative paths and fast
    content hashes), e.g. a local model; hidden files and folders are left out."""
    path = Path(path)
    if not path.is_dir():
        return content_hash(path)
    files = sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    return stable_hash([[p.relative_to(path).as_posix(), content_hash(p)] for p in files])
