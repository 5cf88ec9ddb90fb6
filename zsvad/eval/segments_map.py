"""Segment-level average precision at temporal IoU thresholds (XD-Violence fine-grained / LEC-VAD
protocol, as in VadCLIP's detection mAP).

The predicted segments of all videos are ranked by their ``score`` (highest first; ties keep
video order). Each one is matched to the not yet matched ground-truth interval of the same
video with the highest IoU, if that IoU is at least the threshold (a true positive), else it is
a false positive. AP is the sum of the precision at each true positive divided by the number of
ground-truth intervals (non-interpolated). IoU counts frames, both ends inclusive. zsvad's
segments carry no class, so this is the class-agnostic variant: one class, every anomalous
interval; the papers average the same AP over the anomaly classes.

Matching never looks across videos, so whether a segment is a true positive does not depend on
the other videos: :class:`SegmentMatches` fixes it once and bootstrap resamples reuse it.
"""

from __future__ import annotations

import numpy as np

from zsvad.eval.aligned import VideoEval

IOUS = (0.1, 0.2, 0.3, 0.4, 0.5)


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Temporal IoU of two inclusive frame ranges."""
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)
    union = (a[1] - a[0] + 1) + (b[1] - b[0] + 1) - inter
    return inter / union if union > 0 else 0.0


class SegmentMatches:
    """Ranked predicted segments with their video and true-positive flag at IoU ``threshold``."""

    def __init__(self, videos: list[VideoEval], threshold: float):
        preds = [(score, i, (a, b)) for i, v in enumerate(videos) for a, b, score in v.segments]
        preds.sort(key=lambda p: -p[0])  # stable: ties keep video order
        gt = {i: list(v.gt_segments) for i, v in enumerate(videos)}
        self.n_gt = np.array([len(v.gt_segments) for v in videos], dtype=np.float64)
        self.video = np.array([p[1] for p in preds], dtype=np.int64)
        self.tp = np.zeros(len(preds), dtype=np.float64)
        for k, (_, i, seg) in enumerate(preds):
            best, best_j = 0.0, -1
            for j, g in enumerate(gt[i]):
                o = iou(seg, g)
                if o >= threshold and o > best:
                    best, best_j = o, j
            if best_j >= 0:
                del gt[i][best_j]
                self.tp[k] = 1.0

    def ap(self, weights: np.ndarray | None = None) -> float | None:
        """AP in percent, each video counted ``weights[video]`` times (None: no ground truth).
        Copies of a segment are ranked next to each other."""
        w = np.ones(len(self.n_gt)) if weights is None else weights
        n_gt = float(w @ self.n_gt)
        if n_gt == 0:
            return None
        tp = np.repeat(self.tp, w[self.video].astype(np.int64))
        if tp.size == 0:
            return 0.0
        precision = np.cumsum(tp) / np.arange(1, tp.size + 1)
        return 100 * float(precision @ tp) / n_gt


def segment_ap(videos: list[VideoEval], threshold: float) -> float | None:
    """AP (percent) of the predicted segments at IoU ``threshold``; None without ground truth."""
    return SegmentMatches(videos, threshold).ap()


def segment_map(videos: list[VideoEval], ious=IOUS) -> dict[str, float | None]:
    """AP at each IoU of ``ious`` (keys ``"0.1"`` …) and their mean (key ``"avg"``)."""
    out: dict[str, float | None] = {f"{t:g}": segment_ap(videos, t) for t in ious}
    values = [v for v in out.values() if v is not None]
    out["avg"] = sum(values) / len(values) if len(values) == len(ious) else None
    return out


def mean_ap(matches: list[SegmentMatches], weights: np.ndarray) -> float | None:
    """Mean over IoU thresholds of the resampled AP (None when undefined)."""
    values = [m.ap(weights) for m in matches]
    return None if any(v is None for v in values) else sum(values) / len(values)
