"""The acoustic cue of a stream, causally: each window against what was heard before it.

``zsvad score`` (:func:`zsvad.audio.cue.window_cues`) compares a window with the hops of the
``audio.baseline_s`` seconds before it, except near the start of a video: while less than half
of ``baseline_s`` has passed it takes the video's first ``baseline_s`` seconds, a look-ahead a
stream does not have. :class:`CausalCue` (``zsvad watch``) always takes the hops heard before
the window (at most ``baseline_s`` of them) and gives no cue until they span ``warmup_s``
seconds. From the window on whose baseline ``score`` no longer looks ahead, both rules take the
same hops and give the same cue (same features, same :func:`~zsvad.audio.cue.hops_cue`).

Memory is bounded: the hops of the last ``baseline_s`` seconds before the oldest window still to
be scored, plus those heard since.
"""

from __future__ import annotations

import numpy as np

from zsvad.audio.cue import FRAME_S, Cue, HopFeatures, HopTrack, hops_cue
from zsvad.config.audio import AudioConfig


class CausalCue:
    """The cue of a stream's windows, asked for in time order (see the module docstring)."""

    def __init__(self, cfg: AudioConfig, warmup_s: float):
        self.cfg = cfg
        self.warmup_s = min(warmup_s, cfg.baseline_s)
        """Seconds the baseline must span before the cue may fire (at most ``baseline_s``)."""
        self.features = HopFeatures(cfg.sample_rate)
        self._first = 0  # index in the track of the first hop kept
        self._times = np.zeros(0)
        self._loud = np.zeros(0, np.float32)
        self._flux = np.zeros(0, np.float32)

    @property
    def frame_samples(self) -> int:
        """Samples past a time that its last hop needs."""
        return self.features.frame

    def feed(self, samples: np.ndarray) -> None:
        """The next contiguous samples of the track (mono, ``audio.sample_rate``)."""
        self.features.feed(samples)

    def _update(self) -> None:
        self.features.flush()
        loud, flux = self.features.take()
        if len(loud):
            first = self._first + len(self._times)
            times = self.features.hop_times(first, len(loud))
            self._times = np.concatenate([self._times, times])
            self._loud = np.concatenate([self._loud, loud])
            self._flux = np.concatenate([self._flux, flux])

    def window(self, start: float, end: float) -> Cue | None:
        """The cue of the window ``[start, end)`` (seconds on the track's clock), from the
        samples fed so far; None when the window has no hop yet or the baseline is still
        shorter than ``warmup_s``. Hops older than this window's baseline are forgotten:
        later windows must not start earlier."""
        self._update()
        t = self._times
        lo, a, b = (int(i) for i in np.searchsorted(t, [start - self.cfg.baseline_s, start, end]))
        cue = None
        if b > a and a > lo and start - t[lo] + FRAME_S / 2 >= self.warmup_s - 1e-9:
            track = HopTrack(t, self._loud, self._flux)
            cue = hops_cue(track, a, b, slice(lo, a), self.cfg)
        if lo > 0:  # no later window's baseline reaches before this one's
            self._first += lo
            self._times, self._loud, self._flux = t[lo:], self._loud[lo:], self._flux[lo:]
        return cue

    @property
    def kept(self) -> int:
        """Hops held now (tests check the memory bound)."""
        return len(self._times)
