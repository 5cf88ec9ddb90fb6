"""Windows of an open-ended stream: the file sampler's windows, without knowing the end.

``zsvad score`` plans windows of ``clip_seconds`` every ``stride_seconds`` over the file's
duration (:func:`zsvad.video.windows.plan_windows`); the last one is clipped at the end. A live
stream has no known end, so :class:`LivePicker` opens windows on the same grid for as long as
frames come and emits each once a frame at or after its end has arrived. (The file sampler,
:class:`zsvad.video.picker.Picker`, emits a window as soon as its last sample time has passed;
a live window waits for its end, because the stream might stop inside it and ``score`` would
then clip it: other sample times, other frames.) When the stream ends at time ``T``, the
pending windows are planned exactly as ``plan_windows(T)`` would and their frames picked again;
for that the frames since the earliest pending window's start are kept: at most
``clip_seconds`` of frames.

So a stream of a file yields the same windows, with the same frames, as ``zsvad score`` of the
file (when the container's duration equals its decoded length, as for most files). The kept
frames are decoded frames, converted only if sampled: ``clip_seconds × fps`` frames of the
stream's size per camera (``live.exact_tail: false`` keeps only sampled frames; the last window
of a session then reuses the frames it had, and may differ from ``score``'s).
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable, Iterator

import numpy as np

from zsvad.backends.protocols import Clip
from zsvad.config.video import VideoConfig
from zsvad.video.picker import Picker, _Frame
from zsvad.video.windows import WindowPlan, plan_windows, sample_times


def _endless(cfg: VideoConfig, origin: float) -> Iterator[WindowPlan]:
    k = 0
    while True:
        start = k * cfg.stride_seconds
        end = start + cfg.clip_seconds
        times = sample_times(start, end, cfg.frames_per_clip)
        yield WindowPlan(k, origin + start, origin + end, [origin + x for x in times])
        k += 1


class LivePicker(Picker):
    """Clips of one stream session whose window grid starts at ``origin`` seconds."""

    def __init__(self, cfg: VideoConfig, origin: float = 0.0, exact_tail: bool = True):
        super().__init__(_endless(cfg, origin), cfg)
        self.origin = origin
        self.exact_tail = exact_tail
        """Keep the frames of the pending windows' span (see the module docstring); False: keep
        only sampled frames and finish the last window with the frames it already has."""
        self._ring: deque[_Frame] = deque()
        self.kept_max = 0
        """Most frames kept at once (for tests and stats)."""

    def _frame(self, index: int, t: float, convert: Callable[[], np.ndarray]) -> _Frame:
        frame = super()._frame(index, t, convert)
        if self.exact_tail:
            self._ring.append(frame)
        return frame

    def _complete(self, w) -> bool:
        # Not before the window's end has passed: until then the stream may still end inside
        # it, and ``score`` would clip it (other sample times, other frames).
        return super()._complete(w) and self.last_time >= w.plan.end

    def _pending_start(self) -> float:
        starts = [w.plan.start for w in self._open]
        if self._next is not None:
            starts.append(self._next.start)
        return min(starts)

    def feed(self, index: int, t: float, convert: Callable[[], np.ndarray]) -> Iterator[Clip]:
        yield from super().feed(index, t, convert)
        keep_from = self._pending_start()
        ring = self._ring
        while len(ring) >= 2 and ring[1].time <= keep_from:
            ring.popleft()  # the frame shown at keep_from is ring[0]: kept
        self.kept_max = max(self.kept_max, len(ring))

    def finish(self, end_time: float) -> Iterator[Clip]:
        """The stream ended at ``end_time`` (last frame time + one frame): the windows still
        pending, planned and sampled as ``plan_windows(end_time - origin)`` does."""
        if self._prev is None:
            return
        first = self._open[0].plan.index if self._open else self._next.index
        if not self.exact_tail:  # score's windows, with the frames picked so far
            wanted = {p.index for p in plan_windows(end_time - self.origin, self._cfg)}
            yield from (c for c in super().finish(end_time) if c.index in wanted)
            return
        ring = list(self._ring)
        times = [f.time for f in ring]
        duration = end_time - self.origin
        for plan in plan_windows(duration, self._cfg):
            if plan.index < first:
                continue
            chosen = [ring[max(bisect.bisect_right(times, self.origin + x) - 1, 0)]
                      for x in plan.times]  # fmt: skip
            yield Clip(
                index=plan.index,
                start=self.origin + plan.start,
                end=self.origin + plan.end,
                frames=np.stack([f.array for f in chosen]),
                frame_indices=[f.index for f in chosen],
            )
        self._open.clear()
        self._ring.clear()
        self._prev = None
