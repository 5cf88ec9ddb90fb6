"""The audio track of a video: probed, decoded once with PyAV, resampled to mono, cut into windows.

:func:`iter_samples` streams the first audio stream as contiguous mono float32 chunks at a fixed
rate (PyAV's ``AudioResampler``; the video packets are demuxed, never decoded). Sample 0 is the
time of the video's first frame, so sample ``round(t · rate)`` is heard at video time ``t``; a
gap in the track is filled with silence and audio before the first frame is dropped
(:class:`SampleAligner`, the rule ``zsvad watch`` places a stream's sound by too).
:class:`WindowSlicer` cuts that stream into the video's (overlapping) windows keeping only the
chunks of windows still open, so memory is bounded by one window's audio plus one chunk, never
by the video's length.

A file without an audio stream, or whose audio codec this FFmpeg cannot decode, has no track:
:func:`probe_audio` says why and the video is scored without audio.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zsvad.extras import require
from zsvad.logs import get_logger
from zsvad.video.decode_pyav import iter_frames
from zsvad.video.probe import open_container

log = get_logger(__name__)

GAP_S = 0.05
"""A jump in the audio frames' times larger than this (seconds) is filled with silence."""
MIN_WINDOW_S = 0.1
"""A window holding less audio than this (the track ended before it) gets no audio score."""


@dataclass(frozen=True)
class AudioInfo:
    """The first audio stream of a file, as its container describes it."""

    path: str
    codec: str
    sample_rate: int
    """The stream's own rate, Hz (decoding resamples to ``audio.sample_rate``)."""
    channels: int
    duration: float
    """Seconds (0 when the container does not say)."""


def probe_audio(path: str | Path) -> tuple[AudioInfo | None, str]:
    """The first audio stream of ``path`` and ``"ok"``, or None and why there is no track to
    decode (``"no audio track"``, ``"audio codec X cannot be decoded"``)."""
    path = Path(path)
    with open_container(path) as container:
        if not container.streams.audio:
            return None, "no audio track"
        stream = container.streams.audio[0]
        ctx = stream.codec_context
        name = getattr(ctx, "name", None) if ctx is not None else None
        if not name or name == "none":
            return None, "audio codec cannot be decoded by this FFmpeg build"
        tb = stream.time_base
        duration = float(stream.duration * tb) if stream.duration and tb else 0.0
        if duration <= 0 and container.duration:
            duration = container.duration / 1_000_000
        info = AudioInfo(
            path=str(path),
            codec=name,
            sample_rate=int(ctx.sample_rate or 0),
            channels=int(getattr(ctx, "channels", 0) or 0),
            duration=duration,
        )
    return info, "ok"


def iter_samples(
    info: AudioInfo, rate: int, origin: float, stats: dict
) -> Iterator[tuple[int, np.ndarray]]:
    """``(first sample index, samples)`` chunks of the track: mono float32 at ``rate``,
    contiguous from sample 0 = container time ``origin`` (the video's first frame).

    Corrupt packets are skipped (``stats["corrupt_packets"]``), gaps filled with silence
    (``stats["gaps"]``); ``stats["samples"]`` counts what was produced.
    """
    av = require("av", "audio decoding")
    path = Path(info.path)
    container = open_container(path)
    try:
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        aligner = SampleAligner(av.AudioResampler(format="flt", layout="mono", rate=rate),
                                rate, origin, stats)  # fmt: skip
        for frame in iter_frames(container, stream, path, stats):
            yield from aligner.push(frame)
        yield from aligner.flush()
    finally:
        container.close()


