"""The sound side of a camera's reader: pick the audio stream, decode its packets, feed the
session's :class:`~zsvad.live.audio.SessionAudio`, give the sound up when it does not decode.

:class:`ReaderSound` is a part of :class:`~zsvad.live.reader.Reader` (its base class); it uses
the reader's ``source``, ``cfg``, ``live``, ``stats``, ``_session`` and ``_release``.
"""

from __future__ import annotations

import logging
from collections import deque

from zsvad.errors import one_line
from zsvad.extras import require
from zsvad.live.audio import AudioJump
from zsvad.live.stream_state import EARLY_FRAMES, Session
from zsvad.logs import get_logger
from zsvad.redact import redact

log = get_logger("zsvad.live.reader")  # one logger for the whole reader


class ReaderSound:
    """Audio demux handling of one reader (one connection's sound at a time)."""

    def _init_sound(self) -> None:
        self._hearing = False  # this connection's sound is decoded
        self._audio_bad = 0
        self._early: deque = deque(maxlen=EARLY_FRAMES)
        self._audio_said: set[str] = set()

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

    def _heard(self, s: Session, samples: int) -> None:
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
