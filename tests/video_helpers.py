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
    sound: np.ndarray | None = None,
    sound_rate: int = 16000,
    shade: Callable[[int], int] = level,
) -> Path:
    """Encode ``n`` frames (at ``times`` seconds if given: variable frame rate), frame ``i`` a
    flat grey of ``shade(i)``, with ``sound`` (mono float samples at ``sound_rate``) as an AAC
    audio track when given."""
    import av

    c = av.open(str(path), "w", options=options or {})
    a = c.add_stream("aac", rate=sound_rate, layout="mono") if sound is not None else None
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
    if a is not None:
        _encode_sound(c, a, np.asarray(sound, np.float32), sound_rate)
    c.close()
    return path


def _encode_sound(container, stream, samples: np.ndarray, rate: int) -> None:
    import av

    pts = 0
    for start in range(0, len(samples), 1024):
        data = samples[None, start : start + 1024]
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = rate, pts
        pts += data.shape[1]
        for p in stream.encode(frame):
            container.mux(p)
    for p in stream.encode():
        container.mux(p)


def quiet_with_bang(seconds: float, bang_at: float, rate: int = 16000, seed: int = 0):
    """Quiet noise (about -50 dBFS) for ``seconds`` with a loud decaying burst (a bang, about
    -10 dBFS) starting at ``bang_at`` seconds."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(int(seconds * rate)) * 0.003
    n, i = int(0.15 * rate), int(bang_at * rate)
    x[i : i + n] += rng.standard_normal(n) * 0.5 * np.exp(-np.arange(n) / (0.03 * rate))
    return np.clip(x, -1, 1).astype(np.float32)


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
