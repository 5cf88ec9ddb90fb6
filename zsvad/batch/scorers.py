"""Score functions: how one input file becomes a :class:`VideoResult`.

A score function has the signature ``score(pipeline, path, video_id) -> VideoResult`` and is named
by a string so that worker processes and Ray actors can import it: ``video`` (decode and score a
video file), ``captions`` (a timed-captions JSONL file of one video), or ``module:function`` for
anything else (tests, custom inputs). Errors it raises are classified by the worker: an
:class:`InputError` is a bad input (stage ``decode`` for videos, ``input`` otherwise), any other
exception a model error (stage ``score``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from zsvad.errors import ConfigError, InputError

if TYPE_CHECKING:  # the driver never loads the pipeline; workers do
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


def score_captions_file(pipeline: Pipeline, path: Path, video_id: str) -> VideoResult:
    """Score a timed-captions JSONL file holding the captions of one video."""
    from zsvad.io.captions import read_captions
    from zsvad.pipeline.captions import score_video_captions

    captions = read_captions(path)
    if captions.errors:
        raise next(iter(captions.errors.values()))
    if len(captions.videos) != 1:
        raise InputError(
            f"holds captions of {len(captions.videos)} videos; batch expects one video per file",
            source=path,
        )
    (video,) = captions.videos.values()
    return _with_id(score_video_captions(pipeline, video), video_id)


def scorer_name(name: str, paths: Sequence[Path]) -> str:
    """Resolve ``auto``: ``captions`` when every input is a ``.jsonl`` file, else ``video``."""
    if name != "auto":
        return name
    if paths and all(p.suffix.lower() == ".jsonl" for p in paths):
        return "captions"
    return "video"


def resolve_scorer(name: str) -> ScoreFn:
    """Import the score function named ``name`` (built-in name or ``module:function``)."""
    target = SCORERS.get(name, name)
    module_name, sep, attr = target.partition(":")
    if not sep:
        raise ConfigError(
            f"unknown scorer '{name}'; use one of {', '.join(SCORERS)} or module:function"
        )
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot import scorer '{target}': {exc}") from exc
    if not callable(fn):
        raise ConfigError(f"scorer '{target}' is not callable")
    return fn