class SampleAligner:
    """Puts decoded audio frames on the video's sample grid: resampled (``resampler``: mono
    float32 at ``rate``), sample 0 at container time ``origin``, a jump of more than
    :data:`GAP_S` filled with silence, samples before sample 0 dropped. Feeds ``stats``
    (``samples``, ``gaps``). ``zsvad score`` (:func:`iter_samples`) and ``zsvad watch`` (one per
    stream session) place a track's samples by this one rule."""

    def __init__(self, resampler, rate: int, origin: float, stats: dict):
        self.resampler = resampler
        self.rate = rate
        self.origin = origin
        self.stats = stats
        self.pos = 0
        """Index of the next sample to produce (negative: before the first frame)."""
        self.heard: float | None = None
        """Input seconds (from ``origin``) consumed so far; None before the first frame."""

    def gap(self, frame) -> float:
        """Seconds of silence ``frame`` would add before itself (0 when none)."""
        if self.heard is None or frame.time is None:
            return 0.0
        gap = frame.time - self.origin - self.heard
        return gap if gap > GAP_S else 0.0

    def push(self, frame) -> Iterator[tuple[int, np.ndarray]]:
        """``(first sample index, samples)`` chunks produced by ``frame`` (maybe none: the
        resampler buffers)."""
        t = None if frame.time is None else frame.time - self.origin
        if self.heard is None:
            self.heard = t if t is not None else 0.0
            self.pos = round(self.heard * self.rate)
        elif t is not None and t > self.heard + GAP_S:
            n = round((t - self.heard) * self.rate)
            self.stats["gaps"] = self.stats.get("gaps", 0) + 1
            yield from emit_silence(self.pos, n, self.stats)
            self.pos += n
            self.heard = t
        self.heard += frame.samples / (frame.sample_rate or self.rate)
        yield from self._emit(self.resampler.resample(frame))

    def flush(self) -> Iterator[tuple[int, np.ndarray]]:
        """What the resampler still holds (the track ended)."""
        yield from self._emit(self.resampler.resample(None))

    def _emit(self, frames) -> Iterator[tuple[int, np.ndarray]]:
        for out in frames:
            x = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
            start, self.pos = self.pos, self.pos + len(x)
            if self.pos <= 0:
                continue  # all of it before the video's first frame
            if start < 0:
                x, start = x[-start:], 0
            self.stats["samples"] = self.stats.get("samples", 0) + len(x)
            yield start, x


def emit_silence(pos: int, n: int, stats: dict) -> Iterator[tuple[int, np.ndarray]]:
    """``n`` samples of silence from ``pos`` (the part at or after sample 0)."""
    if pos + n <= 0:
        return
    start = max(pos, 0)
    stats["samples"] = stats.get("samples", 0) + (pos + n - start)
    yield start, np.zeros(pos + n - start, np.float32)


def cut_chunks(chunks: list[tuple[int, np.ndarray]], a: int, b: int) -> np.ndarray:
    """Samples ``[a, b)`` of contiguous ``(first sample index, samples)`` chunks (shorter where
    the chunks do not reach)."""
    parts = [x[max(a - s, 0) : b - s] for s, x in chunks if s < b and s + len(x) > a]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


class WindowSlicer:
    """Cuts a contiguous stream of samples into windows ``(start, end)`` (seconds, overlapping
    allowed). :meth:`feed` returns the windows completed by a chunk; only the chunks that a
    window not yet returned still needs are kept."""

    def __init__(self, windows: list[tuple[float, float]], rate: int):
        self.rate = rate
        spans = [(i, round(a * rate), round(b * rate)) for i, (a, b) in enumerate(windows)]
        self._spans = sorted(spans, key=lambda s: (s[2], s[1]))
        # the earliest start among the windows from position k on (what must stay buffered)
        self._keep_from = [0] * (len(spans) + 1)
        self._keep_from[-1] = 2**62
        for k in range(len(spans) - 1, -1, -1):
            self._keep_from[k] = min(self._spans[k][1], self._keep_from[k + 1])
        self._next = 0
        self._chunks: list[tuple[int, np.ndarray]] = []
        self._end = 0  # sample index after the last one fed
        self.peak_buffered = 0
        """Most samples held at once (tests check the memory bound)."""

    def _cut(self, a: int, b: int) -> np.ndarray:
        return cut_chunks(self._chunks, a, b)

    def feed(self, pos: int, samples: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """Add ``samples`` starting at sample ``pos``; return ``(window index, samples)`` of the
        windows that are now complete."""
        if len(samples):
            self._chunks.append((pos, samples))
            self._end = max(self._end, pos + len(samples))
        done = []
        while self._next < len(self._spans) and self._spans[self._next][2] <= self._end:
            i, a, b = self._spans[self._next]
            done.append((i, self._cut(a, b)))
            self._next += 1
        keep = self._keep_from[self._next]
        self._chunks = [(s, x) for s, x in self._chunks if s + len(x) > keep]
        self.peak_buffered = max(self.peak_buffered, sum(len(x) for _, x in self._chunks))
        return done

    def finish(self) -> list[tuple[int, np.ndarray]]:
        """The windows the track ended in or before: those holding at least
        :data:`MIN_WINDOW_S` of audio, cut short."""
        done = []
        for i, a, b in self._spans[self._next :]:
            x = self._cut(a, b)
            if len(x) >= MIN_WINDOW_S * self.rate:
                done.append((i, x))
        self._next = len(self._spans)
        self._chunks = []
        return done
