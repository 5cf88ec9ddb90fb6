"""The video path: a video file → sampled windows → components → finish → one result.

Each stage is a function of its own module, testable alone: :mod:`zsvad.pipeline.sample`
(probe, cache, decode and vision models), :mod:`zsvad.pipeline.components` (clip, retrieval,
events, judge), :mod:`zsvad.pipeline.finish` (fusion, event scores, frames, smoothing,
segments) and
:mod:`zsvad.pipeline.provenance`. What happens to the video (cache hits, timings, judge
counters, warnings) is recorded in its :class:`~zsvad.pipeline.run.VideoRun`.
"""

from __future__ import annotations

from pathlib import Path

from zsvad.audio.fusion import audio_streams, mark_audio
from zsvad.audio.score import hear
from zsvad.pipeline.components import score_components
from zsvad.pipeline.core import Pipeline
from zsvad.pipeline.finish import fuse_windows
from zsvad.pipeline.run import VideoRun
from zsvad.pipeline.sample import (
    clip_embeddings,
    open_video,
    plan_sampling,
    sample_windows,
    save_to_cache,
)
from zsvad.results.schema import VideoResult

__all__ = ["clip_embeddings", "score_video"]


def score_video(pipeline: Pipeline, path: str | Path, video_id: str | None = None) -> VideoResult:
    """Score one video file with a pipeline that has a ``captioner`` and/or an
    ``image_embedder``.

    Raises :class:`~zsvad.errors.InputError` naming the file when it cannot be read or decoded
    (:class:`~zsvad.errors.DecodeError` once decoding has started).
    """
    run = VideoRun(source=str(path))
    parts = pipeline.parts
    source = open_video(pipeline.config, path, video_id)  # probed (and hashed) once
    plan = plan_sampling(parts, source, run)  # what the video cache already holds
    sampled = sample_windows(parts, source, plan, run)  # decoded batch by batch, or cached
    save_to_cache(parts, source, plan, sampled, run)
    duration = sampled.num_frames / sampled.fps  # components: clip, retrieval, events, judge
    events = score_components(parts, sampled.windows, source.video_id, run, duration=duration)
    heard = hear(parts, source, sampled, run)  # the sound track: audio_cue, audio (zsvad.audio)
    streams = audio_streams(pipeline.config)  # max(coarse: audio, fine: the others)
    windows = fuse_windows(sampled.windows, pipeline.config.fusion, streams)
    n = sampled.num_frames
    result = pipeline.finish(source.video_id, sampled.fps, n, windows, run=run, events=events)
    return mark_audio(result, pipeline.config, heard)  # which segments the sound raised
