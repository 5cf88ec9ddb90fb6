"""decord decoding: clips by frame index through ``VideoReader.get_batch`` (seek + decode)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

import numpy as np

from zsvad.backends.protocols import Clip
from zsvad.extras import require
from zsvad.video.config import VideoConfig
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


def sample_decord(
    info: VideoInfo, cfg: VideoConfig, stats: dict, start_window: int = 0
) -> Iterator[Clip]:
    """Sample clips with decord, ``cfg.batch_size`` windows per ``get_batch`` call."""
    reader = open_reader(info, cfg.resize, cfg.threads)
    n = len(reader)
    times = frame_times(reader)
    fps = measured_fps(info.fps, n, float(times[-1]) if n else 0.0)
    duration = round(float(times[-1] + 1.0 / fps), 6) if n else 0.0
    stats["frames"], stats["duration"], stats["fps"] = n, duration, fps
    plans = plan_windows(duration, cfg)
    for _ in islice(plans, 0, start_window):
        pass
    while True:
        batch = list(islice(plans, cfg.batch_size))
        if not batch:
            return
        picks = [
            np.clip(np.searchsorted(times, p.times, side="right") - 1, 0, n - 1) for p in batch
        ]
        unique = np.unique(np.concatenate(picks))
        frames = reader.get_batch(unique.tolist()).asnumpy()
        row = {int(i): r for r, i in enumerate(unique)}
        for plan, idx in zip(batch, picks):
            yield Clip(
                index=plan.index,
                start=plan.start,
                end=plan.end,
                frames=frames[[row[int(i)] for i in idx]],
                frame_indices=[int(i) for i in idx],
            )
        del frames


def read_frames_decord(info: VideoInfo, indices: list[int], resize: int | None) -> np.ndarray:
    """Frames at ``indices`` via decord."""
    reader = open_reader(info, resize)
    n = len(reader)
    clipped = [min(max(int(i), 0), n - 1) for i in indices]
    return reader.get_batch(clipped).asnumpy()
