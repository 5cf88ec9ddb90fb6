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

With ``audio.*`` on, the source's first audio stream is demuxed with the video (one container)
and each session's sound goes to a :class:`~zsvad.live.audio.SessionAudio`; a complete window
waits for its sound before it is handed over (:mod:`zsvad.live.audio`). A source without sound,
or whose sound does not decode, is read as video alone (logged once per camera).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from zsvad.backends.protocols import Clip
from zsvad.config.schema import ZsvadConfig
from zsvad.errors import one_line
from zsvad.extras import require
from zsvad.live.audio import EARLY_S, AudioJump, SessionAudio, WindowAudio
from zsvad.live.backpressure import Item, PendingWindows
from zsvad.live.picker import LivePicker
from zsvad.live.sources import Source, open_source
from zsvad.live.stats import CameraStats
from zsvad.logs import get_logger
from zsvad.redact import redact
from zsvad.video.decode_pyav import measured_fps, output_size, setup_stream
from zsvad.video.probe import VideoInfo, size_problem, stream_rate, video_stream

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
        self.audio: SessionAudio | None = None
        self.held: deque[tuple[Clip, float]] = deque()
        """Complete windows waiting for their sound, with the time they became complete."""

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
        self._hearing = False  # this connection's sound is decoded
        self._audio_bad = 0
        self._early: deque = deque(maxlen=EARLY_FRAMES)
        self._audio_said: set[str] = set()

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
        v = self.cfg.video
        setup_stream(stream, v.threads, v.keyframes_only, low_delay=self.source.live)
        ctx = stream.codec_context
        w, h = int(ctx.width or 0), int(ctx.height or 0)
        bad = size_problem(w, h, v.max_pixels)
        if bad:
            self._fault(f"unusable frame size: {bad}")
            return False, self._fault_msg
        fps = stream_rate(stream)
        info = VideoInfo(self.source.shown, fps or 25.0, 0, 0.0, w, h, ctx.name or "?")
        size = output_size(info, self.cfg.video.resize)
        reason = "stopped"
        bad = 0
        audio = self._audio_stream(container)
        packets = container.demux(stream, audio) if audio is not None else container.demux(stream)
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
            if audio is not None and packet.stream.index == audio.index:  # (a flush packet's
                # stream_index is 0 whatever its stream)
                self._audio_packet(packet)
                continue
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
            if audio is not None and self._hearing:
                self._audio_packet(None, audio)  # and audio inside its decoder
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
            s = self._start_session(now, fps, frame.time)
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
        if s.held:
            self._release(s, t)
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

    def _start_session(self, now: float, fps: float, t0: float | None) -> _Session:
        if self._prev_end is None:
            origin = 0.0
        else:
            origin = self._prev_end + max(0.0, now - self._prev_end_wall)
        self._sessions += 1
        self._session = s = _Session(self._sessions, origin, now, fps, self.cfg)
        self.stats.sessions += 1
        self._up = True
        self._fault_msg = ""
        self._post(StreamEvent("stream_up", now, self._sessions, "", origin))
        if self._hearing and t0 is not None:  # sample 0 of its sound: this frame's time
            s.audio = SessionAudio(self.cfg, t0, origin)
            early = [f for f in self._early if f.time is None or f.time >= t0 - EARLY_S]
            self._early.clear()
            for f in early:
                self._audio_frame(f)
        return s

    def _end_session(self, reason: str) -> None:
        s = self._session
        if s is None:
            return
        self._session = None
        if s.audio is not None:
            self._heard(s, s.audio.finish())
        if s.frames:
            fps = measured_fps(s.fps, s.frames, s.last_rel)
            end = s.origin + s.last_rel + 1.0 / fps
            if reason != "shutdown":  # at shutdown only complete windows count
                for clip in s.picker.finish(end):
                    self._put(s, clip)
        self._release(s, None)  # the sound is over: every window goes
        if s.frames:
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
        s.held.append((clip, time.monotonic()))
        self._release(s, s.origin + s.last_rel)

    def _release(self, s: _Session, now_t: float | None) -> None:
        """Hand over the held windows, in order, whose sound is here (all of them when
        ``now_t`` is None: the session ended); one the video (at stream time ``now_t``) is
        ``live.audio_lag_s`` past goes with the sound heard so far."""
        while s.held:
            clip, ready = s.held[0]
            audio = None
            if s.audio is not None:
                start, end = round(clip.start - s.origin, 6), round(clip.end - s.origin, 6)
                late = not s.audio.ready(end)
                if late and now_t is not None and now_t - clip.end <= self.live.audio_lag_s:
                    return  # its sound is still coming
                audio = s.audio.window(start, end)
                self.stats.audio_late += late
            s.held.popleft()
            live = LiveClip(clip, s.fps, s.wall_of(clip.start), s.number, audio)
            self.pending.put(Item(self.source.name, clip=live, ready=ready))

    # -- sound -------------------------------------------------------------------------------
    def _say_audio(self, kind: str, state: str, level: int = logging.INFO) -> None:
        """Record the sound's state; log each ``kind`` of state once per camera."""
        self.stats.audio = state
        if kind not in self._audio_said:
            self._audio_said.add(kind)
            log.log(level, "%s: %s", self.source.name, state)

    def _audio_stream(self, container):
        """The stream's first audio stream when ``audio.*`` is on and it can be decoded."""
        self._hearing, self._audio_bad = False, 0
        self._early.clear()
        if not self.cfg.audio.enabled:
            return None
        streams = container.streams.audio
        if not streams:
            self._say_audio("none", "no audio track: scored without sound")
            return None
        stream = streams[0]
        name = getattr(stream.codec_context, "name", None)
        if not name or name == "none":
            self._say_audio("codec", "audio codec cannot be decoded by this FFmpeg build: "
                            "scored without sound", logging.WARNING)  # fmt: skip
            return None
        self._hearing = True
        self.stats.audio = "ok"
        self.stats.audio_codec = name
        return stream

    def _audio_packet(self, packet, stream=None) -> None:
        """Decode one audio packet (None: flush ``stream``'s decoder); skip a bad one, give the
        sound up after ``live.max_bad_packets`` in a row."""
        if not self._hearing:
            return
        av = require("av", "live audio")
        try:
            frames = packet.decode() if packet is not None else stream.codec_context.decode(None)
        except Exception as exc:
            if packet is None:  # already flushed at the end of the stream, or broken
                return
            if not isinstance(exc, (av.error.InvalidDataError, av.error.FFmpegError, ValueError)):
                self._audio_failed(f"{type(exc).__name__}: {exc}")
                return
            self._audio_bad += 1
            self.stats.audio_bad_packets += 1
            if self._audio_bad >= self.live.max_bad_packets:
                self._audio_failed(f"{self._audio_bad} packets in a row did not decode: {exc}")
            return
        self._audio_bad = 0
        for frame in frames:
            self._audio_frame(frame)
            if not self._hearing:
                return

    def _audio_frame(self, frame) -> None:
        s = self._session
        if s is None or s.audio is None or s.audio.ended:
            self._early.append(frame)  # for the next session
            return
        try:
            self._heard(s, s.audio.push(frame))
        except AudioJump as exc:  # a camera restart: the video is likely to jump next
            log.info("%s: %s; the session's sound ends there", self.source.name, exc)
            self._heard(s, s.audio.finish())
            self._early.append(frame)
        except Exception as exc:  # resampling or a decoder's odd frame: the sound is given up
            self._audio_failed(f"{type(exc).__name__}: {exc}")
            return
        if s.held:
            self._release(s, s.origin + s.last_rel)

    def _heard(self, s: _Session, samples: int) -> None:
        if samples and s.audio is not None:
            self.stats.audio_s += samples / s.audio.rate

    def _audio_failed(self, why: str) -> None:
        """This connection's sound does not decode: its windows are scored without it."""
        self._hearing = False
        self._early.clear()
        self.stats.audio_failures += 1
        why = one_line(redact(why.replace(self.source.target, self.source.shown)))[:200]
        self._say_audio("failed", f"audio could not be decoded ({why}): scored without sound",
                        logging.WARNING)  # fmt: skip
        s = self._session
        if s is not None and s.audio is not None:
            s.audio = None
            self._release(s, None)  # the windows waiting for it go without it

    def _post(self, event: StreamEvent) -> None:
        self.pending.put(Item(self.source.name, marker=event))
