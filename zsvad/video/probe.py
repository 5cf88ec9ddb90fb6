"""Read a video's metadata from its container (PyAV) and reject unusable files early.

Every problem becomes an :class:`~zsvad.errors.InputError` naming the file: missing or
unreadable path, not a media file, audio only, unsupported codec, absurd resolution, no frames.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from zsvad.errors import InputError
from zsvad.extras import require
from zsvad.paths import check_regular


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about the video stream (frame count and duration may be
    estimates: decoding counts the real frames)."""

    path: str
    fps: float
    """Average frame rate (frames / second)."""
    num_frames: int
    """Frame count from the container, or duration × fps when it does not record one."""
    duration: float
    """Seconds."""
    width: int
    height: int
    codec: str
    start_time: float = 0.0
    """Presentation time of the first frame, seconds (subtracted from frame times)."""
    variable_rate: bool = False
    """True when the container's average and nominal rates differ (VFR)."""
    frames_reported: bool = True
    """False when the frame count was estimated from the duration."""


def _rate(value) -> float:
    try:
        return float(value) if value else 0.0
    except (TypeError, ZeroDivisionError):
        return 0.0


def stream_rate(stream) -> float:
    """The frame rate of a PyAV video stream, the one rule of files and live streams: its
    average rate, else the guessed one, else the nominal one (0.0: none of them)."""
    return _rate(stream.average_rate) or _rate(stream.guessed_rate) or _rate(stream.base_rate)


def size_problem(w: int, h: int, max_pixels: int) -> str | None:
    """Why frames of ``w`` × ``h`` cannot be scored (None: they can), the one size check of
    files and live streams."""
    if w <= 0 or h <= 0:
        return f"invalid frame size {w}x{h}"
    if w * h > max_pixels:
        return (
            f"absurd resolution {w}x{h} ({w * h / 1e6:.0f} MP > video.max_pixels "
            f"{max_pixels / 1e6:.0f} MP)"
        )
    return None


def check_path(path: str | Path) -> Path:
    """The path as a readable regular file, else :class:`InputError`."""
    p = Path(path)
    if not p.exists():
        raise InputError("video file not found", source=p)
    if p.is_dir():
        raise InputError("is a directory, not a video file", source=p)
    check_regular(p, "video file")  # a fifo or device would block the decoder
    if not os.access(p, os.R_OK):
        raise InputError("video file is not readable (permission denied)", source=p)
    if p.stat().st_size == 0:
        raise InputError("video file is empty (0 bytes)", source=p)
    return p


def open_container(path: Path):
    """``av.open`` with errors turned into :class:`InputError`."""
    av = require("av", "video decoding")
    try:
        return av.open(str(path), metadata_errors="ignore")
    except av.error.PermissionError as exc:
        raise InputError("video file is not readable (permission denied)", source=path) from exc
    except (av.error.InvalidDataError, av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise InputError(
            "not a readable video (unknown format, or truncated/corrupt container)", source=path
        ) from exc


def video_stream(container, path: Path):
    """The first video stream, checked for a usable decoder, else :class:`InputError`."""
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams})
        what = f"only {', '.join(kinds)} streams" if kinds else "no streams"
        raise InputError(f"no video stream ({what})", source=path)
    stream = container.streams.video[0]
    ctx = stream.codec_context
    name = getattr(ctx, "name", None) if ctx is not None else None
    if ctx is None or not name or name == "none":
        raise InputError(
            "unsupported video codec: this FFmpeg build has no decoder for it", source=path
        )
    return stream


def probe(path: str | Path, max_pixels: int = 40_000_000) -> VideoInfo:
    """Probe ``path``; raise :class:`InputError` if it cannot be a usable video."""
    p = check_path(path)
    with open_container(p) as container:
        stream = video_stream(container, p)
        w, h = int(stream.width or 0), int(stream.height or 0)
        bad = size_problem(w, h, max_pixels)
        if bad:
            raise InputError(bad, source=p)
        tb = stream.time_base or Fraction(1, 1_000_000)
        avg, nominal = _rate(stream.average_rate), _rate(stream.base_rate)
        fps = stream_rate(stream)
        duration = float(stream.duration * tb) if stream.duration else 0.0
        if duration <= 0 and container.duration:
            duration = container.duration / 1_000_000
        start = float(stream.start_time * tb) if stream.start_time is not None else 0.0
        reported = int(stream.frames or 0)
        if fps <= 0 and reported and duration > 0:
            fps = reported / duration
        if fps <= 0 or not (fps < 10_000):
            raise InputError("the container gives no usable frame rate", source=p)
        if duration <= 0 and reported:
            duration = reported / fps
        frames = reported or round(duration * fps)
        vfr = bool(avg and nominal and abs(avg - nominal) / nominal > 0.01)
        return VideoInfo(
            path=str(p),
            fps=fps,
            num_frames=frames,
            duration=duration if duration > 0 else frames / fps,
            width=w,
            height=h,
            codec=stream.codec_context.name,
            start_time=start,
            variable_rate=vfr,
            frames_reported=bool(reported),
        )
