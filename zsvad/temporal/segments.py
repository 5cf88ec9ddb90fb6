"""Cut anomalous segments from a per-frame score curve."""

from __future__ import annotations

import numpy as np

from zsvad.config.temporal import TemporalConfig


def cut_segments(scores: np.ndarray, fps: float, cfg: TemporalConfig) -> list[tuple[int, int]]:
    """Inclusive ``(start_frame, end_frame)`` runs where ``scores >= cfg.threshold``.

    Runs closer than ``merge_gap_s`` are merged, then runs shorter than ``min_segment_s`` dropped.
    """
    above = np.asarray(scores) >= cfg.threshold
    if not above.any():
        return []
    edges = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    merged: list[list[int]] = []
    max_gap = cfg.merge_gap_s * fps
    for s, e in zip(starts, ends):
        if merged and s - merged[-1][1] - 1 < max_gap:
            merged[-1][1] = int(e)
        else:
            merged.append([int(s), int(e)])
    min_len = cfg.min_segment_s * fps
    return [(s, e) for s, e in merged if e - s + 1 >= min_len]
