"""Gaussian smoothing of a score curve over time."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d


def gaussian_smooth(scores: np.ndarray, sigma_s: float, fps: float) -> np.ndarray:
    """Smooth with a Gaussian of standard deviation ``sigma_s`` seconds (edges: nearest)."""
    scores = np.asarray(scores, dtype=np.float64)
    sigma = sigma_s * fps
    if sigma <= 0 or len(scores) < 2:
        return scores.copy()
    out = gaussian_filter1d(scores, sigma=sigma, mode="nearest", truncate=4.0)
    return np.clip(out, 0.0, 1.0)
