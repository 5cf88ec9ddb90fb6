"""Writing cache files without ever failing a run for it.

A cache is an optimisation: a cache folder that is read-only, full, a file, or a path that is a
folder where an entry should be, is told once per folder as a one-line warning and the run goes
on without caching there (entries are rebuilt next time). Results and tables are outputs and
are not written through here (their failures are errors, see :mod:`zsvad.atomic`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from zsvad.atomic import atomic_path, write_error
from zsvad.logs import get_logger

log = get_logger(__name__)
_told: set[str] = set()


def cache_write_failed(
    path: Path, exc: OSError, what: str = "cache file", folder: Path | None = None
) -> None:
    """Warn (once per folder) that ``path`` could not be written: the run goes on uncached."""
    key = str(folder if folder is not None else Path(path).parent)
    if key in _told:
        log.debug("%s: %s", what, exc)
        return
    _told.add(key)
    log.warning("%s: %s; going on without caching there", what, write_error(path, exc))


def save_cache_file(path: str | Path, text: str, what: str = "cache file") -> bool:
    """Write ``text`` to the cache file ``path`` atomically; False (warned) when it cannot be
    written."""
    return write_cache(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), what)


def write_cache(
    path: str | Path,
    write: Callable[[Path], object],
    what: str = "cache file",
    suffix: str = ".tmp",
) -> bool:
    """Run ``write(tmp)`` and rename ``tmp`` onto ``path`` (:func:`zsvad.atomic.atomic_path`);
    False (warned, nothing left behind) when the cache cannot be written."""
    path = Path(path)
    try:
        with atomic_path(path, suffix=suffix) as tmp:
            write(tmp)
    except OSError as exc:  # OutputError included
        cache_write_failed(path, exc, what)
        return False
    return True
