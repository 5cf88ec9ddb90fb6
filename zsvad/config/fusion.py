"""Config of score fusion."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

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
