"""Public video API: probe, stream clips over the whole video, read frames by index.

``iter_clips(path, cfg)`` returns a :class:`ClipStream`: iterate it for
:class:`~zsvad.backends.protocols.Clip` windows in time order. Peak memory is bounded by the
windows open at once, never by the video length. After iteration ``stream.num_frames`` /
``stream.fps`` / ``stream.duration`` hold the decoded figures, which correct containers that
report a wrong frame count or rate.

Decoders: the clip stream uses one sequential PyAV pass (``video.decoder: auto`` or ``pyav``):
measured as fast as a plain decode and flat in memory. ``video.decoder: decord`` streams with
decord instead; its CPU reader keeps decoding ahead of a slow consumer and its memory grows with
the video's length (dmlc/decord#157, #208; 358 MB for 10 min, 751 MB for 60 min in
``scripts/bench_video.py``), so it is not the default. ``read_frames`` (a few frames at random
positions, short-lived reader) uses decord when installed and PyAV otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TypeVar

import numpy as np

from zsvad.backends.protocols import Clip
from zsvad.config.video import VideoConfig
from zsvad.errors import DecodeError
from zsvad.extras import available
from zsvad.logs import get_logger
from zsvad.video.decode_decord import read_frames_decord, sample_decord
from zsvad.video.decode_pyav import read_frames_pyav, sample_pyav
from zsvad.video.probe import VideoInfo, probe

log = get_logger(__name__)
T = TypeVar("T")


def batched(items: Iterable[T], n: int) -> Iterator[list[T]]:
    """Lists of up to ``n`` consecutive items."""
    it = iter(items)
    while batch := list(islice(it, n)):
        yield batch


def _decord_error(exc: Exception) -> bool:
    return (
        type(exc).__name__ == "DECORDError"
        or "decord" in type(exc).__module__
        or (isinstance(exc, RuntimeError) and "video_reader" in str(exc))
    )


class ClipStream:
    """Clips of one video, decoded lazily; iterate once."""

    def __init__(self, info: VideoInfo, cfg: VideoConfig):
        self.info = info
        self.cfg = cfg
        self.stats: dict = {}
        self.decoder = "decord" if cfg.decoder == "decord" and not cfg.keyframes_only else "pyav"

    @property
    def num_frames(self) -> int:
        """Decoded frame count (the container's until iteration has finished)."""
        return int(self.stats.get("frames") or self.info.num_frames)

    @property
    def fps(self) -> float:
        """Frame rate: the container's, or measured from frame times when they disagree."""
        return float(self.stats.get("fps") or self.info.fps)

    @property
    def duration(self) -> float:
        return float(self.stats.get("duration") or self.info.duration)

    def __iter__(self) -> Iterator[Clip]:
        if self.decoder == "pyav":
            yield from sample_pyav(self.info, self.cfg, self.stats)
            return
        try:
            yield from sample_decord(self.info, self.cfg, self.stats)
        except Exception as exc:
            if not _decord_error(exc):
                raise
            first = str(exc).strip().splitlines()[-1][:200] if str(exc).strip() else ""
            raise DecodeError(f"decord cannot decode it ({first})", source=self.info.path) from exc


def iter_clips(path: str | Path, cfg: VideoConfig | None = None) -> ClipStream:
    """Probe ``path`` (raising :class:`~zsvad.errors.InputError` for unusable files) and return
    its clips."""
    cfg = cfg or VideoConfig()
    return ClipStream(probe(path, cfg.max_pixels), cfg)


def read_frames(
    path: str | Path,
    indices: Iterable[int],
    resize: int | None = None,
    decoder: str = "auto",
) -> np.ndarray:
    """Frames of ``path`` at frame ``indices`` as ``(n, H, W, 3)`` uint8 RGB (order kept).

    ``resize`` scales the shorter side; indices beyond the last frame give the last frame.
    """
    idx = [int(i) for i in indices]
    info = probe(path)
    if not idx:
        return np.zeros((0, info.height, info.width, 3), dtype=np.uint8)
    if decoder != "pyav" and available("decord"):
        try:
            return read_frames_decord(info, idx, resize)
        except Exception as exc:
            if decoder == "decord" or not _decord_error(exc):
                raise
            log.info("%s: decord failed (%s); reading with PyAV", path, exc)
    return read_frames_pyav(path, idx, info, resize)
