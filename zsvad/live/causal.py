"""The causal temporal stage: smoothing that never waits for footage not yet scored.

``zsvad score`` smooths the window curve with a two-sided Gaussian (``temporal.
smoothing_sigma_s``): each moment's score uses windows up to ~4σ *later*, which a live stream
does not have yet. Live mode instead smooths window scores as they come, each at the time its
window is complete (its end):

- ``exponential``: ``y_k = a y_{k-1} + (1 - a) x_k`` with ``a = exp(-(t_k - t_{k-1}) / τ)``
  (a gap in the stream — a drop, skipped windows — weighs the old value less);
- ``gaussian``: ``y_k`` = mean of the scores of the last ``4σ`` seconds weighted by
  ``exp(-(t_k - t_j)² / 2σ²)`` (a one-sided, "half" Gaussian);
- ``none``: ``y_k = x_k``.

The mean delay of the smoothing (``τ``, ``σ·√(2/π)``, 0) adds to the alert latency:
window length + waiting and model time + smoothing delay.

The causal frame curve of a live result gives each frame the smoothed score of the latest window
covering it (as known once that window was scored); frames no window covers are filled by
``temporal.gap_fill`` like ``score``'s. It differs from ``score``'s curve, which is smoothed
over both sides; window scores are the same.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

import numpy as np

from zsvad.config.temporal import TemporalConfig
from zsvad.temporal.frames import intervals_to_frames


def smoothing_delay(kind: str, seconds: float) -> float:
    """Mean delay (seconds) the causal smoothing adds to a step in the score."""
    if kind == "none" or seconds <= 0:
        return 0.0
    return seconds if kind == "exponential" else seconds * math.sqrt(2 / math.pi)


class CausalSmoother:
    """Smooths one camera's window scores in time order (see the module docstring)."""

    def __init__(self, kind: str, seconds: float):
        self.kind = kind if seconds > 0 else "none"
        self.seconds = seconds
        self._last_t: float | None = None
        self._y = 0.0
        self._recent: deque[tuple[float, float]] = deque()

    def update(self, t: float, x: float) -> float:
        """The smoothed score once the window with score ``x``, complete at time ``t`` (s),
        is known."""
        if self.kind == "none":
            return float(x)
        if self.kind == "exponential":
            if self._last_t is None:
                self._y = float(x)
            else:
                a = math.exp(-max(t - self._last_t, 0.0) / self.seconds)
                self._y = a * self._y + (1.0 - a) * float(x)
            self._last_t = t
            return self._y
        sigma = self.seconds
        self._recent.append((t, float(x)))
        while self._recent and t - self._recent[0][0] > 4 * sigma:
            self._recent.popleft()
        w = np.array([math.exp(-((t - tj) ** 2) / (2 * sigma**2)) for tj, _ in self._recent])
        v = np.array([xj for _, xj in self._recent])
        return float((w * v).sum() / w.sum())


def causal_curve(
    windows: Sequence[tuple[float, float, float]],
    fps: float,
    num_frames: int,
    cfg: TemporalConfig,
) -> np.ndarray:
    """Per-frame scores from ``(start_s, end_s, causal score)`` windows in time order: each
    frame takes the latest window covering it; uncovered frames by ``cfg.gap_fill``."""
    spans = []
    for i, (start, end, y) in enumerate(windows):
        stop = min(end, windows[i + 1][0]) if i + 1 < len(windows) else end
        spans.append((start, max(stop, start + 1e-6), y))
    return np.clip(intervals_to_frames(spans, fps, num_frames, cfg), 0.0, 1.0)
