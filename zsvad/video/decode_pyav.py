"""PyAV decoding: the sequential clip sampler, key-frame-only mode and frame reads by index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from zsvad.backends.protocols import Clip
from zsvad.config.video import VideoConfig
from zsvad.errors import DecodeError, InputError
from zsvad.extras import require
from zsvad.logs import get_logger
from zsvad.video.picker import Picker
from zsvad.video.probe import VideoInfo, open_container, video_stream
from zsvad.video.windows import plan_windows

log = get_logger(__name__)


def output_size(info: VideoInfo, resize: int | None) -> tuple[int, int]:
    """``(width, height)`` of decoded frames: the shorter side scaled to ``resize``."""
    w, h = info.width, info.height
    if resize is None or min(w, h) == resize:
        return w, h
    scale = resize / min(w, h)
    return max(2, round(w * scale / 2) * 2), max(2, round(h * scale / 2) * 2)


def measured_fps(reported: float, frames: int, last_time: float) -> float:
    """The container's rate, unless the decoded frames' times say otherwise by > 1 %
    (variable frame rate, or a container with a wrong rate): then frames per second measured
    from the mean frame interval."""
    if frames < 2 or last_time <= 0:
        return reported
    measured = (frames - 1) / last_time
    return reported if abs(measured - reported) <= 0.01 * reported else measured


def setup_stream(stream, threads: int, keyframes_only: bool, low_delay: bool = False) -> None:
    """Set a PyAV video stream up for decoding, the one set-up of files and live streams:
    frame threads (slice threads with ``low_delay``: a live stream's frames come out without a
    frame's delay), ``threads`` of them (0: the decoder's choice), key frames only."""
    ctx = stream.codec_context
    stream.thread_type = "SLICE" if low_delay else "AUTO"
    if threads:
        ctx.thread_count = threads
    if keyframes_only:
        ctx.skip_frame = "NONKEY"


def iter_frames(container, stream, path: Path, stats: dict) -> Iterator:
    """Decoded frames of ``stream``; corrupt packets are skipped and counted in ``stats``."""
    av = require("av", "video decoding")
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except (av.error.InvalidDataError, av.error.EOFError, av.error.FFmpegError) as exc:
            log.warning("%s: demuxing stopped early: %s", path, exc)
            stats["truncated"] = True
            packet = None
        try:
            frames = packet.decode() if packet is not None else stream.codec_context.decode(None)
        except (av.error.InvalidDataError, av.error.FFmpegError) as exc:
            stats["corrupt_packets"] = stats.get("corrupt_packets", 0) + 1
            log.debug("%s: skipped a packet that does not decode: %s", path, exc)
            continue
        yield from frames
        if packet is None:
            return


def sample_pyav(info: VideoInfo, cfg: VideoConfig, stats: dict) -> Iterator[Clip]:
    """Sample clips by decoding ``info.path`` sequentially (all frames, or key frames only).

    Only the frames of windows still open are kept. Fills ``stats`` with ``frames`` (decoded
    count), ``fps``, ``duration`` and corruption counters.
    """
    path = Path(info.path)
    width, height = output_size(info, cfg.resize)
    picker = Picker(plan_windows(info.duration, cfg), cfg)
    container = open_container(path)
    try:
        stream = video_stream(container, path)
        setup_stream(stream, cfg.threads, cfg.keyframes_only)
        time_indexed = cfg.keyframes_only
        t0 = None
        count = 0
        for frame in iter_frames(container, stream, path, stats):
            ft = frame.time
            if t0 is None:
                t0 = ft if ft is not None else 0.0
            t = (ft - t0) if ft is not None else count / info.fps
            index = round(t * info.fps) if time_indexed else count
            count += 1

            def convert(f=frame):
                return f.to_ndarray(format="rgb24", width=width, height=height)

            yield from picker.feed(index, t, convert)
        if count == 0:
            raise DecodeError(
                "no decodable video frames (empty, truncated or corrupt)", source=path
            )
        fps = info.fps if time_indexed else measured_fps(info.fps, count, picker.last_time)
        end = picker.last_time + 1.0 / fps
        if cfg.keyframes_only:
            end = max(end, info.duration)
        stats["fps"] = fps
        stats["frames"] = info.num_frames if cfg.keyframes_only else count
        stats["duration"] = end
        yield from picker.finish(end)
    finally:
        container.close()


def read_frames_pyav(
    path: str | Path, indices: list[int], info: VideoInfo, resize: int | None = None
) -> np.ndarray:
    """Frames at ``indices`` (``(n, H, W, 3)`` uint8, in the order asked): seek to the key
    frame before each far-away index and decode forward from it."""
    path = Path(path)
    width, height = output_size(info, resize)
    wanted = sorted(set(indices))
    found: dict[int, np.ndarray] = {}
    container = open_container(path)
    try:
        stream = video_stream(container, path)
        setup_stream(stream, 0, False)
        tb = stream.time_base
        pos = None  # index of the last decoded frame
        frames = None
        last: np.ndarray | None = None
        for target in wanted:
            if pos is None or target < pos or target - pos > 2 * info.fps:
                t = target / info.fps + info.start_time
                container.seek(max(int(t / tb), 0), stream=stream, backward=True)
                frames = iter_frames(container, stream, path, {})
                pos = None
            for frame in frames:
                ft = frame.time if frame.time is not None else 0.0
                pos = round((ft - info.start_time) * info.fps)
                if pos >= target:
                    found[target] = frame.to_ndarray(format="rgb24", width=width, height=height)
                    last = found[target]
                    break
            else:
                if last is None:
                    raise InputError(f"frame {target} could not be decoded", source=path)
                found[target] = last  # past the end: the last frame
    finally:
        container.close()
    return np.stack([found[i] for i in indices])
