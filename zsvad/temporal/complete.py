"""Events at work: event scores from window scores, window scores pulled towards their event's,
segments completed along event boundaries, and segment scores (LEC-VAD's completeness ideas
without training)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def aggregate(scores: Sequence[float], how: str = "top_mean", share: float = 0.25) -> float:
    """One score for a group of window scores: ``top_mean`` (mean of the highest ``share`` of
    them, at least one), ``max`` or ``mean``; 0 for no scores."""
    s = np.sort(np.asarray(scores, dtype=np.float64))[::-1]
    if s.size == 0:
        return 0.0
    if how == "max":
        return float(s[0])
    if how == "mean":
        return float(s.mean())
    if how == "top_mean":
        return float(s[: max(1, int(np.ceil(share * s.size)))].mean())
    raise ValueError(f"unknown aggregate {how!r}")


def event_scores(
    scores: Sequence[float], member: Sequence[int], n_events: int, how: str, share: float
) -> list[float | None]:
    """Score of each event from the scores of its member windows (None: no window in it)."""
    groups: list[list[float]] = [[] for _ in range(n_events)]
    for s, m in zip(scores, member):
        if 0 <= m < n_events:
            groups[m].append(float(s))
    return [aggregate(g, how, share) if g else None for g in groups]


def pulled(
    scores: Sequence[float], member: Sequence[int], events: Sequence[float | None], weight: float
) -> list[float]:
    """Window scores moved ``weight`` of the way to their event's score."""
    out = []
    for s, m in zip(scores, member):
        e = events[m] if 0 <= m < len(events) else None
        out.append(float(s) if e is None else (1 - weight) * float(s) + weight * e)
    return out


def merge_fragments(
    spans: Sequence[tuple[int, int]], starts: Sequence[int]
) -> list[tuple[int, int]]:
    """Merge consecutive segments ``(first, last)`` (inclusive frames, in time order) that no
    event boundary separates (``starts``: first frame of each event, sorted): the fragments
    of one event become one segment from the first fragment's start to the last one's end."""
    bounds = np.asarray(starts, dtype=np.int64)
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out:
            prev_a, prev_b = out[-1]
            # a boundary at frame f separates frames f-1 and f: any f in (prev_b, a]
            between = np.any((bounds > prev_b) & (bounds <= a))
            if not between:
                out[-1] = (prev_a, b)
                continue
        out.append((a, b))
    return out


def outer_inner(curve: np.ndarray, first: int, last: int) -> float:
    """Mean of ``curve[first:last + 1]`` minus the mean of a margin of a quarter of its length
    (at least one frame) on each side, where the video has one (AutoLoc's outer-inner
    contrast)."""
    n = last - first + 1
    m = max(1, n // 4)
    inner = float(curve[first : last + 1].mean())
    outer = np.concatenate([curve[max(0, first - m) : first], curve[last + 1 : last + 1 + m]])
    return inner - float(outer.mean()) if outer.size else inner


def segment_score(curve: np.ndarray, first: int, last: int, how: str = "peak") -> float:
    """The score of the segment ``curve[first:last + 1]``: ``peak`` or ``outer_inner``."""
    if how == "outer_inner":
        return outer_inner(curve, first, last)
    return float(curve[first : last + 1].max())
