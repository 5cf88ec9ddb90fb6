"""Windows over a video and the sample times inside each (pure functions, no decoding)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from zsvad.config.video import VideoConfig

EPS = 1e-3
"""Windows starting within a millisecond of the end are not planned (rounding of durations)."""


@dataclass
class WindowPlan:
    """A window and the times at which frames are sampled in it."""

    index: int
    start: float
    end: float
    times: list[float]


def sample_times(start: float, end: float, n: int) -> list[float]:
    """``n`` times spread uniformly inside ``[start, end)`` (centres of n equal parts)."""
    step = (end - start) / n
    return [start + (j + 0.5) * step for j in range(n)]


def plan_windows(duration: float, cfg: VideoConfig) -> Iterator[WindowPlan]:
    """Windows of ``clip_seconds`` every ``stride_seconds`` covering ``[0, duration)``.

    The last window is clipped at ``duration`` and planning stops once a window reaches it, so
    the whole video is covered exactly once by the union of windows.
    """
    k = 0
    while True:
        start = k * cfg.stride_seconds
        if k > 0 and start >= duration - EPS:
            return
        end = min(start + cfg.clip_seconds, duration) if duration > start else start + 1e-3
        yield WindowPlan(k, start, end, sample_times(start, end, cfg.frames_per_clip))
        if end >= duration - EPS:
            return
        k += 1


def extra_window(index: int, cfg: VideoConfig) -> WindowPlan:
    """Window ``index`` beyond the planned duration (the stream turned out to be longer)."""
    start = index * cfg.stride_seconds
    end = start + cfg.clip_seconds
    return WindowPlan(index, start, end, sample_times(start, end, cfg.frames_per_clip))
