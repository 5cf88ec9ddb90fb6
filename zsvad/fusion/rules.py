"""Fusion rules: combine named component scores of one window into one score in [0, 1]."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from zsvad.config.fusion import FusionConfig
from zsvad.errors import ConfigError


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


def fuse_streams(
    components: Mapping[str, float], cfg: FusionConfig, coarse: Collection[str]
) -> float:
    """The dual-stream rule of the audio-vision-language seed, max(coarse, fine): the larger of
    the ``coarse`` components fused by ``cfg`` and the other components fused by ``cfg``. A
    window with components of one stream only is fused by ``cfg`` alone (:func:`fuse`)."""
    first = {k: v for k, v in components.items() if k in coarse}
    rest = {k: v for k, v in components.items() if k not in coarse}
    if not first or not rest:
        return fuse(components, cfg)
    return max(fuse(first, cfg), fuse(rest, cfg))
