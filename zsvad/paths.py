"""Where bundled data (prompts, memories) and caches live."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

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
    """Cache folder (``$ZSVAD_CACHE`` or ``~/.cache/zsvad``), created on demand."""
    root = Path(os.environ.get("ZSVAD_CACHE") or Path.home() / ".cache" / "zsvad")
    path = root / kind if kind else root
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def build_lock(target: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``<target>.lock`` while building ``target`` in a cache, so
    processes sharing the cache build it once and the others wait. The lock dies with its
    process; where the lock file cannot be created (read-only storage) there is none."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fh = open(target.with_name(target.name + ".lock"), "a")  # noqa: SIM115
    except OSError:
        yield
        return
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield
