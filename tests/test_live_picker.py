"""The live picker cuts the windows the file sampler cuts, without knowing where the stream ends,
and keeps at most one window's span of frames."""

from __future__ import annotations

import numpy as np
import pytest

from zsvad.config.video import VideoConfig
from zsvad.live.picker import LivePicker
from zsvad.video.picker import Picker
from zsvad.video.windows import plan_windows

CONFIGS = [
    VideoConfig(),
    VideoConfig(clip_seconds=1, stride_seconds=1, frames_per_clip=1),
    VideoConfig(clip_seconds=3, stride_seconds=1.5, frames_per_clip=5),
    VideoConfig(clip_seconds=2, stride_seconds=3, frames_per_clip=2),  # gaps between windows
]


def _times(n: int, fps: float, jitter: bool) -> list[float]:
    t = np.arange(n) / fps
    if jitter:  # variable frame rate: strictly increasing, irregular
        rng = np.random.default_rng(n)
        t = np.cumsum(rng.uniform(0.3, 1.7, n) / fps) - 0.5 / fps
        t[0] = 0.0
    return [float(x) for x in t]


def _feed(picker, times):
    clips = []
    for i, t in enumerate(times):
        clips += picker.feed(i, t, lambda i=i: np.full((2, 2, 3), i % 256, np.uint8))
    return clips


def _key(clips):
    return [
        (c.index, c.start, c.end, c.frame_indices, c.frames[:, 0, 0, 0].tolist()) for c in clips
    ]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"{c.clip_seconds}/{c.stride_seconds}")
@pytest.mark.parametrize("fps", [10, 25, 29.97, 30])
@pytest.mark.parametrize("n", [1, 7, 37, 100, 301])
@pytest.mark.parametrize("jitter", [False, True])
def test_same_windows_and_frames_as_the_file_sampler(cfg, fps, n, jitter):
    times = _times(n, fps, jitter)
    end = times[-1] + 1.0 / fps  # what the file sampler calls the end (and the duration here)
    file_picker = Picker(plan_windows(end, cfg), cfg)
    expected = _feed(file_picker, times) + list(file_picker.finish(end))
    live = LivePicker(cfg)
    got = _feed(live, times) + list(live.finish(end))
    assert _key(got) == _key(expected)
    # bounded: the frames of one window's span (plus the one shown at its start)
    assert live.kept_max <= cfg.clip_seconds * fps * 1.7 + 2


def test_windows_come_out_once_their_end_has_passed():
    cfg = VideoConfig(clip_seconds=4, stride_seconds=2, frames_per_clip=4)
    live = LivePicker(cfg)
    emitted_at = {}
    for i in range(100):  # 10 fps, 10 s
        for clip in live.feed(i, i / 10, lambda: np.zeros((2, 2, 3), np.uint8)):
            emitted_at[clip.index] = i / 10
    assert emitted_at == {0: 4.0, 1: 6.0, 2: 8.0}  # never before the window's end


def test_a_later_session_starts_its_grid_at_its_origin():
    cfg = VideoConfig(clip_seconds=2, stride_seconds=1, frames_per_clip=2)
    live = LivePicker(cfg, origin=100.5)
    clips = [
        c
        for i in range(50)
        for c in live.feed(i, 100.5 + i / 10, lambda: np.zeros((2, 2, 3), np.uint8))
    ]
    clips += live.finish(100.5 + 5.0)
    assert [(c.start, c.end) for c in clips][:3] == [(100.5, 102.5), (101.5, 103.5), (102.5, 104.5)]
    assert clips[-1].end == pytest.approx(105.5)


def test_without_exact_tail_only_sampled_frames_are_kept():
    cfg = VideoConfig(clip_seconds=4, stride_seconds=2, frames_per_clip=4)
    times = _times(123, 10, False)
    end = times[-1] + 0.1
    file_picker = Picker(plan_windows(end, cfg), cfg)
    expected = _feed(file_picker, times) + list(file_picker.finish(end))
    live = LivePicker(cfg, exact_tail=False)
    got = _feed(live, times) + list(live.finish(end))
    assert live.kept_max == 0
    assert [(c.index, c.start, c.end) for c in got] == [(c.index, c.start, c.end) for c in expected]
    assert _key(got)[:-1] == _key(expected)[:-1]  # all but the window the end cut short
