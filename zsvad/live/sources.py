"""What ``zsvad watch`` reads: network streams, local cameras and files, named per camera.

A source argument is ``[NAME=]TARGET``; TARGET is

- a URL: ``rtsp://``, ``rtsps://``, ``rtmp://``, ``rtmps://``, ``http://``, ``https://``,
  ``udp://``, ``tcp://``, ``srt://``, ``rtp://`` (opened by PyAV's FFmpeg);
- a local camera: ``/dev/videoN`` (Video4Linux), or ``FORMAT:DEVICE`` for another FFmpeg
  input device (``v4l2:/dev/video0``, ``avfoundation:0``, ``dshow:video=Cam``);
- a video file, read as fast as the models go, or at its own pace with ``--realtime``.

NAME (letters, digits, ``-``, ``_``, ``.``; default: taken from the target) names the camera in
alerts and result files. URLs are shown and stored without their credentials.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from zsvad.config.live import LiveConfig
from zsvad.errors import ConfigError
from zsvad.extras import require
from zsvad.ids import OUTPUT_FILES, RESERVED_STEMS
from zsvad.redact import redact

SCHEMES = ("rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "udp", "tcp", "srt", "rtp")
DEVICE_FORMATS = ("v4l2", "video4linux2", "avfoundation", "dshow", "gdigrab", "x11grab")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Source:
    """One camera: its name, what to open and how."""

    name: str
    target: str
    """URL, device or file path, as given (may hold credentials: never print it)."""
    kind: str
    """``url``, ``device`` or ``file``."""
    device_format: str | None = None
    """FFmpeg input format of a device (``v4l2``, ``avfoundation``, …)."""
    realtime: bool = False
    """A file played at its own pace (frame times against the wall clock)."""

    @property
    def shown(self) -> str:
        """The target without credentials, for messages, alerts and provenance."""
        return redact(self.target)

    @property
    def live(self) -> bool:
        """A stream that may drop and come back (reconnected), as opposed to a file."""
        return self.kind != "file"


def _default_name(target: str, kind: str) -> str:
    if kind == "file":
        raw = Path(target).stem
    elif kind == "device":
        raw = Path(target.rpartition(":")[2] or target).name or "camera"
    else:
        parts = urlsplit(target)
        raw = "-".join(p for p in [parts.hostname or "", parts.port and str(parts.port)] if p)
        raw = raw or parts.scheme
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-._")[:64]
    return name or "camera"


def parse_source(arg: str, realtime: bool = False) -> Source:
    """A :class:`Source` from ``[NAME=]TARGET`` (see the module docstring)."""
    name, sep, target = arg.partition("=")
    if not sep or "://" in name or "/" in name or ":" in name:
        name, target = "", arg  # no NAME= (an '=' inside a URL's query is not one)
    target = target.strip()
    if not target:
        raise ConfigError(f"watch source {redact(arg)!r}: nothing to open")
    scheme = target.split("://", 1)[0].lower() if "://" in target else ""
    fmt, colon, device = target.partition(":")
    if scheme:
        if scheme not in SCHEMES:
            raise ConfigError(
                f"watch source {redact(target)!r}: unsupported scheme '{scheme}'; "
                f"use one of {', '.join(SCHEMES)}"
            )
        kind, device_format = "url", None
    elif colon and fmt.lower() in DEVICE_FORMATS:
        kind, device_format, target = "device", fmt.lower(), device
    elif target.startswith("/dev/video"):
        kind, device_format = "device", "v4l2"
    else:
        from zsvad.video.probe import check_path

        kind, device_format = "file", None
        if not Path(target).exists():
            raise ConfigError(f"watch source {redact(target)!r}: not a URL, device or video file")
        check_path(target)  # a folder, fifo, empty or unreadable file: one-line InputError
    name = name.strip() or _default_name(target, kind)
    if not _NAME.match(name):
        raise ConfigError(
            f"camera name {name!r}: use 1-64 letters, digits, '-', '_' or '.' "
            "(starting with a letter or digit)"
        )
    if name.lower() in OUTPUT_FILES or name.split(".", 1)[0].lower() in RESERVED_STEMS:
        raise ConfigError(
            f"watch source {redact(target)!r}: camera name {name!r} is reserved for the output "
            "files; name it: NAME=TARGET"
        )
    return Source(name, target, kind, device_format, realtime and kind == "file")


def parse_sources(args: list[str], realtime: bool = False) -> list[Source]:
    """Sources of ``zsvad watch``; two cameras with one name are refused."""
    sources = [parse_source(a, realtime) for a in args]
    seen: dict[str, str] = {}
    for s in sources:
        if s.name.lower() in seen:
            raise ConfigError(
                f"two sources are named '{s.name}' ({seen[s.name.lower()]}, {s.shown}); "
                "name them: NAME=TARGET"
            )
        seen[s.name.lower()] = s.shown
    return sources


def open_options(source: Source, cfg: LiveConfig) -> dict[str, str]:
    """FFmpeg options for opening ``source``."""
    opts: dict[str, str] = {}
    if source.kind == "url":
        scheme = source.target.split("://", 1)[0].lower()
        if scheme.startswith("rtsp"):
            opts["rtsp_transport"] = cfg.rtsp_transport
        if scheme == "udp":
            opts["overrun_nonfatal"] = "1"  # a late reader drops packets instead of failing
            opts["fifo_size"] = "65536"  # FFmpeg's receive buffer, in 188-byte packets (12 MB)
    return opts


def open_source(source: Source, cfg: LiveConfig):
    """An open PyAV container of ``source``; FFmpeg errors propagate (the reader retries)."""
    av = require("av", "live video streams")
    timeout = (cfg.open_timeout_s, cfg.read_timeout_s)
    options = open_options(source, cfg)
    if source.kind == "device":
        return av.open(source.target, format=source.device_format, options=options,
                       timeout=timeout)  # fmt: skip
    return av.open(source.target, options=options, timeout=timeout, metadata_errors="ignore")
