"""Real decoding: the shared clips with both decoders, VFR, windows, streaming memory."""

from __future__ import annotations

import math

import numpy as np
import pytest
from data_paths import VIDEOS
from video_helpers import level, make_video

from zsvad.config.video import VideoConfig
from zsvad.video import iter_clips, probe, read_frames
from zsvad.video.picker import Picker
from zsvad.video.windows import plan_windows

# name -> (frames, fps, width, height) from ../shared/videos/README.md
SHARED = {
    "Robbery102_crop.mp4": (1827, 30.0, 440, 254),
    "bikes.mp4": (250, 25.0, 640, 272),
    "bigbuckbunny.mp4": (132, 25.0, 1280, 720),
    "carphone_pristine.mp4": (120, 29.97, 176, 144),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SHARED))
@pytest.mark.parametrize("decoder", ["decord", "pyav"])
def test_shared_clips_decode_whole_video(name, decoder):
    frames, fps, w, h = SHARED[name]
    info = probe(VIDEOS / name)
    assert (info.num_frames, info.width, info.height) == (frames, w, h)
    assert info.fps == pytest.approx(fps, abs=0.01)
    cfg = VideoConfig(decoder=decoder, resize=32)
    stream = iter_clips(VIDEOS / name, cfg)
    clips = list(stream)
    assert stream.decoder == decoder and stream.num_frames == frames
    assert clips[0].start == 0 and clips[-1].end == pytest.approx(frames / fps, abs=1e-3)
    assert [c.index for c in clips] == list(range(len(clips)))
    for c in clips:
        assert c.frames.dtype == np.uint8 and c.frames.shape[0] == cfg.frames_per_clip
        assert min(c.frames.shape[1:3]) == 32 and c.frames.shape[3] == 3
        assert all(0 <= i < frames for i in c.frame_indices)
        assert c.frame_indices == sorted(c.frame_indices)
    expected = max(1, math.ceil((frames / fps - cfg.clip_seconds) / cfg.stride_seconds) + 1)
    assert len(clips) == expected


@pytest.mark.slow
def test_decoders_agree_and_read_frames():
    path = VIDEOS / "bikes.mp4"
    a = [c for c in iter_clips(path, VideoConfig(decoder="decord"))]
    b = [c for c in iter_clips(path, VideoConfig(decoder="pyav"))]
    assert [c.frame_indices for c in a] == [c.frame_indices for c in b]
    assert np.abs(a[1].frames.astype(int) - b[1].frames).mean() < 1.0
    idx = [200, 3, 100, 3]
    fa = read_frames(path, idx, decoder="decord")
    fb = read_frames(path, idx, decoder="pyav")
    assert fa.shape == (4, 272, 640, 3) and np.abs(fa.astype(int) - fb).mean() < 1.0
    assert np.array_equal(fa[1], fa[3])  # order and repeats kept
    assert np.abs(fa[2].astype(int) - b[2].frames[0]).mean() > 0  # distinct frames
    assert read_frames(path, [5], resize=16).shape == (1, 16, 38, 3)


def test_frames_are_picked_by_time_with_variable_frame_rate(tmp_path):
    # 25 frames 0.05 s apart, then 25 frames 0.2 s apart; the container records no count.
    times = [0.0]
    for i in range(1, 50):
        times.append(times[-1] + (0.05 if i < 25 else 0.2))
    path = make_video(tmp_path / "vfr.mkv", times=times)
    info = probe(path)
    assert not info.frames_reported
    cfg = VideoConfig(clip_seconds=1, stride_seconds=1, frames_per_clip=2)
    for decoder in ("decord", "pyav"):
        stream = iter_clips(path, cfg.model_copy(update={"decoder": decoder}))
        clips = list(stream)
        assert stream.num_frames == 50  # decoded, not estimated from the duration
        # sample at 0.25 s shows frame 5; at 3.25 s the frame shown since 3.2 s (frame 34)
        assert clips[0].frame_indices[0] == 5
        assert clips[3].frame_indices[0] == 34
        assert int(clips[3].frames[0].mean()) == pytest.approx(level(34), abs=3)
        assert stream.duration == pytest.approx(50 / stream.fps, abs=1e-3)


def test_keyframes_only(tmp_path):
    path = make_video(tmp_path / "gop.mp4", n=100, codec="libx264")
    cfg = VideoConfig(clip_seconds=2, stride_seconds=2, frames_per_clip=2, keyframes_only=True)
    stream = iter_clips(path, cfg)
    clips = list(stream)
    assert stream.decoder == "pyav" and len(clips) == 5
    assert clips[0].frame_indices[0] == 0  # only key frames are decoded
    assert stream.num_frames == 100


def test_resize_keeps_aspect(tmp_path):
    path = make_video(tmp_path / "v.mp4", n=10, size=(160, 80))
    clip = next(iter(iter_clips(path, VideoConfig(resize=40, decoder="pyav"))))
    assert clip.frames.shape[1:] == (40, 80, 3)


def test_windows_cover_video_and_stop():
    cfg = VideoConfig(clip_seconds=4, stride_seconds=2, frames_per_clip=4)
    plans = list(plan_windows(9.0, cfg))
    assert [(p.start, p.end) for p in plans] == [(0, 4), (2, 6), (4, 8), (6, 9)]
    assert plans[0].times == [0.5, 1.5, 2.5, 3.5]
    assert [(p.start, p.end) for p in plan_windows(1.5, cfg)] == [(0, 1.5)]


def test_picker_memory_is_bounded_by_the_window():
    """A 2-hour stream at 30 fps keeps only the windows overlapping the current time."""
    cfg = VideoConfig(clip_seconds=4, stride_seconds=2, frames_per_clip=4)
    fps, seconds = 30, 7200
    picker = Picker(plan_windows(seconds, cfg), cfg)
    converted, peak_open, emitted = [0], 0, 0

    def convert():
        converted[0] += 1
        return np.zeros((2, 2, 3), np.uint8)

    for i in range(fps * seconds):
        emitted += sum(1 for _ in picker.feed(i, i / fps, convert))
        peak_open = max(peak_open, len(picker._open))
    emitted += sum(1 for _ in picker.finish(seconds))
    assert emitted == seconds // 2 - 1
    assert peak_open <= 3  # ceil(clip / stride) + 1
    assert converted[0] <= emitted * 4  # only sampled frames are converted to RGB


def test_stream_longer_than_reported_duration_is_covered():
    cfg = VideoConfig(clip_seconds=2, stride_seconds=2, frames_per_clip=1)
    picker = Picker(plan_windows(4.0, cfg), cfg)  # container says 4 s, stream has 8 s
    clips = []
    for i in range(80):
        clips += list(picker.feed(i, i / 10, lambda: np.zeros((1, 1, 3), np.uint8)))
    clips += list(picker.finish(8.0))
    assert [(c.start, c.end) for c in clips] == [(0, 2), (2, 4), (4, 6), (6, 8)]
