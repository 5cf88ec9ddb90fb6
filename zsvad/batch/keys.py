"""Job keys: what identifies a unit of work across restarts.

A key combines the *content* of the input file (not its name or mtime: renaming or copying an
archive keeps its results) with the hash of the config. Two hashing modes:

- ``fast`` (default): SHA-256 of the size and three 1 MiB samples (head, middle, tail). Costs
  three reads whatever the file size, so restarting over thousands of hours re-checks finished
  work in seconds; files up to 3 MiB are hashed whole. Compressed video has no long runs of
  identical bytes and container headers/indexes sit at the head or tail, so two different
  videos with the same size and samples do not happen in practice; an in-place edit of the
  same size outside the samples would go unnoticed (use ``full`` if files are edited in place).
- ``full``: SHA-256 of the whole file, read in 4 MiB chunks.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Literal

from zsvad.errors import InputError
from zsvad.paths import open_regular

HashMode = Literal["fast", "full"]
SAMPLE = 1 << 20
CHUNK = 4 << 20


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


def job_key(content: str, config_hash: str) -> str:
    """Key of scoring content ``content`` with config ``config_hash`` (24 hex characters)."""
    return hashlib.sha256(f"{content}:{config_hash}".encode()).hexdigest()[:24]
