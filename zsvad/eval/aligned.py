"""Results matched to their ground truth, one :class:`VideoEval` per annotated video.

Every metric reads these arrays; they are built once per result set (the length rule of
:mod:`zsvad.eval.annotations` applies here).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zsvad.config.temporal import TemporalConfig
from zsvad.eval.annotations import Annotation
from zsvad.results.schema import VideoResult

DEFAULT_THRESHOLD = TemporalConfig().threshold


@dataclass
class VideoEval:
    """One video's scores beside its labels."""

    video_id: str
    category: str
    abnormal: bool
    fps: float
    scores: np.ndarray
    """Per-frame scores (float64)."""
    labels: np.ndarray
    """Per-frame 0/1 ground truth, built to ``len(scores)``."""
    threshold: float
    """Segment threshold the result was made with (or the one given to ``evaluate``)."""
    segments: list[tuple[int, int, float]]
    """Predicted segments: first frame, last frame (inclusive), score."""
    gt_segments: list[tuple[int, int]]
    """Ground-truth intervals clipped to the video (inclusive)."""

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(c for c in self.category.split(",") if c)


@dataclass
class Aligned:
    videos: list[VideoEval]
    missing: list[str]
    unannotated: list[str]
    length_adjusted: int
    stats: dict[str, float] = field(default_factory=dict)


def result_threshold(result: VideoResult) -> float:
    """``temporal.threshold`` of the config a result was made with (default when absent)."""
    temporal = result.provenance.config.get("temporal")
    value = temporal.get("threshold") if isinstance(temporal, dict) else None
    return float(value) if isinstance(value, int | float) else DEFAULT_THRESHOLD


def _runs(labels: np.ndarray) -> list[tuple[int, int]]:
    """Runs of 1 in ``labels`` as inclusive (first, last) frame pairs."""
    padded = np.concatenate([[0], labels.astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def _gt_segments(ann: Annotation, n: int, labels: np.ndarray) -> list[tuple[int, int]]:
    if ann.frame_labels is not None:
        return _runs(labels)
    return [(max(a, 0), min(b, n - 1)) for a, b in ann.intervals if a < n]


def align(
    annotations: dict[str, Annotation],
    results: list[VideoResult],
    threshold: float | None = None,
) -> Aligned:
    """Pair every result with its annotation; count the unmatched and the length-adjusted."""
    videos, unannotated, used = [], [], set()
    stats: dict[str, float] = {}
    adjusted = 0
    for r in results:
        ann = annotations.get(r.video_id)
        if ann is None:
            unannotated.append(r.video_id)
            continue
        used.add(r.video_id)
        y = ann.labels(r.num_frames)
        adjusted += ann.mismatch(r.num_frames)
        videos.append(
            VideoEval(
                video_id=r.video_id,
                category=ann.category,
                abnormal=ann.abnormal,
                fps=r.fps,
                scores=np.asarray(r.frame_scores, dtype=np.float64),
                labels=y,
                threshold=result_threshold(r) if threshold is None else threshold,
                segments=[(s.start_frame, s.end_frame, s.score) for s in r.segments],
                gt_segments=_gt_segments(ann, r.num_frames, y),
            )
        )
        for k, v in r.provenance.stats.items():
            if isinstance(v, int | float) and not isinstance(v, bool) and k != "peak_rss_mb":
                stats[k] = stats.get(k, 0) + v
    return Aligned(
        videos=videos,
        missing=sorted(set(annotations) - used),
        unannotated=sorted(unannotated),
        length_adjusted=adjusted,
        stats=stats,
    )
