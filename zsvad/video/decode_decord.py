"""decord decoding: clips by frame index through ``VideoReader.get_batch`` (seek + decode)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from zsvad.backends.protocols import Clip
from zsvad.config.video import VideoConfig
from zsvad.extras import require
from zsvad.video.decode_pyav import measured_fps, output_size
from zsvad.video.probe import VideoInfo
from zsvad.video.windows import plan_windows


def open_reader(info: VideoInfo, resize: int | None, threads: int = 0):
    """A ``decord.VideoReader`` decoding at the output size."""
    decord = require("decord", "decord video decoding")
    width, height = output_size(info, resize)
    if (width, height) == (info.width, info.height):
        width = height = -1
    return decord.VideoReader(
        info.path, ctx=decord.cpu(0), width=width, height=height, num_threads=threads
    )


def frame_times(reader) -> np.ndarray:
    """Presentation time of every frame, seconds from the first frame (handles VFR)."""
    n = len(reader)
    pts = np.asarray(reader.get_frame_timestamp(np.arange(n)), dtype=np.float64)[:, 0]
    return pts - pts[0]


def sample_decord(info: VideoInfo, cfg: VideoConfig, stats: dict) -> Iterator[Clip]:
    """Sample clips with decord in one forward pass: ``skip_frames`` to each sampled index
    (decoded, not converted) then ``next()``. No seeking, so long-GOP video is decoded once;
    a frame is held only until the last window that uses it is emitted."""
    reader = open_reader(info, cfg.resize, cfg.threads)
    n = len(reader)
    times = frame_times(reader)
    fps = measured_fps(info.fps, n, float(times[-1]) if n else 0.0)
    duration = round(float(times[-1] + 1.0 / fps), 6) if n else 0.0
    stats["frames"], stats["duration"], stats["fps"] = n, duration, fps
    plans = list(plan_windows(duration, cfg))
    picks = [
        [int(i) for i in np.clip(np.searchsorted(times, p.times, side="right") - 1, 0, n - 1)]
        for p in plans
    ]
    last_use = {i: k for k, idx in enumerate(picks) for i in idx}
    held: dict[int, np.ndarray] = {}
    pos, k = 0, 0  # pos: index of the frame next() returns
    for i in sorted(last_use):
        if i > pos:
            reader.skip_frames(i - pos)
        held[i] = reader.next().asnumpy()
        pos = i + 1
        while k < len(plans) and picks[k][-1] <= i:
            plan, idx = plans[k], picks[k]
            yield Clip(
                index=plan.index,
                start=plan.start,
                end=plan.end,
                frames=np.stack([held[j] for j in idx]),
                frame_indices=idx,
            )
            for j in set(idx):
                if last_use[j] == k:
                    del held[j]
            k += 1


def read_frames_decord(info: VideoInfo, indices: list[int], resize: int | None) -> np.ndarray:
    """Frames at ``indices`` via decord."""
    reader = open_reader(info, resize)
    n = len(reader)
    clipped = [min(max(int(i), 0), n - 1) for i in indices]
    return reader.get_batch(clipped).asnumpy()
