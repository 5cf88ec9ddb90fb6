"""Event boundaries from how window embeddings change over time (training-free, EventVAD-style).

A video's windows (captions or clips, in time order) each carry a unit vector: a caption
embedding or a CLIP clip embedding. The *novelty* at the boundary between two windows is how
different the windows before it are from the windows after it (cosine distance of the means of
``context`` windows on each side). The curve is smoothed (Savitzky–Golay), and its local maxima
above an adaptive threshold, median + ``k_mad`` · MAD of the video's own curve, are boundaries.
Events shorter than ``min_event_s`` are merged into a neighbour across their weaker boundary
until none is left, so an event is never a fragment of a few windows.

Events tile the video: the first starts at 0 s, the last ends at the video's end, and each
boundary sits where the window it opens starts (or in the middle of a gap before it). A window
belongs to the event its start lies in (:func:`members`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: MAD · this estimates the standard deviation of normally distributed values
MAD_SCALE = 1.4826


@dataclass(frozen=True)
class EventSpan:
    """An event: a stretch of windows between two boundaries."""

    start: float
    """Start, seconds (0 for the first event)."""
    end: float
    """End, seconds (the video's end for the last event)."""
    strength: float
    """Smoothed novelty of the boundary that opens it (0 for the first event)."""


def _unit(vecs: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-12)


def novelty(vecs: np.ndarray, context: int = 1) -> np.ndarray:
    """``len(vecs) - 1`` values in [0, 2]: at boundary ``i`` (between windows ``i - 1`` and
    ``i``), one minus the cosine similarity of the mean of the ``context`` vectors before it and
    the mean of the ``context`` vectors from it on (fewer at the ends of the video)."""
    vecs = _unit(np.asarray(vecs, dtype=np.float64))
    n = len(vecs)
    if n < 2:
        return np.zeros(0)
    c = max(1, int(context))
    sums = np.concatenate([np.zeros((1, vecs.shape[1])), np.cumsum(vecs, axis=0)])
    i = np.arange(1, n)
    lo, hi = np.maximum(i - c, 0), np.minimum(i + c, n)
    left = _unit(sums[i] - sums[lo])
    right = _unit(sums[hi] - sums[i])
    return np.clip(1.0 - np.einsum("ij,ij->i", left, right), 0.0, 2.0)


def smooth(curve: np.ndarray, length: int) -> np.ndarray:
    """Savitzky–Golay filter (quadratic) over ``length`` values (made odd, at most the curve's
    length); curves shorter than 3 values, or ``length`` below 3, are returned as they are."""
    curve = np.asarray(curve, dtype=np.float64)
    n = min(int(length), len(curve))
    n -= 1 - n % 2  # odd
    if n < 3:
        return curve.copy()
    from scipy.signal import savgol_filter

    return savgol_filter(curve, n, min(2, n - 1), mode="interp")


def threshold(curve: np.ndarray, k_mad: float) -> float:
    """median + ``k_mad`` · MAD (scaled to a standard deviation) of ``curve``."""
    if len(curve) == 0:
        return float("inf")
    med = float(np.median(curve))
    return med + k_mad * MAD_SCALE * float(np.median(np.abs(curve - med)))


def peaks(curve: np.ndarray, above: float) -> list[int]:
    """Indexes of local maxima of ``curve`` strictly above ``above`` (a plateau counts once,
    at its first value)."""
    x = np.concatenate([[-np.inf], np.asarray(curve, dtype=np.float64), [-np.inf]])
    out = []
    for i in range(1, len(x) - 1):
        if x[i] > above and x[i] > x[i - 1] and x[i] >= x[i + 1]:
            out.append(i - 1)
    return out


def boundary_times(starts: Sequence[float], ends: Sequence[float]) -> np.ndarray:
    """Time of each boundary between consecutive windows: the middle of the gap between them,
    or the start of the later one where they touch or overlap."""
    s, e = np.asarray(starts, dtype=np.float64), np.asarray(ends, dtype=np.float64)
    return np.minimum((e[:-1] + s[1:]) / 2, s[1:])


def merge_short(
    cuts: list[int], strength: dict[int, float], times: np.ndarray, duration: float, min_s: float
) -> list[int]:
    """Drop boundaries until every event is at least ``min_s`` seconds long (or one is left):
    the shortest event loses its weaker boundary (the only one, at either end of the video)."""
    cuts = sorted(cuts)
    while cuts:
        edges = [0.0, *(float(times[c]) for c in cuts), duration]
        lengths = np.diff(edges)
        k = int(np.argmin(lengths))
        if lengths[k] >= min_s:
            break
        if k == 0:
            drop = 0
        elif k == len(cuts):
            drop = k - 1
        else:
            drop = k - 1 if strength[cuts[k - 1]] <= strength[cuts[k]] else k
        del cuts[drop]
    return cuts


def split_long(
    cuts: list[int],
    curve: np.ndarray,
    times: np.ndarray,
    duration: float,
    max_s: float,
    min_s: float,
) -> list[int]:
    """Add boundaries until no event is longer than ``max_s`` seconds (where it can be split):
    a long event is cut at its highest novelty whose two parts are both at least ``min_s``
    seconds long (0 or less: events are not split)."""
    if max_s <= 0:
        return sorted(cuts)
    cuts = sorted(cuts)
    starts = [0.0, *(float(times[c]) for c in cuts)]
    ends = [*(float(times[c]) for c in cuts), duration]
    # (start s, end s, the cut that opens it, the cut that closes it), -1 / len(curve) at the ends
    todo = list(zip(starts, ends, [-1, *cuts], [*cuts, len(curve)]))
    while todo:
        start, end, lo, hi = todo.pop()
        if end - start <= max_s:
            continue
        inside = [c for c in range(lo + 1, hi) if min(times[c] - start, end - times[c]) >= min_s]
        if not inside:
            continue
        c = max(inside, key=lambda i: curve[i])
        cuts.append(c)
        todo += [(start, float(times[c]), lo, c), (float(times[c]), end, c, hi)]
    return sorted(cuts)


def find_events(
    starts: Sequence[float],
    ends: Sequence[float],
    vecs: np.ndarray,
    duration: float,
    *,
    context: int = 2,
    smooth_windows: int = 5,
    k_mad: float = 1.5,
    min_event_s: float = 3.0,
    max_event_s: float = 0.0,
) -> list[EventSpan]:
    """Events of one video from its windows (``starts`` / ``ends`` in seconds, sorted by
    start) and one vector per window; ``duration`` is the video's length in seconds."""
    n = len(starts)
    if n == 0:
        return []
    raw = novelty(vecs, context)
    curve = smooth(raw, smooth_windows)
    cuts = peaks(curve, threshold(curve, k_mad)) if len(curve) else []
    # boundaries inside the video, never before an earlier one (windows may overlap unevenly)
    times = np.clip(np.maximum.accumulate(boundary_times(starts, ends)), 0.0, duration)
    strength = {c: float(curve[c]) for c in cuts}
    cuts = merge_short(cuts, strength, times, duration, min_event_s)
    cuts = split_long(cuts, curve, times, duration, max_event_s, min_event_s)
    kept: list[int] = []  # no empty event: a boundary must move time forward
    for c in cuts:
        if times[c] > (times[kept[-1]] if kept else 0.0) and times[c] < duration:
            kept.append(c)
    cuts = kept
    edges = [0.0, *(float(times[c]) for c in cuts), float(duration)]
    return [
        EventSpan(
            start=round(edges[k], 6),
            end=round(max(edges[k + 1], edges[k]), 6),
            strength=0.0 if k == 0 else round(float(curve[cuts[k - 1]]), 6),
        )
        for k in range(len(edges) - 1)
    ]


def detect(
    starts: Sequence[float], ends: Sequence[float], vecs: np.ndarray, duration: float, cfg
) -> list[EventSpan]:
    """:func:`find_events` with the seconds of ``cfg`` (an ``EventsConfig``) turned into windows
    by the median window length; windows sorted by start here."""
    if len(starts) == 0:
        return []
    order = np.argsort(np.asarray(starts, dtype=np.float64), kind="stable")
    s = np.asarray(starts, dtype=np.float64)[order]
    e = np.asarray(ends, dtype=np.float64)[order]
    step = float(np.median(e - s)) if len(s) else 0.0
    step = step if step > 0 else 1.0

    def windows(seconds: float) -> int:
        return int(round(seconds / step))

    return find_events(
        s,
        e,
        np.asarray(vecs)[order],
        duration,
        context=max(1, windows(cfg.context_s)),
        smooth_windows=windows(cfg.smooth_s),
        k_mad=cfg.k_mad,
        min_event_s=cfg.min_event_s,
        max_event_s=cfg.max_event_s,
    )


#: a window starting this close before a boundary (seconds) starts the event after it
TOLERANCE_S = 1e-6


def members(events: Sequence, starts: Sequence[float]) -> list[int]:
    """Index of the event each window's start lies in (``events``: anything with ``start``, in
    time order, tiling the video; -1 for every window when there is none)."""
    if not events:
        return [-1] * len(starts)
    edges = np.array([e.start for e in events[1:]], dtype=np.float64)
    at = np.asarray(starts, dtype=np.float64) + TOLERANCE_S
    return np.searchsorted(edges, at, side="right").tolist()
