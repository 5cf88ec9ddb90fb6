"""Video decoding and clip sampling (one sequential PyAV pass by default; decord on request).

Public API: :func:`iter_clips` (streaming windows), :func:`read_frames` (frames by index),
:func:`probe` (container metadata).
"""

from zsvad.video.probe import VideoInfo, probe
from zsvad.video.sampler import ClipStream, batched, iter_clips, read_frames

__all__ = ["ClipStream", "VideoInfo", "batched", "iter_clips", "probe", "read_frames"]
