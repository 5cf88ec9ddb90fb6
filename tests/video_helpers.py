"""Make small test videos with PyAV: frame ``i`` is a flat grey of level ``level(i)``."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np


def level(i: int) -> int:
    return (i * 5) % 250


def make_video(
    path: Path,
    n: int = 50,
    fps: int = 10,
    size: tuple[int, int] = (64, 48),
    codec: str = "mpeg4",
    times: list[float] | None = None,
    options: dict | None = None,
    audio: bool = False,
    shade: Callable[[int], int] = level,
) -> Path:
    """Encode ``n`` frames (at ``times`` seconds if given: variable frame rate), frame ``i`` a
    flat grey of ``shade(i)``."""
    import av

    c = av.open(str(path), "w", options=options or {})
    s = c.add_stream(codec, rate=fps)
    s.width, s.height, s.pix_fmt = size[0], size[1], "yuv420p"
    s.codec_context.time_base = Fraction(1, 1000)
    if codec == "mpeg4":
        s.codec_context.options = {"qscale": "1"}
    for i in range(n):
        img = np.full((size[1], size[0], 3), shade(i), np.uint8)
        f = av.VideoFrame.from_ndarray(img, format="rgb24")
        f.pts = round((times[i] if times else i / fps) * 1000)
        f.time_base = Fraction(1, 1000)
        for p in s.encode(f):
            c.mux(p)
    for p in s.encode():
        c.mux(p)
    c.close()
    return path


def make_audio(path: Path, seconds: float = 1.0) -> Path:
    """An audio-only file (AAC in MP4)."""
    import av

    c = av.open(str(path), "w")
    s = c.add_stream("aac", rate=16000)
    samples = int(16000 * seconds)
    pts = 0
    for start in range(0, samples, 1024):
        data = np.zeros((1, min(1024, samples - start)), np.float32)
        frame = av.AudioFrame.from_ndarray(data, format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 16000, pts
        pts += data.shape[1]
        for p in s.encode(frame):
            c.mux(p)
    for p in s.encode():
        c.mux(p)
    c.close()
    return path
