"""The video path: a video file → sampled windows → components → audio → fuse → finish.

Each stage is a function of its own module, testable alone: :mod:`zsvad.pipeline.sample`
(probe, cache, decode and vision models), then the stages of :mod:`zsvad.pipeline.stages`:
:mod:`zsvad.pipeline.components` (clip, retrieval, events, judge), :func:`hear` (the sound
track, :mod:`zsvad.audio`), :mod:`zsvad.pipeline.finish` (fusion, event scores, frames,
smoothing, segments, audio raise) and :mod:`zsvad.pipeline.provenance`. What happens to the
video (cache hits, timings, judge counters, warnings) is recorded in its
:class:`~zsvad.pipeline.run.VideoRun`.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from zsvad.audio.score import AudioScores, score_audio
from zsvad.pipeline import stages
from zsvad.pipeline.core import Pipeline
from zsvad.pipeline.parts import Parts
from zsvad.pipeline.run import VideoRun
from zsvad.pipeline.sample import (
    Sampled,
    VideoSource,
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
    audio = partial(hear, parts, source, sampled, run)  # the sound track: audio_cue, audio
    n = sampled.num_frames  # then components, audio, fuse, finish (zsvad.pipeline.stages)
    return stages.score_video(
        pipeline, source.video_id, sampled.fps, n, sampled.windows, run, audio
    )


def hear(
    parts: Parts, source: VideoSource, sampled: Sampled, run: VideoRun, windows=None
) -> AudioScores | None:
    """The audio stage of the video flow: the sound track's components and evidence added to
    the sampled windows, its stats to ``run``; None (nothing done) when ``audio`` is off
    (``windows``: the same windows, as the stage order hands them on)."""
    if not parts.config.audio.enabled:
        return None
    spans = [(w.start, w.end) for w in sampled.windows]
    grid = (source.video_id, sampled.fps, sampled.num_frames, spans, source.info, source.digest)
    audio = score_audio(parts, source.path, *grid)
    for w, comps, evidence in zip(sampled.windows, audio.components, audio.evidence):
        w.components.update(comps)
        w.evidence = w.evidence + evidence
    run.stats |= audio.stats
    return audio
