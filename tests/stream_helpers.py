"""Test streams with sound: Debian's ffmpeg makes them (lavfi test sources) and sends them on
127.0.0.1; a sink that stops an in-process ``Watch`` once its stream has ended."""

from __future__ import annotations

import shutil
import socket
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np

FFMPEG = shutil.which("ffmpeg")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lavfi_inputs(seconds: float, burst_at: float | None = None, sound: bool = True) -> list[str]:
    """ffmpeg inputs: a 64×48 test pattern at 10 fps and, with ``sound``, quiet white noise
    (about −55 dBFS RMS) made ~44 dB louder for 0.15 s at ``burst_at`` seconds."""
    args = ["-f", "lavfi", "-i", f"testsrc=size=64x48:rate=10:duration={seconds:g}"]
    if sound:
        noise = (
            f"anoisesrc=color=white:amplitude=0.003:duration={seconds:g}:sample_rate=16000:seed=1"
        )
        if burst_at is not None:
            noise += f",volume=volume=150:enable='between(t,{burst_at:g},{burst_at + 0.15:g})'"
        args += ["-f", "lavfi", "-i", noise]
    return args


def encode(path: Path, seconds: float, burst_at: float | None = None, sound: bool = True) -> Path:
    """A file (MPEG-4 video, AAC sound; the container from ``path``'s suffix) of
    :func:`lavfi_inputs`."""
    cmd = [FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
    cmd += lavfi_inputs(seconds, burst_at, sound)
    cmd += ["-c:v", "mpeg4", "-q:v", "2", "-c:a", "aac", "-shortest", str(path)]
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, timeout=60)
    return path


def serve_http(args: list[str], port: int) -> subprocess.Popen:
    """ffmpeg sending ``args`` (inputs and codecs) as MPEG-TS to the first client of
    ``http://127.0.0.1:port`` (as fast as the client reads: no ``-re``)."""
    cmd = [FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", *args, "-f", "mpegts"]
    cmd += ["-listen", "1", f"http://127.0.0.1:{port}"]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


class StopWhenDown:
    """A watch sink that asks ``watch`` to stop at its first ``stream_down`` (a URL source is
    otherwise reconnected for ever)."""

    def __init__(self):
        self.watch = None
        self.events: list[dict] = []

    def send(self, event: dict) -> None:
        self.events.append(event)
        if event["event"] == "stream_down" and self.watch is not None:
            self.watch.request_stop("stream ended")

    def close(self) -> None:
        pass


def garbage_sound_video(path: Path, seconds: float = 10.0, fps: int = 10) -> Path:
    """A Matroska file whose video decodes and whose AAC track is random bytes: every audio
    packet fails to decode."""
    import av

    c = av.open(str(path), "w")
    v = c.add_stream("mpeg4", rate=fps)
    v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
    a = c.add_stream("aac", rate=16000, layout="mono")
    packets = []
    for i in range(round(seconds * fps)):
        img = np.full((48, 64, 3), (i * 5) % 250, np.uint8)
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts = i
        packets += v.encode(frame)
    packets += v.encode()
    rng = np.random.default_rng(0)
    for k in range(int(seconds * 16000 / 1024) - 1):  # ends before the video (its duration)
        p = av.Packet(rng.integers(0, 256, 200, dtype=np.uint8).tobytes())
        p.pts = p.dts = k * 1024
        p.time_base = Fraction(1, 16000)
        p.stream = a
        packets.append(p)
    for p in sorted(packets, key=lambda p: float(p.pts * p.time_base)):
        c.mux(p)
    c.close()
    return path
