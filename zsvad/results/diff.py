"""Score changes between two runs (two result folders or files): per video and per window.

Videos are matched by video id, windows by their time range (to the millisecond). Used by
``zsvad diff`` when iterating on a prompt, a memory or a config.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from zsvad.errors import InputError
from zsvad.results.schema import VideoResult


@dataclass
class VideoChange:
    video_id: str
    max_a: float
    max_b: float
    mean_a: float
    mean_b: float
    segments_a: int
    segments_b: int
    windows_changed: int

    @property
    def delta(self) -> float:
        return self.max_b - self.max_a


@dataclass
class WindowChange:
    video_id: str
    start: float
    end: float
    score_a: float
    score_b: float
    text: str

    @property
    def delta(self) -> float:
        return self.score_b - self.score_a


@dataclass
class Diff:
    videos: list[VideoChange] = field(default_factory=list)
    windows: list[WindowChange] = field(default_factory=list)
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    unmatched_windows: int = 0
    """Windows of a video found in one run only (different window layout)."""


def load_run(source: str | Path) -> dict[str, VideoResult]:
    """``{video_id: result}`` of a result folder (score or batch layout) or file; one-line
    :class:`InputError` when nothing can be read."""
    from zsvad.results.folders import collect

    inputs = collect([Path(source)])
    out: dict[str, VideoResult] = {}
    for result, path, error in inputs.results():
        if error is not None:
            raise InputError(error.message, source=path)
        assert result is not None
        if result.video_id in out:
            raise InputError(f"video '{result.video_id}' appears twice", source=path)
        out[result.video_id] = result
    if not out:
        raise InputError("no result files", source=source)
    return out


def _windows(r: VideoResult) -> dict[tuple[int, int], tuple[float, str]]:
    return {(round(w.start * 1e3), round(w.end * 1e3)): (w.score, w.text or "") for w in r.windows}


def diff_runs(
    a: dict[str, VideoResult], b: dict[str, VideoResult], min_change: float = 0.0
) -> Diff:
    """Changes from run ``a`` to run ``b``; windows whose score moved by less than
    ``min_change`` are left out of :attr:`Diff.windows` (and not counted as changed)."""
    d = Diff(only_a=sorted(set(a) - set(b)), only_b=sorted(set(b) - set(a)))
    for vid in sorted(set(a) & set(b)):
        ra, rb = a[vid], b[vid]
        wa, wb = _windows(ra), _windows(rb)
        d.unmatched_windows += len(set(wa) ^ set(wb))
        changed = 0
        for key in sorted(set(wa) & set(wb)):
            sa, (sb, text_b) = wa[key][0], wb[key]
            if abs(sb - sa) >= min_change and sb != sa:
                changed += 1
                d.windows.append(WindowChange(vid, key[0] / 1000, key[1] / 1000, sa, sb, text_b))
        d.videos.append(
            VideoChange(
                vid,
                max(ra.frame_scores),
                max(rb.frame_scores),
                _mean(ra.frame_scores),
                _mean(rb.frame_scores),
                len(ra.segments),
                len(rb.segments),
                changed,
            )
        )
    d.videos.sort(key=lambda v: -abs(v.delta))
    d.windows.sort(key=lambda w: -abs(w.delta))
    return d


def _mean(xs: Iterable[float]) -> float:
    xs = list(xs)
    return sum(xs) / len(xs)
