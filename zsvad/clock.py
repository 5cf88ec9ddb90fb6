"""Clock times (``mm:ss``, ``h:mm:ss``) as results' explanations, reports and plots show them."""

from __future__ import annotations


def clock(seconds: float, tenths: bool = False) -> str:
    """``mm:ss`` (``h:mm:ss`` from one hour on); ``tenths`` adds one decimal to the seconds."""
    seconds = max(float(seconds), 0.0)
    if tenths:
        total = round(seconds, 1)
        h, rem = divmod(total, 3600)
        m, s = divmod(rem, 60)
        sec = f"{s:04.1f}"
    else:
        h, rem = divmod(int(round(seconds)), 3600)
        m, s = divmod(rem, 60)
        sec = f"{int(s):02d}"
    return f"{int(h)}:{int(m):02d}:{sec}" if h else f"{int(m):02d}:{sec}"
