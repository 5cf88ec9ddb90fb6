"""Per-video rows, false alarms and per-class figures."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_auc_score

from zsvad.eval.aligned import VideoEval


def frame_metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float | None]:
    """ROC-AUC, AP (``average_precision_score``) and trapezoid PR-AUC in percent (None when the
    frames hold one class only)."""
    if labels.min() == labels.max():
        return {"auc": None, "ap": None, "pr_auc": None}
    precision, recall, _ = precision_recall_curve(labels, scores)
    return {
        "auc": 100 * roc_auc_score(labels, scores),
        "ap": 100 * average_precision_score(labels, scores),
        "pr_auc": 100 * auc(recall, precision),
    }


def false_alarm_frames(v: VideoEval) -> int:
    """Normal frames scored at or above the video's threshold."""
    return int(((v.scores >= v.threshold) & (v.labels == 0)).sum())


def false_alarm_rate(videos: list[VideoEval]) -> float | None:
    """Percent of the frames of normal videos scored at or above the threshold."""
    normal = [v for v in videos if not v.abnormal]
    frames = sum(len(v.scores) for v in normal)
    return 100 * sum(false_alarm_frames(v) for v in normal) / frames if frames else None


def per_video_rows(videos: list[VideoEval]) -> list[dict]:
    """Video, class, frames, AUC within the video (None when it holds one class of frames),
    max score and false-alarm seconds (normal frames at or above the threshold)."""
    rows = []
    for v in videos:
        within = None
        if v.labels.min() != v.labels.max():
            within = 100 * roc_auc_score(v.labels, v.scores)
        rows.append(
            {
                "video": v.video_id,
                "class": v.category,
                "frames": len(v.scores),
                "auc": within,
                "max_score": float(v.scores.max()),
                "false_alarm_s": round(false_alarm_frames(v) / v.fps, 3),
            }
        )
    return rows


def per_class(videos: list[VideoEval]) -> dict[str, dict]:
    """For each anomaly class: frame AUC / AP / PR-AUC over the normal videos plus the videos of
    that class (every anomalous frame of such a video counts, whatever its other classes)."""
    normal = [v for v in videos if not v.abnormal]
    classes = sorted({c for v in videos if v.abnormal for c in v.categories})
    out = {}
    for c in classes:
        chosen = normal + [v for v in videos if v.abnormal and c in v.categories]
        y = np.concatenate([v.labels for v in chosen])
        s = np.concatenate([v.scores for v in chosen])
        out[c] = {"videos": len(chosen) - len(normal), **frame_metrics(y, s)}
    return out
