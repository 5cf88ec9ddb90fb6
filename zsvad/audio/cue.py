"""The weight-free acoustic cue: loudness and spectral novelty against the video's own baseline.

The track is cut into 40 ms frames every 20 ms (:class:`HopFeatures`, streaming: it keeps one
second of samples at most). Each hop has two features:

- **loudness**: RMS level in dB full scale;
- **novelty**: spectral flux, the mean over frequency bins of the rise of the log-magnitude
  spectrum (dB) since the previous hop: an onset, a bang or a scream rises across the spectrum.

A window's cue (:func:`window_cues`) compares its hops with the **running baseline**, the hops
of the ``audio.baseline_s`` seconds before the window (the first ``baseline_s`` seconds of the
video while less than half of that has passed): for each feature the robust z-score
``(x − median) / (1.4826 · MAD + floor)`` of each hop, its largest value over the hops of the
window louder than ``audio.min_dbfs``, the larger of the two features, mapped to [0, 1] by a
logistic centred on ``audio.cue_z``. A bang in a quiet scene is tens of MADs above its baseline
and scores ~1; a street that is loud all along is its own baseline and scores ~0; a scene that
turns loud for good scores high at the change and fades as the baseline catches up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from zsvad.config.audio import AudioConfig

FRAME_S = 0.04
"""Analysis frame, seconds."""
HOP_S = 0.02
"""Step between frames, seconds."""
BLOCK_S = 1.0
"""Samples are analysed in blocks of about this length (vectorised)."""
FLOOR_DB = -100.0
"""Lowest level a frame or a spectrum bin is given (digital silence), dB full scale."""
SIGMA_FLOOR = {"loudness": 1.0, "novelty": 0.5}
"""Smallest spread (dB) a baseline is given, so that a perfectly steady baseline (a constant
tone, digital silence) does not turn every small change into an enormous z-score."""
MAD_SCALE = 1.4826
"""MAD × this estimates the standard deviation of normally distributed values."""


class HopFeatures:
    """Streaming per-hop loudness and spectral flux of a mono signal (feed chunks in order)."""

    def __init__(self, rate: int):
        self.rate = rate
        self.frame = max(16, round(FRAME_S * rate))
        self.hop = max(8, round(HOP_S * rate))
        self._window = np.hanning(self.frame).astype(np.float32)
        self._gain = float(np.sum(self._window))  # a full-scale sine peaks near 0 dB
        self._pending: list[np.ndarray] = []
        self._pending_n = 0
        self._left = np.zeros(0, np.float32)  # samples not yet framed
        self._prev: np.ndarray | None = None  # log spectrum of the last hop
        self._loud: list[np.ndarray] = []
        self._flux: list[np.ndarray] = []

    def feed(self, samples: np.ndarray) -> None:
        self._pending.append(np.asarray(samples, np.float32))
        self._pending_n += len(samples)
        if self._pending_n >= BLOCK_S * self.rate:
            self._process()

    def _process(self) -> None:
        buf = np.concatenate([self._left, *self._pending])
        self._pending, self._pending_n = [], 0
        if len(buf) < self.frame:
            self._left = buf
            return
        m = (len(buf) - self.frame) // self.hop + 1
        frames = np.lib.stride_tricks.sliding_window_view(buf, self.frame)[:: self.hop][:m]
        power = np.mean(np.square(frames, dtype=np.float64), axis=1)
        self._loud.append(np.maximum(10 * np.log10(power + 1e-12) + 3.0103, FLOOR_DB))
        mag = np.abs(np.fft.rfft(frames * self._window, axis=1)) * (2 / self._gain)
        spec = np.maximum(20 * np.log10(mag + 1e-12), FLOOR_DB)
        prev = spec[:1] if self._prev is None else self._prev[None]
        rise = np.diff(np.concatenate([prev, spec]), axis=0)
        self._flux.append(np.maximum(rise, 0).mean(axis=1))
        self._prev = spec[-1]
        self._left = buf[m * self.hop :].copy()

    def flush(self) -> None:
        """Analyse every complete frame of what was fed so far (blocks of any size give the
        same hops: the frame grid and the previous spectrum carry over)."""
        if self._pending:
            self._process()

    def take(self) -> tuple[np.ndarray, np.ndarray]:
        """Loudness and novelty (float32) of the hops analysed since the last ``take``, which
        are then forgotten (streams: memory stays bounded; do not mix with :meth:`finish`)."""
        loud = np.concatenate(self._loud) if self._loud else np.zeros(0)
        flux = np.concatenate(self._flux) if self._flux else np.zeros(0)
        self._loud, self._flux = [], []
        return loud.astype(np.float32), flux.astype(np.float32)

    def hop_times(self, first: int, count: int) -> np.ndarray:
        """Centre times (s) of hops ``first`` … ``first + count - 1`` of the track."""
        return ((np.arange(first, first + count)) * self.hop + self.frame / 2) / self.rate

    def finish(self) -> HopTrack:
        """The features of every complete hop (the last partial frame is dropped)."""
        self._process()
        loud = np.concatenate(self._loud) if self._loud else np.zeros(0)
        flux = np.concatenate(self._flux) if self._flux else np.zeros(0)
        times = self.hop_times(0, len(loud))
        return HopTrack(times, loud.astype(np.float32), flux.astype(np.float32))


@dataclass
class HopTrack:
    """Per-hop features of a whole track: centre times (s), loudness (dBFS), flux (dB)."""

    times: np.ndarray
    loudness: np.ndarray
    novelty: np.ndarray


@dataclass
class Cue:
    """The acoustic cue of one window."""

    score: float
    """In [0, 1]: logistic of ``z`` centred on ``audio.cue_z``."""
    z: float
    """Largest robust z-score of the window's hops (either feature)."""
    feature: str
    """Which feature gave it: ``loudness`` or ``novelty``."""
    peak: float
    """Time of that hop, seconds."""
    level_db: float
    """Loudness of that hop, dBFS."""
    above_db: float
    """How far that hop's loudness is above the baseline's median, dB."""


