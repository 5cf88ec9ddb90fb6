"""The caption path: timed captions (file, cache or humans) → per-video results."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from zsvad.config.schema import ZsvadConfig
from zsvad.configure import load_config
from zsvad.errors import InputError
from zsvad.io.captions import CaptionsFile, VideoCaptions, read_captions
from zsvad.pipeline.components import WindowInput
from zsvad.pipeline.core import Pipeline
from zsvad.pipeline.run import VideoRun
from zsvad.pipeline.stages import score_video
from zsvad.results.schema import VideoResult


def caption_windows(video: VideoCaptions) -> list[WindowInput]:
    """One window per caption."""
    return [WindowInput(c.start, c.end, c.text) for c in video.captions]


def score_video_captions(pipeline: Pipeline, video: VideoCaptions) -> VideoResult:
    """Score one video's captions with a loaded pipeline; ``provenance.stats`` records the
    time taken (with this video's share of the batched embedding) and the peak RSS."""
    run = VideoRun(source=video.source)
    if pipeline.prefetch_texts:
        run.shared_s = pipeline.prefetch_s * len(video.captions) / pipeline.prefetch_texts
    windows = caption_windows(video)  # components: retrieval, events, judge
    video_s = {"video_s": round(video.duration, 3)}
    return score_video(
        pipeline, video.video_id, video.fps, video.num_frames, windows, run, None, video_s
    )


def prefetch_captions(
    pipeline: Pipeline, videos: list[VideoCaptions], progress=None, on_total=None
) -> int:
    """Embed every caption of ``videos`` up front, once each, in large batches (see
    :meth:`Pipeline.prefetch`); returns how many texts were embedded."""
    texts = [c.text for v in videos for c in v.captions if c.text]
    if on_total is None:  # as before on_total existed (subclasses may not take it)
        return pipeline.prefetch(texts, progress)
    return pipeline.prefetch(texts, progress, on_total)


def iter_scores(
    pipeline: Pipeline,
    videos: Iterable[VideoCaptions],
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[VideoCaptions, VideoResult | InputError]]:
    """Score videos one by one; a video that fails yields its error instead of a result.
    A list of videos has its captions embedded up front (:func:`prefetch_captions`), before
    the first video is yielded; ``progress(n)`` is told as texts of that pass are embedded."""
    if isinstance(videos, list):
        prefetch_captions(pipeline, videos, progress)
    for video in videos:
        try:
            yield video, score_video_captions(pipeline, video)
        except InputError as exc:
            yield video, exc


def score_captions(
    captions: str | Path | CaptionsFile | Iterable[VideoCaptions], config: ZsvadConfig | None = None
) -> list[VideoResult]:
    """Score timed captions and return one :class:`VideoResult` per video.

    ``captions`` is a JSONL path (``video_id, start, end, text, fps, num_frames`` per line), a
    :class:`CaptionsFile` or an iterable of :class:`VideoCaptions`. Raises :class:`InputError`
    if any video's captions are invalid (the CLI scores the others and reports them instead).
    """
    config = config or load_config()
    if isinstance(captions, str | Path):
        captions = read_captions(captions)
    if isinstance(captions, CaptionsFile):
        if captions.errors:
            raise next(iter(captions.errors.values()))
        captions = list(captions.videos.values())
    pipeline = Pipeline(config)
    results = []
    for _, outcome in iter_scores(pipeline, captions):
        if isinstance(outcome, InputError):
            raise outcome
        results.append(outcome)
    return results
