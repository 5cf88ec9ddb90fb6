"""What a camera's reader hands over and keeps per session: windows, stream events, sessions.

:class:`LiveClip` and :class:`StreamEvent` go to the scorer through
:class:`~zsvad.live.backpressure.PendingWindows`; :class:`Session` is the reader's state of
one uninterrupted run of frames (:mod:`zsvad.live.reader`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from zsvad.backends.protocols import Clip
from zsvad.config.schema import ZsvadConfig
from zsvad.live.audio import SessionAudio, WindowAudio
from zsvad.live.picker import LivePicker


@dataclass
class LiveClip:
    """A complete window of a camera, with what the scorer needs besides its frames."""

    clip: Clip
    """The window (times in the camera's stream time, seconds)."""
    fps: float
    """Frame rate of its session (the stream's, or measured)."""
    wall_start: float
    """Wall-clock time (Unix seconds) of the window's start: the session's first frame's
    arrival plus the stream time since."""
    session: int
    audio: WindowAudio | None = None
    """Its sound (cue, samples for the audio-text model); None: audio off or no sound."""


@dataclass
class StreamEvent:
    """A change of a stream's state, written to the sinks in order with the windows."""

    event: str
    """``stream_up`` (a session started), ``stream_down`` (it ended), ``stream_error`` (a
    connection attempt failed)."""
    at: float
    """Wall-clock time, Unix seconds."""
    session: int
    reason: str = ""
    stream_s: float | None = None
    """Stream time of the event on the camera's timeline, seconds."""


FINISHED = "finished"
"""Marker a reader posts last: its camera will send nothing more."""
EARLY_FRAMES = 256
"""Audio frames decoded before a session's first video frame kept for it, at most."""


class Session:
    """State of one run of frames."""

    def __init__(self, number: int, origin: float, wall0: float, fps: float, cfg: ZsvadConfig):
        self.number = number
        self.origin = origin
        self.wall0 = wall0
        self.fps = fps
        self.picker = LivePicker(cfg.video, origin, cfg.live.exact_tail)
        self.pts0: int | None = None
        self.frames = 0
        self.last_rel = 0.0
        self.last_wall = wall0
        self.audio: SessionAudio | None = None
        self.held: deque[tuple[Clip, float]] = deque()
        """Complete windows waiting for their sound, with the time they became complete."""

    def wall_of(self, t: float) -> float:
        return self.wall0 + (t - self.origin)

    def relative(self, pts, tb, fps: float) -> float:
        """A frame's time since the session's first frame, seconds (its timestamp's, else
        counted at ``fps``)."""
        if pts is None or tb is None:
            return self.frames / fps
        if self.pts0 is None:
            self.pts0 = pts
        return float((pts - self.pts0) * tb)  # exact: the same float as the file sampler's
