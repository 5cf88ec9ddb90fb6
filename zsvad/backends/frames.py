"""Turn a clip's frames into the image(s) a captioner sees (middle frame, grid, all)."""

from __future__ import annotations

import math

import numpy as np

from zsvad.backends.protocols import Clip


def grid(frames: np.ndarray) -> np.ndarray:
    """Tile ``(T, H, W, 3)`` frames row by row into one near-square image."""
    t, h, w, c = frames.shape
    cols = math.ceil(math.sqrt(t))
    rows = math.ceil(t / cols)
    out = np.zeros((rows * h, cols * w, c), dtype=frames.dtype)
    for i, f in enumerate(frames):
        r, k = divmod(i, cols)
        out[r * h : (r + 1) * h, k * w : (k + 1) * w] = f
    return out


def clip_images(clip: Clip, mode: str) -> list[np.ndarray]:
    """Images of ``clip`` for a captioner: ``middle``, ``grid`` or ``all``."""
    frames = np.asarray(clip.frames)
    if mode == "all":
        return list(frames)
    if mode == "grid":
        return [grid(frames)]
    return [frames[len(frames) // 2]]


def to_pil(images: list[np.ndarray]) -> list:
    from PIL import Image

    return [Image.fromarray(np.ascontiguousarray(img)) for img in images]
