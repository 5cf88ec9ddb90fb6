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
or whose sound does not decode, is read as video alone (logged once per camera); the sound side
lives in :mod:`zsvad.live.reader_audio`, the handed-over records and the per-session state in
:mod:`zsvad.live.stream_state`.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from zsvad.backends.protocols import Clip
from zsvad.config.schema import ZsvadConfig
from zsvad.errors import one_line
from zsvad.extras import require
from zsvad.live.audio import EARLY_S, SessionAudio
from zsvad.live.backpressure import Item, PendingWindows
from zsvad.live.reader_audio import ReaderSound
from zsvad.live.sources import Source, open_source
from zsvad.live.stats import CameraStats
from zsvad.live.stream_state import FINISHED, LiveClip, Session, StreamEvent
from zsvad.logs import get_logger
from zsvad.redact import redact
from zsvad.video.decode_pyav import measured_fps, output_size, setup_stream
from zsvad.video.probe import VideoInfo, size_problem, stream_rate, video_stream

log = get_logger(__name__)

__all__ = ["FINISHED", "LiveClip", "Reader", "StreamEvent"]


class Reader(ReaderSound, threading.Thread):
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
        self._session: Session | None = None
        self._sessions = 0
        self._index = 0
        self._prev_end: float | None = None
        self._prev_end_wall = 0.0
        self._up = False
        self._connected = 0.0
        self._init_sound()

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
        """Connect, read, reconnect with backoff (``live.reconnect_min_s`` doubling to
        ``live.reconnect_max_s``, reset by a connection that delivered frames)."""
        live = self.live
        backoff = live.reconnect_min_s
        while not self.stop.is_set():
            try:
                container = open_source(self.source, live)
            except Exception as exc:  # FFmpeg errors are many types; all mean "not now"
                self._cannot_open(exc, backoff)
                if not self.source.live:
                    return  # a file that does not open will not get better
                self.stop.wait(backoff)
                backoff = min(backoff * 2, live.reconnect_max_s)
                continue
            delivered, reason = self._read_session(container)
            if not self.source.live or self.stop.is_set():
                return
            if delivered:
                backoff = live.reconnect_min_s
            log.warning("%s: stream lost (%s); reconnecting in %.1f s", self.source.name,
                        reason, backoff)  # fmt: skip
            self.stop.wait(backoff)
            if not delivered:
                backoff = min(backoff * 2, live.reconnect_max_s)

    def _cannot_open(self, exc: Exception, backoff: float) -> None:
        """Count, log and report a failed connection (reported once until a stream is up)."""
        self.stats.connect_failures += 1
        self._fault(f"cannot open: {exc}")
        first = self._up or self.stats.connect_failures == 1
        log.log(logging.WARNING if first else 10, "%s: %s; retrying in %.1f s",
                self.source.name, self._fault_msg, backoff)  # fmt: skip
        if first:
            self._post(StreamEvent("stream_error", time.time(), self._sessions, self._fault_msg))
        self._up = False

    def _read_session(self, container) -> tuple[bool, str]:
        """:meth:`_read` ``container``, then close it; an error ends this session only."""
        frames_before = self.stats.frames
        try:
            return self._read(container)
        except Exception as exc:  # one bad frame or decoder bug ends this session only
            self._fault(f"reader failed: {type(exc).__name__}: {exc}")
            log.warning("%s: %s", self.source.name, self._fault_msg)
            log.debug("%s: reader traceback", self.source.name, exc_info=True)
            self._end_session(self._fault_msg)
            return self.stats.frames > frames_before, self._fault_msg
        finally:
            container.close()

    # -- one connection ----------------------------------------------------------------------
    def _read(self, container) -> tuple[bool, str]:
        """Decode ``container`` until it ends, stalls or turns to garbage; ``(frames came,
        why it ended)``."""
        av = require("av", "live video streams")
        frames_before = self.stats.frames
        opened = self._open_video(container)
        if opened is None:
            return False, self._fault_msg
        stream, fps, size = opened
        audio = self._audio_stream(container)
        reason = self._demux(av, container, stream, audio, fps, size)
        if reason != "stopped":
            self._drain(stream, audio, fps, size)
        if reason not in ("stopped", "end of stream") or self.source.live:
            self._fault(reason)
        self._end_session(reason if reason != "stopped" else "shutdown")
        return self.stats.frames > frames_before, self._fault_msg or reason

    def _open_video(self, container):
        """``(video stream, its frame rate, output frame size)``, set up for decoding; None
        (fault recorded) when the source has no usable video stream."""
        try:
            stream = video_stream(container, Path(self.source.shown))
        except Exception as exc:
            self._fault(f"not a usable video stream: {exc}")
            return None
        v = self.cfg.video
        setup_stream(stream, v.threads, v.keyframes_only, low_delay=self.source.live)
        ctx = stream.codec_context
        w, h = int(ctx.width or 0), int(ctx.height or 0)
        bad = size_problem(w, h, v.max_pixels)
        if bad:
            self._fault(f"unusable frame size: {bad}")
            return None
        info = VideoInfo(self.source.shown, stream_rate(stream) or 25.0, 0, 0.0, w, h,
                         ctx.name or "?")  # fmt: skip
        return stream, info.fps, output_size(info, v.resize)

    def _demux(self, av, container, stream, audio, fps: float, size: tuple[int, int]) -> str:
        """Read packets (video, and ``audio`` when not None) until stopped or the stream ends,
        stalls or turns to garbage; why it ended (``stopped``: ``stop`` was set)."""
        packets = container.demux(stream, audio) if audio is not None else container.demux(stream)
        bad = 0
        while not self.stop.is_set():
            packet, reason = self._next_packet(av, packets)
            if reason:
                return reason
            if audio is not None and packet.stream.index == audio.index:  # (a flush packet's
                # stream_index is 0 whatever its stream)
                self._audio_packet(packet)
                continue
            if self._video_packet(av, packet, fps, size):
                bad = 0
                continue
            bad += 1
            if bad >= self.live.max_bad_packets:
                return f"garbage: {bad} packets in a row did not decode"
        return "stopped"

    def _next_packet(self, av, packets):
        """``(packet, "")``, or ``(None, why the stream ended)`` (counted)."""
        try:
            return next(packets), ""
        except StopIteration:
            self.stats.disconnects += 1
            return None, "end of stream"
        except av.error.ExitError:
            self.stats.stalls += 1
            return None, f"stalled: no data for {self.live.read_timeout_s:g} s"
        except Exception as exc:  # connection reset, I/O error, demuxer gave up
            self.stats.disconnects += 1
            return None, f"read failed: {exc}"

    def _video_packet(self, av, packet, fps: float, size: tuple[int, int]) -> bool:
        """Decode one video packet and take its frames; False (counted) when it does not."""
        try:
            decoded = packet.decode()
        except (av.error.InvalidDataError, av.error.FFmpegError, ValueError):
            self.stats.bad_packets += 1
            return False
        for frame in decoded:
            self._frame(frame, fps, size)
        return True

    def _drain(self, stream, audio, fps: float, size: tuple[int, int]) -> None:
        """Take the frames (and sound) still inside the decoders at a stream's end."""
        try:
            for frame in stream.codec_context.decode(None):
                self._frame(frame, fps, size)
        except Exception:  # already flushed at the end of the stream, or broken
            pass
        if audio is not None and self._hearing:
            self._audio_packet(None, audio)

    def _frame(self, frame, fps: float, size: tuple[int, int]) -> None:
        now = time.time()
        s = self._session
        pts, tb = frame.pts, frame.time_base
        if s is not None:
            rel = s.relative(pts, tb, fps)
            if rel < s.last_rel - 1e-6 or rel - s.last_rel > self.live.max_jump_s:
                self._end_session(f"timestamp jump {s.last_rel:.3f} s -> {rel:.3f} s")
                s = None
        if s is None:
            s = self._start_session(now, fps, frame.time)
        rel = s.relative(pts, tb, fps)
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

    def _start_session(self, now: float, fps: float, t0: float | None) -> Session:
        if self._prev_end is None:
            origin = 0.0
        else:
            origin = self._prev_end + max(0.0, now - self._prev_end_wall)
        self._sessions += 1
        self._session = s = Session(self._sessions, origin, now, fps, self.cfg)
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

    def _put(self, s: Session, clip: Clip) -> None:
        s.held.append((clip, time.monotonic()))
        self._release(s, s.origin + s.last_rel)

    def _release(self, s: Session, now_t: float | None) -> None:
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

    def _post(self, event: StreamEvent) -> None:
        self.pending.put(Item(self.source.name, marker=event))
