"""Fusion rules: combine named component scores of one window into one score in [0, 1]."""

from __future__ import annotations

from collections.abc import Mapping

from zsvad.errors import ConfigError
from zsvad.fusion.config import FusionConfig


def fuse(components: Mapping[str, float], cfg: FusionConfig) -> float:
    """Fuse the components present for a window (missing components are skipped)."""
    if not components:
        raise ValueError("no score components to fuse")
    if len(components) == 1:
        return float(next(iter(components.values())))
    if cfg.rule == "weighted_mean":
        weights = {name: cfg.weights.get(name, 1.0) for name in components}
        total = sum(weights.values())
        if total <= 0:
            raise ConfigError(f"fusion weights of {sorted(components)} sum to {total}")
        return float(sum(weights[n] * s for n, s in components.items()) / total)
    if cfg.rule == "max":
        return float(max(components.values()))
    if cfg.rule == "lec":
        a, b = cfg.lec_agnostic, cfg.lec_aware
        if a not in components or b not in components:
            # LEC needs both halves; with one of them missing fall back to the mean.
            return float(sum(components.values()) / len(components))
        # components[b] is P(anomalous) from the category-aware scorer, i.e. 1 - P(normal).
        return float(0.5 * (components[a] + components[b]))
    raise ConfigError(f"unknown fusion rule '{cfg.rule}'")
