"""Score functions: how one input file becomes a :class:`VideoResult`.

A score function has the signature ``score(pipeline, path, video_id) -> VideoResult`` and is named
by a string so that worker processes and Ray actors can import it: ``video`` (decode and score a
video file), ``captions`` (a timed-captions JSONL file of one video), or ``module:function`` for
anything else (tests, custom inputs). Errors it raises are classified by the worker: an
:class:`InputError` is a bad input (stage ``decode`` for videos, ``input`` otherwise), any other
exception a model error (stage ``score``).

A score function may carry a ``check(path)`` attribute: raising :class:`InputError` without any
model, it lets the driver refuse an input again before workers load models
(``--retry-failed``). It may carry a ``prefetch(pipeline, paths, max_texts) -> int``
attribute: workers then get its jobs in chunks and call it on each chunk's files before
scoring them (see :mod:`zsvad.batch.prefetch`); ``captions`` has one
(:func:`prefetch_captions_files`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from zsvad.errors import ConfigError, InputError
from zsvad.registry import load

if TYPE_CHECKING:  # the driver never loads the pipeline; workers do
    from zsvad.config.schema import ZsvadConfig
    from zsvad.io.captions import VideoCaptions
    from zsvad.pipeline.core import Pipeline
    from zsvad.results.schema import VideoResult

ScoreFn = Callable[["Pipeline", Path, str], "VideoResult"]

#: built-in score functions
SCORERS = {
    "video": "zsvad.batch.scorers:score_video_file",
    "captions": "zsvad.batch.scorers:score_captions_file",
}


def _with_id(result: VideoResult, video_id: str) -> VideoResult:
    if result.video_id == video_id:
        return result
    return result.model_copy(update={"video_id": video_id})


def score_video_file(pipeline: Pipeline, path: Path, video_id: str) -> VideoResult:
    """Decode and score one video file with the video path."""
    try:
        from zsvad.pipeline.video import score_video
    except ImportError as exc:
        raise ConfigError("the video path (zsvad.pipeline.video) is not available") from exc
    try:
        result = score_video(pipeline, path, video_id=video_id)
    except InputError as exc:
        exc.stage = getattr(exc, "stage", None) or "decode"
        raise
    return _with_id(result, video_id)


def _one_video(path: Path) -> VideoCaptions:
    """The captions of the one video of captions file ``path`` (InputError otherwise)."""
    from zsvad.io.captions import read_captions

    captions = read_captions(path)
    if captions.errors:
        raise next(iter(captions.errors.values()))
    if len(captions.videos) != 1:
        raise InputError(
            f"holds captions of {len(captions.videos)} videos; batch expects one video per file",
            source=path,
        )
    (video,) = captions.videos.values()
    return video


def score_captions_file(pipeline: Pipeline, path: Path, video_id: str) -> VideoResult:
    """Score a timed-captions JSONL file holding the captions of one video."""
    from zsvad.pipeline.captions import score_video_captions

    return _with_id(score_video_captions(pipeline, _one_video(path)), video_id)


def prefetch_captions_files(pipeline: Pipeline, paths: Sequence[Path], max_texts: int) -> int:
    """Embed ahead the captions of the files ``paths`` (:func:`prefetch_captions`), in passes
    of at most ``max_texts`` captions (a longer video is a pass of its own); returns how many
    texts were embedded. A file it cannot use is left out: scoring it says why."""
    from zsvad.pipeline.captions import prefetch_captions

    embedded, videos, size = 0, [], 0
    for path in paths:
        try:
            video = _one_video(path)
        except Exception:  # InputError, or anything else scoring the file will report
            continue
        if videos and size + len(video.captions) > max_texts:
            embedded += prefetch_captions(pipeline, videos)
            videos, size = [], 0
        videos.append(video)
        size += len(video.captions)
    return embedded + (prefetch_captions(pipeline, videos) if videos else 0)


def check_captions_file(path: Path) -> None:
    """InputError when captions file ``path`` cannot be scored (read, one video); no model."""
    _one_video(path)


def check_video_file(path: Path) -> None:
    """InputError when video ``path`` cannot be opened and probed (no frame is decoded)."""
    try:
        from zsvad.video.probe import probe
    except ImportError:  # no video extra: the workers will say so
        return
    try:
        probe(path)
    except InputError as exc:
        exc.stage = getattr(exc, "stage", None) or "decode"
        raise


score_captions_file.prefetch = prefetch_captions_files  # type: ignore[attr-defined]
score_captions_file.check = check_captions_file  # type: ignore[attr-defined]
score_video_file.check = check_video_file  # type: ignore[attr-defined]


def scorer_name(name: str, paths: Sequence[Path]) -> str:
    """Resolve ``auto``: ``captions`` when every input is a ``.jsonl`` file, else ``video``."""
    if name != "auto":
        return name
    if paths and all(p.suffix.lower() == ".jsonl" for p in paths):
        return "captions"
    return "video"


def prefetch_videos(name: str, config: ZsvadConfig, chunk: int) -> int:
    """How many jobs of score function ``name`` a worker gets at once to embed ahead: ``chunk``
    if it can (a ``prefetch`` attribute; for ``captions``, with ``embedder.query_cache`` on, as
    that is where the vectors wait), else 1. A custom one is imported here to tell."""
    if chunk <= 1 or (name == "captions" and not config.embedder.query_cache):
        return 1
    try:
        fn = resolve_scorer(name)
    except ConfigError:  # the workers will say so
        return 1
    return chunk if callable(getattr(fn, "prefetch", None)) else 1


def resolve_scorer(name: str) -> ScoreFn:
    """Import the score function named ``name`` (built-in name or ``module:function``)."""
    target = SCORERS.get(name, name)
    if ":" not in target:
        raise ConfigError(
            f"unknown scorer '{name}'; use one of {', '.join(SCORERS)} or module:function"
        )
    try:
        fn = load(target)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot import scorer '{target}': {exc}") from exc
    if not callable(fn):
        raise ConfigError(f"scorer '{target}' is not callable")
    return fn
