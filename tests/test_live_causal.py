"""The causal temporal stage and alerts: no look-ahead, smoothing as documented, hysteresis and
hold time, the causal frame curve."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zsvad.config.live import LiveConfig
from zsvad.config.temporal import TemporalConfig
from zsvad.live.alerts import AlertTracker
from zsvad.live.causal import CausalSmoother, causal_curve, smoothing_delay
from zsvad.results.schema import Window


def _series(seed=0, n=40):
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(1.0, 3.0, n))  # irregular: dropped windows, reconnects
    return t.tolist(), rng.uniform(0, 1, n).tolist()


@pytest.mark.parametrize("kind", ["exponential", "gaussian", "none"])
def test_a_score_never_changes_when_later_windows_arrive(kind):
    t, x = _series()
    full = CausalSmoother(kind, 2.0)
    ys = [full.update(a, b) for a, b in zip(t, x)]
    for k in range(1, len(t)):
        prefix = CausalSmoother(kind, 2.0)
        assert [prefix.update(a, b) for a, b in zip(t[:k], x[:k])] == ys[:k]


def test_exponential_and_gaussian_follow_their_formulas():
    t, x = _series(1)
    exp = CausalSmoother("exponential", 3.0)
    y = x[0]
    for k, (a, b) in enumerate(zip(t, x)):
        if k:
            w = math.exp(-(a - t[k - 1]) / 3.0)
            y = w * y + (1 - w) * b
        assert exp.update(a, b) == pytest.approx(y)
    gauss = CausalSmoother("gaussian", 2.0)
    for k, (a, b) in enumerate(zip(t, x)):
        past = [(tj, xj) for tj, xj in zip(t[: k + 1], x[: k + 1]) if a - tj <= 8.0]
        w = np.array([math.exp(-((a - tj) ** 2) / 8.0) for tj, _ in past])
        v = np.array([xj for _, xj in past])
        assert gauss.update(a, b) == pytest.approx(float((w * v).sum() / w.sum()))
    assert smoothing_delay("exponential", 3.0) == 3.0
    assert smoothing_delay("gaussian", 2.0) == pytest.approx(2.0 * math.sqrt(2 / math.pi))
    assert smoothing_delay("none", 5.0) == 0.0


def _window(start, score, length=4.0):
    return Window(start=start, end=start + length, scores={"clip": score}, score=score)


def _run(tracker, ys, stride=2.0):
    """Feed causal scores ``ys`` of windows every ``stride`` s; events with their window."""
    out = []
    for k, y in enumerate(ys):
        for e in tracker.update(_window(k * stride, y), y, 1000.0 + k * stride, None, 2000.0 + k):
            out.append((k, e))
    return out


def test_alert_opens_at_the_threshold_and_closes_after_the_hold():
    live = LiveConfig(hysteresis=0.1, hold_s=4.0)
    tracker = AlertTracker("cam1", "rtsp://cam", live, threshold=0.5)
    #      0    1    2    3     4    5    6    7    8    9
    ys = [0.1, 0.6, 0.45, 0.3, 0.5, 0.2, 0.2, 0.2, 0.7, 0.1]
    events = _run(tracker, ys)
    kinds = [(k, e.event) for k, e in events]
    # opens at 1; 2 is above the keep level 0.4; 3 is below but only 2 s after 2's end; 4 is
    # back above; 5, 6 below: 6 ends 4 s after 4's end -> closes at 6; 8 opens a new one
    assert kinds == [(1, "alert_open"), (6, "alert_close"), (8, "alert_open")]
    opened, closed = events[0][1], events[1][1]
    assert opened.start_s == 2.0 and opened.end_s is None and opened.peak_score == 0.6
    assert closed.alert_id == opened.alert_id
    assert closed.end_s == 12.0  # end of window 4, the last at or above the keep level
    assert closed.peak_score == 0.6 and "below 0.4 for 4 s" in closed.reason
    assert events[2][1].alert_id != opened.alert_id
    assert tracker.close("shutdown", 0.0).reason == "shutdown"
    assert tracker.close("shutdown", 0.0) is None  # nothing open any more


def test_a_score_hovering_at_the_threshold_does_not_flap():
    live = LiveConfig(hysteresis=0.05, hold_s=2.0)
    tracker = AlertTracker("cam1", "x", live, threshold=0.5)
    ys = [0.51, 0.49, 0.52, 0.48, 0.5, 0.47, 0.51]
    assert [e.event for _, e in _run(tracker, ys)] == ["alert_open"]


def test_causal_curve_gives_each_frame_its_latest_window():
    cfg = TemporalConfig(gap_fill="constant", gap_value=0.0, max_bridge_s=0.0)
    windows = [(0.0, 4.0, 0.2), (2.0, 6.0, 0.8), (4.0, 8.0, 0.4), (12.0, 16.0, 0.6)]
    curve = causal_curve(windows, fps=1.0, num_frames=16, cfg=cfg)
    assert curve.tolist() == [0.2] * 2 + [0.8] * 2 + [0.4] * 4 + [0.0] * 4 + [0.6] * 4
