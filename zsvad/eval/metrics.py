"""Frame-level metrics over all videos concatenated (scikit-learn's ROC-AUC and AP), plus false
alarms, per-class and segment-level figures, bootstrap intervals and run efficiency.

See ``docs/eval.md`` for every definition and convention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from zsvad.errors import InputError
from zsvad.eval.aligned import align
from zsvad.eval.annotations import Annotation, read_annotations
from zsvad.eval.bootstrap import SEED, bootstrap_intervals
from zsvad.eval.efficiency import efficiency
from zsvad.eval.per_video import false_alarm_rate, frame_metrics, per_class, per_video_rows
from zsvad.eval.results_dirs import load_result_sets
from zsvad.eval.segments_map import segment_map
from zsvad.results.schema import VideoResult


@dataclass
class EvalReport:
    """Figures of one result set (percentages unless named otherwise)."""

    auc: float
    """ROC-AUC over all frames of all videos, in percent."""
    ap: float
    """Average precision (anomalous = positive), ``average_precision_score``, in percent."""
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
    far: float | None = None
    """False-alarm rate: percent of the frames of normal videos scored at or above the
    threshold (None without normal videos)."""
    threshold: float | None = None
    """The threshold of the false alarms (None when the results were made with several)."""
    segment_ap: dict[str, float | None] = field(default_factory=dict)
    """Segment-level AP at IoU 0.1 … 0.5 (keys ``"0.1"`` …) and their mean (``"avg"``)."""
    per_class: dict[str, dict] = field(default_factory=dict)
    """Class → ``videos, auc, ap, pr_auc`` over normal videos + that class (``by_class``), and
    ``ci`` (intervals of ``auc`` and ``ap``) when bootstrapped."""
    per_video: list[dict] = field(default_factory=list)
    """One row per video: ``video, class, frames, auc, max_score, false_alarm_s``
    (``per_video``)."""
    ci: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    """Bootstrap 95% intervals of ``auc, ap, pr_auc, auc_abnormal, far, segment_map`` and
    ``segment_ap@0.1`` … (``bootstrap`` > 0)."""
    bootstrap: int = 0
    """Resamples behind ``ci`` (0: none computed)."""
    seed: int = SEED
    efficiency: dict = field(default_factory=dict)
    """Throughput and footprint of the runs (:func:`zsvad.eval.efficiency.efficiency`)."""


def evaluate(
    annotations: str | Path | dict[str, Annotation],
    results: str | Path | list[VideoResult],
    *,
    threshold: float | None = None,
    by_class: bool = False,
    per_video: bool = False,
    bootstrap: int = 0,
    seed: int = SEED,
) -> EvalReport:
    """Frame ROC-AUC and AP (and every other figure of :class:`EvalReport`) of ``results`` (a
    list, or a ``score`` / single-config ``batch`` folder) against ``annotations``.

    ``threshold`` overrides each result's ``temporal.threshold`` for false alarms;
    ``by_class`` adds per-class figures, ``per_video`` the per-video rows; ``bootstrap`` > 0
    adds 95% intervals from that many resamples of the videos (``seed`` fixed). Without them
    it stays cheap (under a second for 141 videos) for tuning loops.
    """
    if not isinstance(annotations, dict):
        annotations = read_annotations(annotations)
    if not isinstance(results, list):
        sets = load_result_sets(results)
        if len(sets) > 1:
            raise InputError(
                f"holds {len(sets)} result sets (one per config): pass one of " + ", ".join(sets),
                source=results,
            )
        results = next(iter(sets.values()))
    aligned = align(annotations, results, threshold)
    videos = aligned.videos
    if not videos:
        raise InputError("no result matches an annotated video")
    y_all = np.concatenate([v.labels for v in videos])
    s_all = np.concatenate([v.scores for v in videos])
    if y_all.min() == y_all.max():
        raise InputError("the scored videos hold only one class of frames: AUC is undefined")
    frame = frame_metrics(y_all, s_all)
    auc_abn = None
    abnormal = [v for v in videos if v.abnormal]
    if abnormal:
        ya = np.concatenate([v.labels for v in abnormal])
        if ya.min() != ya.max():
            auc_abn = 100 * roc_auc_score(ya, np.concatenate([v.scores for v in abnormal]))
    classes = per_class(videos) if by_class else {}
    ci = bootstrap_intervals(videos, bootstrap, seed, list(classes)) if bootstrap > 0 else {}
    for c, cls_ci in ci.pop("per_class", {}).items():
        classes[c]["ci"] = cls_ci
    thresholds = {v.threshold for v in videos}
    used = {v.video_id for v in videos}
    return EvalReport(
        auc=frame["auc"],
        ap=frame["ap"],
        auc_abnormal=auc_abn,
        videos=len(videos),
        frames=len(y_all),
        missing=aligned.missing,
        unannotated=aligned.unannotated,
        stats=aligned.stats,
        pr_auc=frame["pr_auc"],
        length_adjusted=aligned.length_adjusted,
        far=false_alarm_rate(videos),
        threshold=thresholds.pop() if len(thresholds) == 1 else None,
        segment_ap=segment_map(videos),
        per_class=classes,
        per_video=per_video_rows(videos) if per_video else [],
        ci=ci,
        bootstrap=bootstrap,
        seed=seed,
        efficiency=efficiency([r for r in results if r.video_id in used]),
    )
