"""Counters of one camera: frames, windows scored and skipped, sessions, faults, latency."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

LATENCY_SAMPLES = 4096
"""Latencies kept per camera for the percentiles (the most recent ones)."""


@dataclass
class CameraStats:
    """What happened to one camera so far; the reader and the scorer each write their own
    fields."""

    frames: int = 0
    """Frames decoded."""
    stream_s: float = 0.0
    """Seconds of stream decoded in ended sessions (:attr:`stream_now_s` adds the current)."""
    stream_now_s: float = 0.0
    """Seconds of stream decoded, the current session included."""
    connected_s: float = 0.0
    """Wall-clock seconds the source was delivering (from each session's first frame to its
    last), the current session included."""
    sessions: int = 0
    """Sessions (connections that delivered frames, and restarts after a timestamp jump)."""
    connect_failures: int = 0
    """Attempts to open the source that failed."""
    stalls: int = 0
    """Sessions ended by ``read_timeout_s`` without data."""
    disconnects: int = 0
    """Sessions ended by the source (end of stream, connection closed or broken)."""
    bad_packets: int = 0
    """Packets that did not decode (garbage), skipped."""
    last_error: str = ""
    """The latest fault, one line, without credentials."""
    windows: int = 0
    """Windows scored."""
    windows_failed: int = 0
    """Windows whose batch the models failed to score (skipped; see ``MAX_FAILED_BATCHES``)."""
    windows_nonfinite: int = 0
    """Windows whose score was not a finite number (NaN, inf): skipped, never alerted on."""
    alerts: int = 0
    """Alerts opened."""
    model_s: float = 0.0
    """Seconds the scorer spent on this camera's windows (its share of each batch)."""
    latency: deque = field(default_factory=lambda: deque(maxlen=LATENCY_SAMPLES))
    """Seconds from a window becoming complete (its last frame decoded) to its score (the
    wait for its sound included)."""
    audio: str = ""
    """With ``audio.*`` on: the sound's latest state (``ok``, ``no audio track: …``, ``audio
    could not be decoded (…): …``); empty: audio off (no audio fields in the summary)."""
    audio_codec: str = ""
    audio_s: float = 0.0
    """Seconds of sound decoded (resampled)."""
    audio_windows: int = 0
    """Windows scored with an audio component."""
    audio_late: int = 0
    """Windows handed over before all of their sound had arrived (``live.audio_lag_s``)."""
    audio_bad_packets: int = 0
    """Audio packets that did not decode, skipped."""
    audio_failures: int = 0
    """Connections whose sound was given up (``live.max_bad_packets`` bad audio packets in a
    row, or a frame that could not be resampled)."""

    def summary(self, skipped: int = 0) -> dict:
        """Plain figures for ``live.json``, provenance and the end-of-run table."""
        lat = np.asarray(self.latency, dtype=float)
        stream_s = max(self.stream_s, self.stream_now_s)
        out = {
            "frames": self.frames,
            "stream_s": round(stream_s, 3),
            "windows": self.windows,
            "windows_skipped": skipped,
            "windows_failed": self.windows_failed,
            "windows_nonfinite": self.windows_nonfinite,
            "alerts": self.alerts,
            "sessions": self.sessions,
            "connect_failures": self.connect_failures,
            "stalls": self.stalls,
            "disconnects": self.disconnects,
            "bad_packets": self.bad_packets,
            "realtime_factor": round(stream_s / self.connected_s, 3) if self.connected_s else None,
            "model_s_per_window": round(self.model_s / self.windows, 4) if self.windows else None,
            "scoring_capacity": round(stream_s / self.model_s, 2) if self.model_s else None,
            "latency_p50_s": round(float(np.percentile(lat, 50)), 4) if len(lat) else None,
            "latency_p95_s": round(float(np.percentile(lat, 95)), 4) if len(lat) else None,
        }
        if self.audio:
            out |= {
                "audio": self.audio,
                "audio_codec": self.audio_codec or None,
                "audio_s": round(self.audio_s, 3),
                "audio_windows": self.audio_windows,
                "audio_late": self.audio_late,
                "audio_bad_packets": self.audio_bad_packets,
                "audio_failures": self.audio_failures,
            }
        if self.last_error:
            out["last_error"] = self.last_error
        return out
