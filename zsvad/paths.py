"""Where bundled data (prompts, memories) and caches live."""

from __future__ import annotations

import os
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
