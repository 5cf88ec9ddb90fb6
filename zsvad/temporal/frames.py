"""Scored time intervals → one score per frame."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zsvad.config.temporal import TemporalConfig


def frame_span(start: float, end: float, fps: float, num_frames: int) -> tuple[int, int]:
    """Frames ``[first, last)`` whose centre lies in ``[start, end)`` (at least one frame)."""
    first = int(np.ceil(start * fps - 0.5))
    last = int(np.ceil(end * fps - 0.5))
    first = min(max(first, 0), num_frames - 1)
    last = min(max(last, first + 1), num_frames)
    return first, last


def _bridge_short_gaps(out: np.ndarray, covered: np.ndarray, max_len: int) -> None:
    """Linearly interpolate interior gaps of at most ``max_len`` frames, in place."""
    if max_len <= 0:
        return
    edges = np.diff(np.concatenate([[1], covered.astype(np.int8), [1]]))
    for a, b in zip(np.flatnonzero(edges == -1), np.flatnonzero(edges == 1)):
        if a == 0 or b == len(out) or b - a > max_len:
            continue  # leading/trailing or long gap: keep the constant
        left, right = out[a - 1], out[b]
        out[a:b] = left + (right - left) * np.arange(1, b - a + 1) / (b - a + 1)


def intervals_to_frames(
    intervals: Sequence[tuple[float, float, float]],
    fps: float,
    num_frames: int,
    cfg: TemporalConfig,
) -> np.ndarray:
    """``(start_s, end_s, score)`` intervals → ``num_frames`` scores.

    Overlapping intervals combine by ``cfg.overlap``; uncovered frames are filled by
    ``cfg.gap_fill``. With no interval at all every frame gets ``cfg.gap_value``.
    """
    total = np.zeros(num_frames, dtype=np.float64)
    count = np.zeros(num_frames, dtype=np.int64)
    peak = np.full(num_frames, -np.inf)
    for start, end, score in intervals:
        a, b = frame_span(start, end, fps, num_frames)
        total[a:b] += score
        count[a:b] += 1
        peak[a:b] = np.maximum(peak[a:b], score)
    covered = count > 0
    if not covered.any():
        return np.full(num_frames, cfg.gap_value, dtype=np.float64)
    out = np.empty(num_frames, dtype=np.float64)
    out[covered] = peak[covered] if cfg.overlap == "max" else total[covered] / count[covered]
    if covered.all():
        return out
    idx = np.arange(num_frames)
    if cfg.gap_fill in ("constant", "video_min"):
        low = cfg.gap_value if cfg.gap_fill == "constant" else min(s for *_, s in intervals)
        out[~covered] = low
        _bridge_short_gaps(out, covered, int(round(cfg.max_bridge_s * fps)))
    elif cfg.gap_fill == "interpolate":
        # np.interp holds the end values constant beyond the first/last covered frame.
        out[~covered] = np.interp(idx[~covered], idx[covered], out[covered])
    else:  # nearest
        cov_idx = idx[covered]
        pos = np.clip(np.searchsorted(cov_idx, idx[~covered]), 1, len(cov_idx) - 1)
        left, right = cov_idx[pos - 1], cov_idx[np.minimum(pos, len(cov_idx) - 1)]
        gaps = idx[~covered]
        choose = np.where(np.abs(gaps - left) <= np.abs(right - gaps), left, right)
        if len(cov_idx) == 1:
            choose = np.full_like(gaps, cov_idx[0])
        out[~covered] = out[choose]
    return out
