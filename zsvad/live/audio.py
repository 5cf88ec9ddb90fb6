"""The sound of a live stream: demuxed with its video, placed on the session's clock, cut into
the windows the video path makes.

The reader (:mod:`zsvad.live.reader`) decodes the stream's first audio stream from the same
container as its video and feeds each session's :class:`SessionAudio` its frames. They are
resampled and aligned exactly as ``zsvad score`` aligns a file's track
(:class:`~zsvad.audio.decode.SampleAligner`: sample 0 is the session's first video frame); the
acoustic cue is the causal one (:class:`~zsvad.audio.causal.CausalCue`); with an audio-text
model the samples of windows not yet cut are kept for it. A complete window waits in the reader
until its sound has arrived (:meth:`SessionAudio.ready`), or until the video is
``live.audio_lag_s`` seconds past its end (it is then scored with the sound heard so far).

Memory per camera: the cue's baseline (``audio.baseline_s`` of 20 ms hops: ~12 kB for 30 s)
and, with a model, the samples since the oldest window still to be cut (about one window:
``clip_seconds`` × ``audio.sample_rate`` float32, 0.8 MB for 4 s at 48 kHz).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from zsvad.audio.causal import CausalCue
from zsvad.audio.cue import Cue
from zsvad.audio.decode import MIN_WINDOW_S, SampleAligner, cut_chunks
from zsvad.config.schema import ZsvadConfig
from zsvad.extras import require

EARLY_S = 1.0
"""Audio decoded up to this long before a session's first video frame is kept for it (the
frame that holds its time 0); older audio is dropped, as ``score`` drops audio before the first
frame."""


@dataclass
class WindowAudio:
    """What the sound gives one live window."""

    cue: Cue | None = None
    """The causal acoustic cue (``peak`` on the camera's stream time); None: no cue (off, still
    warming up, or no sound in the window)."""
    samples: np.ndarray | None = None
    """The window's samples for the audio-text model (mono float32), None without a model or
    without enough sound."""


class AudioJump(Exception):
    """The audio timestamps jumped by more than ``live.max_jump_s``."""


class SessionAudio:
    """The sound of one stream session (see the module docstring)."""

    def __init__(self, cfg: ZsvadConfig, origin: float, stream_origin: float):
        av = require("av", "live audio")
        a = cfg.audio
        self.rate = a.sample_rate
        self.stream_origin = stream_origin
        """Camera stream time of sample 0 (the session's origin)."""
        self.stats: dict = {}
        resampler = av.AudioResampler(format="flt", layout="mono", rate=self.rate)
        self.aligner = SampleAligner(resampler, self.rate, origin, self.stats)
        self.cue = CausalCue(a, cfg.live.audio_warmup_s) if a.cue else None
        self.keep_samples = bool(a.backend)
        self.max_gap_s = cfg.live.max_jump_s
        self.keep_s = cfg.video.clip_seconds + cfg.live.audio_lag_s + 1.0
        self._chunks: list[tuple[int, np.ndarray]] = []
        self.end = 0
        """Index after the last sample produced."""
        self.ended = False

    def push(self, frame) -> int:
        """Add a decoded audio frame; returns the samples it produced (the resampler may hold
        some back). Raises :class:`AudioJump` (and takes nothing) when its time jumps ahead by
        more than ``live.max_jump_s``."""
        if self.ended:
            return 0
        if self.aligner.gap(frame) > self.max_gap_s:
            raise AudioJump(f"audio time jumped by {self.aligner.gap(frame):.1f} s")
        return sum(self._add(pos, x) for pos, x in self.aligner.push(frame))

    def finish(self) -> int:
        """The session ended: what the resampler held; nothing more is taken."""
        if self.ended:
            return 0
        self.ended = True
        return sum(self._add(pos, x) for pos, x in self.aligner.flush())

    def _add(self, pos: int, x: np.ndarray) -> int:
        if self.cue is not None:
            self.cue.feed(x)
        if self.keep_samples:
            self._chunks.append((pos, x))
            oldest = self.end - round(self.keep_s * self.rate)  # bound, whatever the windows
            while len(self._chunks) > 1 and self._chunks[0][0] + len(self._chunks[0][1]) < oldest:
                self._chunks.pop(0)
        self.end = pos + len(x)
        return len(x)

    def ready(self, end: float) -> bool:
        """Whether the sound of a window ending at ``end`` (seconds from sample 0) is all here
        (the cue's last hop needs one analysis frame past the end)."""
        extra = self.cue.frame_samples if self.cue is not None else 0
        return self.ended or self.end >= round(end * self.rate) + extra

    def window(self, start: float, end: float) -> WindowAudio:
        """The sound of the window ``[start, end)`` (seconds from sample 0, as ``score`` rounds
        window times); windows are asked for in time order."""
        cue = self.cue.window(start, end) if self.cue is not None else None
        if cue is not None:
            cue = replace(cue, peak=round(cue.peak + self.stream_origin, 3))
        samples = None
        if self.keep_samples:
            a, b = round(start * self.rate), round(end * self.rate)
            x = cut_chunks(self._chunks, a, b)
            # as score's WindowSlicer: a window the sound reached whole, else one cut short
            # (the sound ended or is late) that still holds MIN_WINDOW_S
            if len(x) and (self.end >= b or len(x) >= MIN_WINDOW_S * self.rate):
                samples = x
            self._chunks = [(s, y) for s, y in self._chunks if s + len(y) > a]
        return WindowAudio(cue, samples)
