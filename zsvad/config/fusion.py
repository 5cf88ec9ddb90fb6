"""Config of score fusion."""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

from pydantic import Field, field_validator

from zsvad.config.base import Section


class FusionConfig(Section):
    """How per-window component scores are fused before smoothing."""

    rule: Literal["weighted_mean", "max", "lec"] = "weighted_mean"
    """weighted_mean: Σ w_c s_c / Σ w_c over present components; max: the largest component
    (coarse/fine max of audio-vision-language VAD); lec: LEC-VAD's average of a category-agnostic
    score and 1 − P(normal) of a category-aware one (``lec_agnostic`` / ``lec_aware``)."""
    weights: dict[str, float] = Field(
        default_factory=lambda: {"retrieval": 1.0, "clip": 1.0, "judge": 1.0}
    )
    """Weight of each component for ``weighted_mean``; components without a weight get 1."""
    lec_agnostic: str = "judge"
    """Component used as the category-agnostic anomaly score by the ``lec`` rule."""
    lec_aware: str = "retrieval"
    """Component whose complement stands for 1 − P(normal) in the ``lec`` rule."""
    judge_rule: Literal["min", "component"] = "min"
    """How the LLM judge's component (``judge``) joins the others. ``min`` (default): a window
    scores the smaller of the judge and of the other components fused by ``rule``, each first
    smoothed over neighbouring windows (``judge_smoothing_s``): a moment is as anomalous as the
    less alarmed of two independent readers, so each vetoes the other's false alarms.
    ``component``: the judge is one more component of ``rule`` (its weight in ``weights``).
    ``min`` was chosen by 5-fold cross-validation over the videos of ucf_vl3_dev with real
    Llama-3.1-8B judgments, against means, noisy-or, products, rank fusion and frame-level
    fusion (figures: docs/fusion.md). Windows or videos without a judge component are fused
    by ``rule`` alone, unsmoothed."""
    judge_smoothing_s: float = Field(3.0, ge=0)
    """Standard deviation (seconds) of the Gaussian over window centres that smooths, within a
    video, the judge component and the other components' fused score before ``judge_rule: min``
    takes the smaller (0: no smoothing). Neither reader is trusted on one window alone: a single
    high or low answer among calm or alarmed neighbours counts less. Flat between 2 and 4 s on
    dev (docs/fusion.md). Live mode fuses each window as it arrives, so there it is unsmoothed."""
    judge_boundary: float = Field(0.35, gt=0, lt=1)
    """With ``judge_rule: min``: the min at which a window counts as anomalous. The smaller of
    two readers sits below either, so the min is mapped piecewise-linearly to put this value at
    0.5 (0 and 1 stay): segments are then cut at ``temporal.threshold`` as without a judge.
    0.35 makes the judged curve of ucf_vl3_dev flag about as many segments as retrieval alone
    (40 vs 43 at the default threshold, ground truth not read; 0.5 flags 11); monotone, so
    it moves frame AUC / AP by hundredths (docs/fusion.md)."""
    calibration: dict[str, list[tuple[float, float]]] = Field(default_factory=dict)
    """Per component, a monotone piecewise-linear map applied before any fusion, as knots
    ``[[x, y], …]`` (x increasing, y non-decreasing, both in [0, 1]; scores outside the knots
    take the end values), e.g. ``{judge: [[0, 0], [0.9, 0.3], [1, 1]]}`` for an over-confident
    log-prob judge. Empty: every component as scored. ``zsvad judgments calibrate`` writes one
    that maps a judge's scores onto another judge's scale by their quantiles (docs/fusion.md)."""

    @field_validator("calibration")
    @classmethod
    def _monotone(cls, value: dict[str, list[tuple[float, float]]]):
        for name, knots in value.items():
            xs, ys = [k[0] for k in knots], [k[1] for k in knots]
            if len(knots) < 2:
                raise ValueError(f"calibration of {name!r} needs at least two knots")
            if any(not 0 <= v <= 1 for v in xs + ys):
                raise ValueError(f"calibration of {name!r}: knots must lie in [0, 1]")
            if any(b <= a for a, b in pairwise(xs)) or any(b < a for a, b in pairwise(ys)):
                raise ValueError(
                    f"calibration of {name!r}: x must increase and y must not decrease"
                )
        return value
