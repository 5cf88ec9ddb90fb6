"""Segment-level average precision at temporal IoU thresholds (XD-Violence fine-grained / LEC-VAD
protocol, as in VadCLIP's detection mAP).

The predicted segments of all videos are ranked by their ``score`` (highest first). Each one is
matched to the not yet matched ground-truth interval of the same video with the highest IoU, if
that IoU is at least the threshold (a true positive), else it is a false positive. AP is the sum
of the precision at each true positive divided by the number of ground-truth intervals
(non-interpolated). IoU counts frames, both ends inclusive. zsvad's segments carry no class, so
this is the class-agnostic variant: one class, every anomalous interval; the papers average the
same AP over the anomaly classes.
"""

from __future__ import annotations

from zsvad.eval.aligned import VideoEval

IOUS = (0.1, 0.2, 0.3, 0.4, 0.5)


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Temporal IoU of two inclusive frame ranges."""
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)
    union = (a[1] - a[0] + 1) + (b[1] - b[0] + 1) - inter
    return inter / union if union > 0 else 0.0


def segment_ap(videos: list[VideoEval], threshold: float) -> float | None:
    """AP (percent) of the predicted segments at IoU ``threshold``; None without ground truth."""
    gt = {i: list(v.gt_segments) for i, v in enumerate(videos)}
    n_gt = sum(len(g) for g in gt.values())
    if n_gt == 0:
        return None
    preds = [(score, i, (a, b)) for i, v in enumerate(videos) for a, b, score in v.segments]
    preds.sort(key=lambda p: -p[0])  # stable: ties keep video order
    tp = fp = 0
    total = 0.0
    for _, i, seg in preds:
        best, best_j = 0.0, -1
        for j, g in enumerate(gt[i]):
            o = iou(seg, g)
            if o >= threshold and o > best:
                best, best_j = o, j
        if best_j >= 0:
            del gt[i][best_j]
            tp += 1
            total += tp / (tp + fp)
        else:
            fp += 1
    return 100 * total / n_gt


def segment_map(videos: list[VideoEval], ious=IOUS) -> dict[str, float | None]:
    """AP at each IoU of ``ious`` (keys ``"0.1"`` …) and their mean (key ``"avg"``)."""
    out: dict[str, float | None] = {f"{t:g}": segment_ap(videos, t) for t in ious}
    values = [v for v in out.values() if v is not None]
    out["avg"] = sum(values) / len(values) if len(values) == len(ious) else None
    return out
