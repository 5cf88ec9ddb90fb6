"""One thread per camera: connect, decode, cut windows, hand them to the scorer; reconnect.

A *session* is one uninterrupted run of frames (a connection; a timestamp jump starts a new
one). Frame times come from the stream's presentation timestamps, relative to the session's
first frame; the camera's own timeline (``stream time``, what windows, alerts and results use)
continues across sessions: a session starts at the previous one's end plus the wall-clock time
the stream was away. Faults, each reported as a stream event and counted:

- connecting fails (refused, unreachable, not a video): retried with backoff from
  ``live.reconnect_min_s`` doubling to ``live.reconnect_max_s``;
- no data for ``live.read_timeout_s`` (stall), the source closes the stream or sends
  ``live.max_bad_packets`` undecodable packets in a row (garbage): the session ends (its pending
  windows are finished as ``score`` would at a file's end) and the source is reconnected.

A file source is read once (at its own pace with ``--realtime``, else as fast as the scorer
takes windows) and not reconnected.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from zsvad.backends.protocols import Clip
from zsvad.config.schema import ZsvadConfig
from zsvad.errors import one_line
from zsvad.extras import require
from zsvad.live.backpressure import Item, PendingWindows
from zsvad.live.picker import LivePicker
from zsvad.live.sources import Source, open_source
from zsvad.live.stats import CameraStats
from zsvad.logs import get_logger
from zsvad.redact import redact
from zsvad.video.decode_pyav import measured_fps, output_size
from zsvad.video.probe import VideoInfo, video_stream

log = get_logger(__name__)


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


def _rate(value) -> float:
    try:
        return float(value) if value else 0.0
    except (TypeError, ZeroDivisionError):
        return 0.0


class _Session:
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

    def wall_of(self, t: float) -> float:
        return self.wall0 + (t - self.origin)


class Reader(threading.Thread):
    """Reads one :class:`Source` until ``stop`` is set (or a file ends)."""

    def __init__(
        self,
        source: Source,
        cfg: ZsvadConfig,
        pending: PendingWindows,
        stats: CameraStats,
        stop: threading.Event,
    ):
        super().__init__(name=f"zsvad-watch-{source.name}", daemon=True)
        self.source = source
        self.cfg = cfg
        self.live = cfg.live
        self.pending = pending
        self.stats = stats
        self.stop = stop
        self.finished = threading.Event()
        self._session: _Session | None = None
        self._sessions = 0
        self._index = 0
        self._prev_end: float | None = None
        self._prev_end_wall = 0.0
        self._up = False
        self._connected = 0.0

    @property
    def in_session(self) -> bool:
        """Whether frames are coming (a shutdown then waits for the reader)."""
        return self._session is not None

    # -- thread ------------------------------------------------------------------------------
    def run(self) -> None:
        try:
            self._loop()
        except Exception as exc:  # a reader must never die silently
            self._fault(f"reader failed: {type(exc).__name__}: {exc}")
            log.error("%s: %s", self.source.name, self._fault_msg)  # redacted: no raw URL
            log.debug("%s: reader traceback", self.source.name, exc_info=True)
            self._post(StreamEvent("stream_error", time.time(), self._sessions, self._fault_msg))
        finally:
            self.pending.put(Item(self.source.name, marker=FINISHED))
            self.finished.set()

    def _loop(self) -> None:
        live = self.live
        backoff = live.reconnect_min_s
        while not self.stop.is_set():
            try:
                container = open_source(self.source, live)
            except Exception as exc:  # FFmpeg errors are many types; all mean "not now"
                self.stats.connect_failures += 1
                self._fault(f"cannot open: {exc}")
                level = logging.WARNING if self._up or self.stats.connect_failures == 1 else 10
                log.log(level, "%s: %s; retrying in %.1f s", self.source.name,
                        self._fault_msg, backoff)  # fmt: skip
                if self._up or self.stats.connect_failures == 1:
                    self._post(StreamEvent("stream_error", time.time(), self._sessions,
                                           self._fault_msg))  # fmt: skip
                self._up = False
                if not self.source.live:
                    return  # a file that does not open will not get better
                self.stop.wait(backoff)
                backoff = min(backoff * 2, live.reconnect_max_s)
                continue
            frames_before = self.stats.frames
            try:
                delivered, reason = self._read(container)
            except Exception as exc:  # one bad frame or decoder bug ends this session only
                self._fault(f"reader failed: {type(exc).__name__}: {exc}")
                log.warning("%s: %s", self.source.name, self._fault_msg)
                log.debug("%s: reader traceback", self.source.name, exc_info=True)
                self._end_session(self._fault_msg)
                delivered, reason = self.stats.frames > frames_before, self._fault_msg
            finally:
                container.close()
            if not self.source.live or self.stop.is_set():
                return
            if delivered:
                backoff = live.reconnect_min_s
            log.warning("%s: stream lost (%s); reconnecting in %.1f s", self.source.name,
                        reason, backoff)  # fmt: skip
            self.stop.wait(backoff)
            if not delivered:
                backoff = min(backoff * 2, live.reconnect_max_s)

    # -- one connection ----------------------------------------------------------------------
    def _read(self, container) -> tuple[bool, str]:
        """Decode ``container`` until it ends, stalls or turns to garbage; ``(frames came,
        why it ended)``."""
        av = require("av", "live video streams")
        frames_before = self.stats.frames
        try:
            stream = video_stream(container, Path(self.source.shown))
        except Exception as exc:
            self._fault(f"not a usable video stream: {exc}")
            return False, self._fault_msg
        stream.thread_type = "AUTO" if not self.source.live else "SLICE"  # SLICE: no frame delay
        if self.cfg.video.threads:
            stream.codec_context.thread_count = self.cfg.video.threads
        if self.cfg.video.keyframes_only:
            stream.codec_context.skip_frame = "NONKEY"
        ctx = stream.codec_context
        w, h = int(ctx.width or 0), int(ctx.height or 0)
        if w <= 0 or h <= 0 or w * h > self.cfg.video.max_pixels:
            self._fault(f"unusable frame size {w}x{h}")
            return False, self._fault_msg
        fps = _rate(stream.average_rate) or _rate(stream.guessed_rate) or _rate(stream.base_rate)
        info = VideoInfo(self.source.shown, fps or 25.0, 0, 0.0, w, h, ctx.name or "?")
        size = output_size(info, self.cfg.video.resize)
        reason = "stopped"
        bad = 0
        packets = container.demux(stream)
        while not self.stop.is_set():
            try:
                packet = next(packets)
            except StopIteration:
                reason = "end of stream"
                self.stats.disconnects += 1
                break
            except av.error.ExitError:
                reason = f"stalled: no data for {self.live.read_timeout_s:g} s"
                self.stats.stalls += 1
                break
            except Exception as exc:  # connection reset, I/O error, demuxer gave up
                reason = f"read failed: {exc}"
                self.stats.disconnects += 1
                break
            try:
                decoded = packet.decode()
            except (av.error.InvalidDataError, av.error.FFmpegError, ValueError):
                bad += 1
                self.stats.bad_packets += 1
                if bad >= self.live.max_bad_packets:
                    reason = f"garbage: {bad} packets in a row did not decode"
                    break
                continue
            bad = 0
            for frame in decoded:
                self._frame(frame, info.fps, size)
        if reason != "stopped":
            try:  # frames still inside the decoder
                for frame in stream.codec_context.decode(None):
                    self._frame(frame, info.fps, size)
            except Exception:  # already flushed at the end of the stream, or broken
                pass
        if reason not in ("stopped", "end of stream") or self.source.live:
            self._fault(reason)
        self._end_session(reason if reason != "stopped" else "shutdown")
        return self.stats.frames > frames_before, self._fault_msg or reason

    def _frame(self, frame, fps: float, size: tuple[int, int]) -> None:
        now = time.time()
        s = self._session
        pts, tb = frame.pts, frame.time_base
        if s is not None:
            rel = self._relative(s, pts, tb, fps)
            if rel < s.last_rel - 1e-6 or rel - s.last_rel > self.live.max_jump_s:
                self._end_session(f"timestamp jump {s.last_rel:.3f} s -> {rel:.3f} s")
                s = None
        if s is None:
            s = self._start_session(now, fps)
        rel = self._relative(s, pts, tb, fps)
        if self.source.realtime:  # show the frame at its time, as a camera would
            delay = s.wall0 + rel - time.time()
            if delay > 0:
                self.stop.wait(delay)
        t = s.origin + rel
        width, height = size

        def convert(f=frame):  # only sampled frames are converted, once
            return f.to_ndarray(format="rgb24", width=width, height=height)

        for clip in s.picker.feed(self._index, t, convert):
            self._put(s, clip)
        self._index += 1
        s.frames += 1
        s.last_rel = rel
        s.last_wall = time.time()
        self.stats.frames += 1
        self.stats.stream_now_s = self.stats.stream_s + rel + 1.0 / s.fps
        self.stats.connected_s = self._connected + (s.last_wall - s.wall0)

    @staticmethod
    def _relative(s: _Session, pts, tb, fps: float) -> float:
        if pts is None or tb is None:
            return s.frames / fps
        if s.pts0 is None:
            s.pts0 = pts
        return float((pts - s.pts0) * tb)  # exact: the same float as the file sampler's

    def _start_session(self, now: float, fps: float) -> _Session:
        if self._prev_end is None:
            origin = 0.0
        else:
            origin = self._prev_end + max(0.0, now - self._prev_end_wall)
        self._sessions += 1
        self._session = _Session(self._sessions, origin, now, fps, self.cfg)
        self.stats.sessions += 1
        self._up = True
        self._fault_msg = ""
        self._post(StreamEvent("stream_up", now, self._sessions, "", origin))
        return self._session

    def _end_session(self, reason: str) -> None:
        s = self._session
        if s is None:
            return
        self._session = None
        if s.frames:
            fps = measured_fps(s.fps, s.frames, s.last_rel)
            end = s.origin + s.last_rel + 1.0 / fps
            if reason != "shutdown":  # at shutdown only complete windows count
                for clip in s.picker.finish(end):
                    self._put(s, clip)
            self.stats.stream_s += s.last_rel + 1.0 / fps
            self.stats.stream_now_s = self.stats.stream_s
            self._connected += s.last_wall - s.wall0
            self._prev_end, self._prev_end_wall = end, s.last_wall + 1.0 / fps
        if reason != "shutdown":
            self._post(StreamEvent("stream_down", time.time(), s.number, reason, self._prev_end))

    # -- hand-over ---------------------------------------------------------------------------
    _fault_msg = ""

    def _fault(self, message: str) -> None:
        shown = message.replace(self.source.target, self.source.shown)  # FFmpeg names the URL
        self._fault_msg = one_line(redact(shown))[:300]
        self.stats.last_error = self._fault_msg

    def _put(self, s: _Session, clip: Clip) -> None:
        live = LiveClip(clip, s.fps, s.wall_of(clip.start), s.number)
        self.pending.put(Item(self.source.name, clip=live))

    def _post(self, event: StreamEvent) -> None:
        self.pending.put(Item(self.source.name, marker=event))