def _baseline(times: np.ndarray, start: float, seconds: float) -> slice:
    """Hops of the running baseline of a window starting at ``start``."""
    a, b = np.searchsorted(times, [start - seconds, start])
    if b - a >= 0.5 * seconds / HOP_S:
        return slice(a, b)
    return slice(0, int(np.searchsorted(times, seconds)))  # the video's first seconds


def _robust(values: np.ndarray, floor: float) -> tuple[float, float]:
    med = float(np.median(values))
    return med, MAD_SCALE * float(np.median(np.abs(values - med))) + floor


def cue_score(z: float, cfg: AudioConfig) -> float:
    """The logistic of ``z`` centred on ``cfg.cue_z``, width ``cfg.cue_z / 6``."""
    x = (z - cfg.cue_z) / (cfg.cue_z / 6)
    return 1.0 / (1.0 + math.exp(-min(max(x, -60.0), 60.0)))


def window_cues(
    track: HopTrack, windows: list[tuple[float, float]], cfg: AudioConfig
) -> list[Cue | None]:
    """The cue of each window (None for a window without hops: the track ended before it)."""
    out: list[Cue | None] = []
    t = track.times
    for start, end in windows:
        a, b = np.searchsorted(t, [start, end])
        if b <= a:
            out.append(None)
            continue
        base = _baseline(t, start, cfg.baseline_s)
        if base.stop - (base.start or 0) < 1:
            base = slice(a, b)  # a video shorter than one hop's baseline: itself
        out.append(hops_cue(track, int(a), int(b), base, cfg))
    return out


def hops_cue(track: HopTrack, a: int, b: int, base: slice, cfg: AudioConfig) -> Cue:
    """The cue of the window made of hops ``a`` … ``b - 1`` of ``track`` against the hops
    ``base`` (its baseline): the rule of both ``score`` and the causal live cue."""
    t = track.times
    feats = {"loudness": track.loudness, "novelty": track.novelty}
    audible = track.loudness[a:b] >= cfg.min_dbfs
    best = (-math.inf, "loudness", a)
    for name, f in feats.items():
        med, sigma = _robust(f[base], SIGMA_FLOOR[name])
        z = np.where(audible, (f[a:b] - med) / sigma, -math.inf)
        k = int(np.argmax(z))
        if z[k] > best[0]:
            best = (float(z[k]), name, a + k)
    z_max, name, k = best
    if not math.isfinite(z_max):  # nothing audible in the window
        z_max, name, k = 0.0, "loudness", a + int(np.argmax(track.loudness[a:b]))
    med_loud = float(np.median(track.loudness[base]))
    return Cue(
        score=cue_score(z_max, cfg),
        z=round(z_max, 3),
        feature=name,
        peak=round(float(t[k]), 3),
        level_db=round(float(track.loudness[k]), 2),
        above_db=round(float(track.loudness[k]) - med_loud, 2),
    )
