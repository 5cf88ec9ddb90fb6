"""Assign decoded frames to the sample times of windows as they stream past (constant memory).

Frames arrive in presentation order. The frame shown at time ``t`` is the latest frame whose
time is ``<= t``; so when a frame at time ``t`` arrives, every pending sample time ``< t`` gets
the previous frame. A window is emitted as a :class:`Clip` as soon as all its sample times are
assigned, so only the windows overlapping the current time are held in memory.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator

import numpy as np

from zsvad.backends.protocols import Clip
from zsvad.config.video import VideoConfig
from zsvad.video.windows import WindowPlan, extra_window


class _Frame:
    """A decoded frame converted to RGB at most once (shared by overlapping windows)."""

    __slots__ = ("_array", "_convert", "index", "time")

    def __init__(self, index: int, time: float, convert: Callable[[], np.ndarray]):
        self.index, self.time, self._convert, self._array = index, time, convert, None

    @property
    def array(self) -> np.ndarray:
        if self._array is None:
            self._array = self._convert()
            self._convert = None
        return self._array


class _Open:
    __slots__ = ("done", "frames", "plan")

    def __init__(self, plan: WindowPlan):
        self.plan, self.frames, self.done = plan, [], 0


class Picker:
    """Feeds on ``(index, time, convert)`` frames; yields completed clips in window order."""

    def __init__(self, plans: Iterator[WindowPlan], cfg: VideoConfig):
        self._plans = plans
        self._cfg = cfg
        self._next: WindowPlan | None = next(plans, None)
        self._last_planned: WindowPlan | None = None
        self._open: deque[_Open] = deque()
        self._prev: _Frame | None = None
        self.frames_seen = 0
        self.last_time = 0.0

    def _open_until(self, t: float) -> None:
        while self._next is not None and self._next.times[0] < t:
            self._open.append(_Open(self._next))
            self._last_planned = self._next
            self._next = next(self._plans, None)
        last = self._last_planned
        while self._next is None and last is not None and t >= last.end:
            # The stream runs past the planned duration: keep covering it.
            last = extra_window(last.index + 1, self._cfg)
            self._open.append(_Open(last))
            self._last_planned = last

    def _assign(self, t: float, frame: _Frame) -> None:
        for w in self._open:
            times = w.plan.times
            while w.done < len(times) and times[w.done] < t:
                w.frames.append(frame)
                w.done += 1

    def _complete(self, w: _Open) -> bool:
        """Whether window ``w`` can be emitted: all its sample times are assigned."""
        return w.done == len(w.plan.times)

    def _emit(self, final: bool = False) -> Iterator[Clip]:
        while self._open and (final or self._complete(self._open[0])):
            w = self._open.popleft()
            if not w.frames:
                continue
            yield Clip(
                index=w.plan.index,
                start=w.plan.start,
                end=w.plan.end,
                frames=np.stack([f.array for f in w.frames]),
                frame_indices=[f.index for f in w.frames],
            )

    def _frame(self, index: int, t: float, convert: Callable[[], np.ndarray]) -> _Frame:
        """The record of a decoded frame (subclasses may also keep it: live streams)."""
        return _Frame(index, t, convert)

    def feed(self, index: int, t: float, convert: Callable[[], np.ndarray]) -> Iterator[Clip]:
        """Add the frame shown from time ``t``; yield the clips it completes."""
        frame = self._frame(index, t, convert)
        self.frames_seen += 1
        self.last_time = t
        self._open_until(t)
        self._assign(t, self._prev or frame)
        self._prev = frame
        yield from self._emit()

    def finish(self, end_time: float) -> Iterator[Clip]:
        """End of stream at ``end_time`` s: complete pending windows with the last frame."""
        if self._prev is None:
            return
        while self._next is not None and self._next.start < end_time:
            self._open.append(_Open(self._next))
            self._next = next(self._plans, None)
        self._assign(float("inf"), self._prev)
        kept: deque[_Open] = deque()
        for w in self._open:
            if w.plan.start < end_time or w.plan.index == 0:
                if w.plan.end > end_time:
                    w.plan.end = max(end_time, w.plan.start + 1e-3)
                kept.append(w)
        self._open = kept
        yield from self._emit(final=True)
