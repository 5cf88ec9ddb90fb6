"""Fusion rules: component scores of a window into one score in [0, 1] (:func:`fuse`), and a
video's windows together when the LLM judge joins them (:func:`fuse_video`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np

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


JUDGE = "judge"
"""Component name of the LLM judge (:attr:`FusionConfig.judge_rule` treats it apart)."""


def calibrate(components: Mapping[str, float], cfg: FusionConfig) -> dict[str, float]:
    """``components`` with each one that ``cfg.calibration`` names mapped through its knots."""
    out = dict(components)
    for name, knots in cfg.calibration.items():
        if name in out:
            xs, ys = zip(*knots)
            out[name] = float(np.interp(out[name], xs, ys))
    return out


def smooth_over_time(centres: np.ndarray, values: np.ndarray, sigma_s: float) -> np.ndarray:
    """Gaussian-weighted mean (σ ``sigma_s`` seconds) of ``values`` at each of ``centres``,
    over the values within 4σ; ``values`` may be NaN (left out). A centre with no value in
    reach stays NaN. Windows need not be evenly spaced."""
    if sigma_s <= 0 or len(values) < 2:
        return values.astype(np.float64, copy=True)
    have = np.isfinite(values)
    t, v = centres[have], values[have]
    order = np.argsort(t, kind="stable")
    t, v = t[order], v[order]
    lo = np.searchsorted(t, centres - 4 * sigma_s, side="left")
    hi = np.searchsorted(t, centres + 4 * sigma_s, side="right")
    out = np.full(len(centres), np.nan)
    for i, (a, b) in enumerate(zip(lo, hi)):
        if b > a:
            w = np.exp(-0.5 * ((t[a:b] - centres[i]) / sigma_s) ** 2)
            out[i] = float(np.dot(w, v[a:b]) / w.sum())
    return out


def fuse_video(
    components: Sequence[Mapping[str, float]],
    centres: Sequence[float],
    cfg: FusionConfig,
    coarse: Collection[str] = (),
) -> list[float]:
    """Fused scores of one video's windows (``components`` of each, its centre in seconds):
    each window by :func:`fuse_streams` after :func:`calibrate`, and with a judge component
    and ``judge_rule: min`` the smaller of the judge and the rest, each smoothed over time by
    ``judge_smoothing_s``, mapped to put ``judge_boundary`` at 0.5 (:class:`FusionConfig`)."""
    comps = [calibrate(c, cfg) for c in components]
    if cfg.judge_rule != "min" or not any(JUDGE in c for c in comps):
        return [fuse_streams(c, cfg, coarse) for c in comps]
    rest = [{k: v for k, v in c.items() if k != JUDGE} for c in comps]
    evidence = np.array([fuse_streams(r, cfg, coarse) if r else np.nan for r in rest])
    judged = np.array([c.get(JUDGE, np.nan) for c in comps], dtype=np.float64)
    t = np.asarray(centres, dtype=np.float64)
    ev = smooth_over_time(t, evidence, cfg.judge_smoothing_s)
    jd = smooth_over_time(t, judged, cfg.judge_smoothing_s)
    knee = cfg.judge_boundary
    out = []
    for c, e, j in zip(comps, ev, jd):
        if not c:
            raise ValueError("no score components to fuse")
        low = float(min(x for x in (e, j) if np.isfinite(x)))
        out.append(float(np.interp(low, (0.0, knee, 1.0), (0.0, 0.5, 1.0))))
    return out
