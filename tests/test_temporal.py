import numpy as np
import pytest

from zsvad.config.temporal import TemporalConfig
from zsvad.temporal.frames import frame_span, intervals_to_frames
from zsvad.temporal.segments import cut_segments
from zsvad.temporal.smoothing import gaussian_smooth


def test_frame_span_rounds_to_frame_centres():
    assert frame_span(0.0, 1.0, 10, 100) == (0, 10)
    assert frame_span(0.26, 0.34, 10, 100) == (3, 4)  # frame 3 (centre 0.30 s)
    assert frame_span(9.5, 20.0, 10, 100) == (95, 100)  # clipped to the video


def test_overlaps_mean_or_max():
    iv = [(0.0, 1.0, 0.2), (0.5, 1.0, 0.8)]
    mean = intervals_to_frames(iv, 10, 10, TemporalConfig(overlap="mean"))
    peak = intervals_to_frames(iv, 10, 10, TemporalConfig(overlap="max"))
    assert mean[:5].tolist() == [0.2] * 5 and mean[5:] == pytest.approx([0.5] * 5)
    assert peak[5:].tolist() == [0.8] * 5


def test_gap_fill_modes():
    iv = [(0.0, 1.0, 0.0), (2.0, 3.0, 1.0)]  # frames 10..19 uncovered, 30..39 after the end
    interp = intervals_to_frames(iv, 10, 40, TemporalConfig(gap_fill="interpolate"))
    assert interp[9] == 0 and interp[20] == 1
    assert 0 < interp[14] < interp[15] < 1  # a ramp across the gap
    assert np.all(interp[30:] == 1)  # held after the last caption
    near = intervals_to_frames(iv, 10, 40, TemporalConfig(gap_fill="nearest"))
    assert near[12] == 0 and near[18] == 1
    const = intervals_to_frames(
        iv, 10, 40, TemporalConfig(gap_fill="constant", gap_value=0.3, max_bridge_s=0)
    )
    assert const[15] == 0.3 and const[35] == 0.3


def test_constant_fill_bridges_short_interior_gaps_only():
    iv = [(0.0, 1.0, 0.0), (1.5, 2.0, 1.0), (5.0, 6.0, 1.0)]  # gaps: 0.5 s, then 3 s
    out = intervals_to_frames(iv, 10, 70, TemporalConfig(gap_fill="constant", max_bridge_s=1))
    assert 0 < out[12] < out[13] < 1  # short gap ramps from 0 to 1
    assert np.all(out[20:50] == 0)  # long gap keeps gap_value
    assert np.all(out[60:] == 0)  # trailing frames keep gap_value


def test_no_intervals_gives_gap_value():
    out = intervals_to_frames([], 30, 7, TemporalConfig(gap_value=0.1))
    assert out.tolist() == [0.1] * 7


def test_smoothing_width_is_in_seconds():
    x = np.zeros(601)
    x[300] = 1.0
    a = gaussian_smooth(x, 1.0, fps=10)
    b = gaussian_smooth(x, 1.0, fps=30)
    # the same sigma in seconds spans 3x more frames at 30 fps
    width = lambda y: np.sum(y > y.max() / 2)  # noqa: E731
    assert width(b) == pytest.approx(3 * width(a), rel=0.1)
    assert a.sum() == pytest.approx(1.0, rel=1e-3)  # mass preserved
    assert np.all(gaussian_smooth(np.full(50, 0.4), 2.0, 10) == pytest.approx(0.4))
    assert gaussian_smooth(x, 0, 10).tolist() == x.tolist()


def test_segments_threshold_merge_and_min_length():
    fps = 10
    s = np.zeros(200)
    s[20:40] = 0.9  # 2 s
    s[45:60] = 0.9  # 0.4 s gap from the previous run -> merged
    s[100:103] = 0.9  # 0.3 s -> dropped
    s[150:170] = 0.6
    cfg = TemporalConfig(threshold=0.5, merge_gap_s=1.0, min_segment_s=1.0)
    assert cut_segments(s, fps, cfg) == [(20, 59), (150, 169)]
    assert cut_segments(
        s, fps, TemporalConfig(threshold=0.7, merge_gap_s=0.1, min_segment_s=0)
    ) == [(20, 39), (45, 59), (100, 102)]
    assert cut_segments(np.zeros(10), fps, cfg) == []
