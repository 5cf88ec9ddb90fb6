"""Where bundled data (prompts, memories) and caches live."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from zsvad.errors import InputError, ZsvadError

_PACKAGE = Path(__file__).resolve().parent


def data_dir(kind: str) -> Path:
    """Bundled data folder ``kind`` (``prompts`` or ``memory``).

    In a wheel they are packaged under ``zsvad/_data``; in a checkout (editable install) they are
    the top-level folders of the repository. ``ZSVAD_DATA`` overrides both.
    """
    override = os.environ.get("ZSVAD_DATA")
    if override:
        return Path(override) / kind
    packaged = _PACKAGE / "_data" / kind
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / kind


def cache_dir(kind: str = "") -> Path:
    """Cache folder (``$ZSVAD_CACHE`` or ``~/.cache/zsvad``), created on demand. One that
    cannot be created (a file in its place, a read-only parent) is returned all the same, with
    a warning: caches read it as empty and do not write there (:mod:`zsvad.cachefile`)."""
    root = Path(os.environ.get("ZSVAD_CACHE") or Path.home() / ".cache" / "zsvad")
    path = root / kind if kind else root
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from zsvad.cachefile import cache_write_failed

        cache_write_failed(path, exc, "cache folder", folder=path)
    return path


@contextlib.contextmanager
def build_lock(target: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<target>.lock`` while building ``target`` in a cache, so
    processes sharing the cache build it once and the others wait (``filelock``: an ``flock``
    that dies with its process, so a killed builder leaves no stale lock). Where the lock file
    cannot be created (read-only storage) there is none."""
    from filelock import FileLock

    lock = FileLock(target.with_name(target.name + ".lock"))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except OSError:
        yield
        return
    try:
        yield
    finally:
        lock.release()


def _not_regular(mode: int, what: str, path: Path) -> InputError:
    if stat.S_ISDIR(mode):
        return InputError(f"is a folder, not a {what}", source=path)
    return InputError(
        f"not a regular file (fifo, socket or device): not read as a {what}", source=path
    )


def check_regular(path: str | Path, what: str = "file") -> Path:
    """``path`` if it is a regular file (symlinks followed), else a one-line
    :class:`InputError`: opening a fifo, socket or device could block forever."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and what != "file":
            raise InputError(f"{what} not found", source=path) from exc
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", source=path) from exc
    if not stat.S_ISREG(mode):
        raise _not_regular(mode, what, path)
    return path


def open_regular(path: str | Path, what: str = "file") -> BinaryIO:
    """Open ``path`` for binary reading only if it is a regular file. The open itself cannot
    block (``O_NONBLOCK``, checked with ``fstat`` on the open file: no race with a file swapped
    for a fifo in between); errors are one-line :class:`InputError` naming the path."""
    path = check_regular(path, what)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError as exc:
        raise InputError(f"{what} not found", source=path) from exc
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", source=path) from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(mode, what, path)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_text_file(
    path: str | Path,
    what: str = "file",
    error: type[ZsvadError] = InputError,
    max_bytes: int | None = None,
) -> str:
    """The UTF-8 text of the regular file ``path`` (with ``max_bytes``: its first
    ``max_bytes + 1`` bytes, so that the caller can tell an over-long file). Every failure (not
    found, a folder or fifo, unreadable, not UTF-8) is a one-line ``error`` naming the path."""
    path = Path(path)
    try:
        with open_regular(path, what) as fh:
            data = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
        return data.decode("utf-8")
    except InputError as exc:
        if error is InputError:
            raise
        raise error(exc.problem, source=path) from exc
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror or exc}", source=path) from exc
    except UnicodeDecodeError as exc:
        raise error(f"{what} is not UTF-8 text", source=path) from exc
