"""Frame-level metrics over all videos concatenated (scikit-learn's ROC-AUC and AP)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_auc_score

from zsvad.errors import InputError
from zsvad.eval.annotations import Annotation, read_annotations
from zsvad.results.io import read_results_dir
from zsvad.results.schema import VideoResult


@dataclass
class EvalReport:
    """Frame-level figures of one result set."""

    auc: float
    """ROC-AUC over all frames of all videos, in percent."""
    ap: float
    """Average precision (anomalous = positive), in percent."""
    auc_abnormal: float | None
    """ROC-AUC over the frames of anomalous videos only (percent), if it is defined."""
    videos: int
    frames: int
    missing: list[str] = field(default_factory=list)
    """Annotated videos without a result (left out of the figures)."""
    unannotated: list[str] = field(default_factory=list)
    """Results without an annotation (left out of the figures)."""
    stats: dict[str, float] = field(default_factory=dict)
    """Run counters summed over the results (LLM calls, parse failures, …)."""
    pr_auc: float | None = None
    """Trapezoid area under the PR curve, ``auc(recall, precision)``, in percent (the other AP
    convention some papers report)."""
    length_adjusted: int = 0
    """Videos whose ground truth was trimmed / padded / clipped to the result's frame count."""


def evaluate(
    annotations: str | Path | dict[str, Annotation], results: str | Path | list[VideoResult]
) -> EvalReport:
    """Frame ROC-AUC and AP of ``results`` against ``annotations``."""
    if not isinstance(annotations, dict):
        annotations = read_annotations(annotations)
    if not isinstance(results, list):
        results = read_results_dir(results)
    scores, labels, abn_scores, abn_labels = [], [], [], []
    used, unannotated = set(), []
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
        s = np.asarray(r.frame_scores, dtype=np.float64)
        scores.append(s)
        labels.append(y)
        if ann.abnormal:
            abn_scores.append(s)
            abn_labels.append(y)
        for k, v in r.provenance.stats.items():
            if isinstance(v, int | float):
                stats[k] = stats.get(k, 0) + v
    if not scores:
        raise InputError("no result matches an annotated video")
    y_all, s_all = np.concatenate(labels), np.concatenate(scores)
    if y_all.min() == y_all.max():
        raise InputError("the scored videos hold only one class of frames: AUC is undefined")
    auc_abn = None
    if abn_scores:
        ya, sa = np.concatenate(abn_labels), np.concatenate(abn_scores)
        if ya.min() != ya.max():
            auc_abn = 100 * roc_auc_score(ya, sa)
    return EvalReport(
        auc=100 * roc_auc_score(y_all, s_all),
        ap=100 * average_precision_score(y_all, s_all),
        auc_abnormal=auc_abn,
        videos=len(scores),
        frames=len(y_all),
        missing=sorted(set(annotations) - used),
        unannotated=sorted(unannotated),
        stats=stats,
        pr_auc=100 * auc(*precision_recall_curve(y_all, s_all)[1::-1]),
        length_adjusted=adjusted,
    )
