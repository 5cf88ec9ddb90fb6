"""Small formatting helpers shared by the HTML pages, the plot and the terminal table."""

from __future__ import annotations

import math
import re

from zsvad.clock import clock

__all__ = ["clock", "safe_name", "seek_time", "span", "truncate"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def span(start: float, end: float, tenths: bool = False) -> str:
    """``start–end`` as clock times."""
    return f"{clock(start, tenths)}–{clock(end, tenths)}"


def truncate(text: str, width: int) -> str:
    """One line of at most ``width`` characters (whitespace collapsed, ``…`` when cut)."""
    text = " ".join(str(text).split())
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(width - 1, 0)].rstrip() + "…"


def safe_name(name: str, taken: set[str]) -> str:
    """A file-name stem for ``name`` made of ``[A-Za-z0-9._-]``, unique within ``taken``.

    The result is added to ``taken``; names are compared case-insensitively so pages do not
    collide on case-insensitive file systems.
    """
    base = _UNSAFE.sub("_", name).strip("._") or "video"
    base = base[:100]
    stem, n = base, 1
    while stem.lower() in taken:
        n += 1
        stem = f"{base}-{n}"
    taken.add(stem.lower())
    return stem


def seek_time(seconds: float) -> str:
    """A time for a ``#t=`` link: seconds rounded *up* to the millisecond (so a link to a
    segment's start lands inside it), without trailing zeros: ``32.5``, ``0``."""
    ms = math.ceil(round(max(float(seconds), 0.0) * 1000, 6))
    return f"{ms // 1000}.{ms % 1000:03d}".rstrip("0").rstrip(".")
