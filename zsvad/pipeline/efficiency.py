"""Per-video run figures recorded in ``provenance.stats`` (read back by
:mod:`zsvad.eval.efficiency`): wall seconds, clips, captions, peak RSS; parameter counts."""

from __future__ import annotations

import contextlib
import resource
import sys
from pathlib import Path


def rss_mb(pid: int | str = "self", key: str = "VmRSS") -> float | None:
    """Resident memory of process ``pid`` now, MiB (``key`` ``VmHWM``: its peak), from Linux
    ``/proc/PID/status``; None elsewhere or when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MiB (``resource.getrusage``)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def parameter_count(model: object) -> int | None:
    """Parameters of the torch modules a backend holds (None when it holds none, e.g. HTTP)."""
    cached = getattr(model, "_zsvad_parameters", False)
    if cached is not False:
        return cached
    seen: set[int] = set()
    total = 0
    found = False
    for value in list(vars(model).values()) if hasattr(model, "__dict__") else []:
        params = getattr(value, "parameters", None)
        if not callable(params) or not hasattr(value, "state_dict"):
            continue
        found = True
        for p in params():
            if id(p) not in seen:
                seen.add(id(p))
                total += int(p.numel())
    count = total if found else None
    with contextlib.suppress(AttributeError):
        model._zsvad_parameters = count
    return count


def run_stats(wall_s: float, *, clips: int = 0, captions: int = 0) -> dict:
    """The figures one result records about its run."""
    return {
        "wall_s": round(wall_s, 4),
        "clips": clips,
        "captions": captions,
        "peak_rss_mb": peak_rss_mb(),
    }
