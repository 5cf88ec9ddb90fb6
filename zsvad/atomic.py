"""Atomic file writes, the one writer of every result, cache, index and report file.

A file is written under a temporary name in its own folder (``.<name>.<random><suffix>``, with
the permissions the umask gives ordinary files) and renamed onto its path once complete, so
readers see the old file or the new one, never a half; a failed write leaves nothing behind.
Any failure to write (disk full, read-only folder, a folder in the file's place) is raised as
one :class:`~zsvad.errors.OutputError` naming the file, its ``errno`` kept.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from zsvad.errors import OutputError

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextmanager
def atomic_path(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path next to ``path`` to write to: renamed onto ``path`` when the block
    ends without error, removed otherwise (``suffix`` for writers that need an extension)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    except OSError as exc:
        raise write_error(path, exc) from exc
    tmp = Path(name)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual permissions
        os.close(fd)
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise write_error(path, exc) from exc
        raise


def write_error(path: str | Path, exc: OSError) -> OutputError:
    """The one-line :class:`OutputError` of a failed write of ``path`` (``errno`` kept)."""
    if isinstance(exc, OutputError):
        return exc
    why = exc.strerror or str(exc) or type(exc).__name__
    return OutputError(f"cannot write: {why}", source=path, errno=exc.errno)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and durably (fsync before the rename)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(path)
