"""The weight-free acoustic cue: loudness and spectral novelty against the running baseline."""

from __future__ import annotations

import numpy as np
import pytest

from zsvad.audio.cue import HopFeatures, cue_score, window_cues
from zsvad.config.audio import AudioConfig

RATE = 16000
CFG = AudioConfig(cue=True, sample_rate=RATE)


def _windows(seconds, clip=4.0, stride=2.0):
    starts = np.arange(0, seconds - 1e-3, stride)
    return [(float(s), float(min(s + clip, seconds))) for s in starts]


def _cues(x, cfg=CFG, chunk=1024, windows=None):
    hops = HopFeatures(RATE)
    for i in range(0, len(x), chunk):
        hops.feed(x[i : i + chunk])
    track = hops.finish()
    windows = windows or _windows(len(x) / RATE)
    return windows, window_cues(track, windows, cfg)


def _noise(seconds, level, seed=0):
    return np.random.default_rng(seed).standard_normal(int(seconds * RATE)) * level


def _bang(x, at, amplitude=0.5, seed=1):
    x = x.copy()
    n, i = int(0.15 * RATE), int(at * RATE)
    burst = np.random.default_rng(seed).standard_normal(n) * amplitude
    x[i : i + n] += burst * np.exp(-np.arange(n) / (0.03 * RATE))
    return x.astype(np.float32)


def test_a_bang_in_a_quiet_scene_peaks_in_its_windows():
    windows, cues = _cues(_bang(_noise(20, 0.003), at=11.3))
    scores = [c.score for c in cues]
    holding = [i for i, (a, b) in enumerate(windows) if a <= 11.3 < b]
    assert holding == [4, 5]
    assert min(scores[i] for i in holding) > 0.95
    assert max(s for i, s in enumerate(scores) if i not in holding) < 0.05
    peak = cues[holding[0]]
    assert peak.peak == pytest.approx(11.3, abs=0.06)
    assert peak.above_db > 20  # a burst ~40 dB above the -50 dBFS background


def test_a_constantly_loud_street_does_not_score():
    # loud noise whose level swells slowly (passing traffic), no event
    t = np.arange(20 * RATE) / RATE
    street = _noise(20, 0.2) * (1 + 0.3 * np.sin(2 * np.pi * t / 7))
    _, cues = _cues(street.astype(np.float32))
    assert max(c.score for c in cues) < 0.05
    # the same bang scores much lower over the loud street than over a quiet scene
    _, loud = _cues(_bang(street, at=11.3, amplitude=0.5))
    _, quiet = _cues(_bang(_noise(20, 0.003), at=11.3, amplitude=0.5))
    assert max(c.z for c in loud) < max(c.z for c in quiet) / 3


def test_the_running_baseline_catches_up_with_a_lasting_change():
    # a quiet scene that turns loud for good at 10 s (music starts): novel at first, then usual
    x = np.concatenate([_noise(10, 0.003), _noise(70, 0.2, seed=2)]).astype(np.float32)
    cfg = AudioConfig(cue=True, sample_rate=RATE, baseline_s=20)
    windows, cues = _cues(x, cfg)
    at_change = [c.score for (a, b), c in zip(windows, cues) if a <= 10 < b]
    long_after = [c.score for (a, _), c in zip(windows, cues) if a >= 10 + cfg.baseline_s]
    assert min(at_change) > 0.95
    assert max(long_after) < 0.05


def test_sounds_below_min_dbfs_never_raise_the_cue():
    # digital silence, then a faint hiss at about -75 dBFS
    x = np.concatenate([np.zeros(10 * RATE), _noise(10, 0.0002)]).astype(np.float32)
    _, cues = _cues(x)
    assert max(c.score for c in cues) < 0.05
    _, loose = _cues(x, AudioConfig(cue=True, sample_rate=RATE, min_dbfs=-90))
    assert max(c.score for c in loose) > 0.95


def test_features_do_not_depend_on_how_the_stream_is_chunked():
    x = _bang(_noise(8, 0.003), at=5.0)
    _, a = _cues(x, chunk=1024)
    _, b = _cues(x, chunk=7777)
    assert [c.z for c in a] == pytest.approx([c.z for c in b], abs=1e-3)


def test_windows_past_the_end_of_the_track_have_no_cue():
    _, cues = _cues(_noise(6, 0.003), windows=[(0.0, 4.0), (4.0, 8.0), (8.0, 12.0)])
    assert cues[0] is not None and cues[1] is not None and cues[2] is None


def test_cue_score_is_the_logistic_around_cue_z():
    assert cue_score(CFG.cue_z, CFG) == pytest.approx(0.5)
    assert cue_score(CFG.cue_z / 2, CFG) < 0.05 < 0.95 < cue_score(1.5 * CFG.cue_z, CFG)
    assert cue_score(1e9, CFG) == pytest.approx(1.0) and cue_score(-1e9, CFG) >= 0.0
