"""Read timed captions (``{"video_id", "start", "end", "text", "fps", "num_frames"}`` JSONL).

A malformed line (not JSON, missing or mistyped fields, over 1 MiB, integers of more than 20
digits, deep nesting: see :mod:`zsvad.jsonl`) stops the read with an error naming the file and
line; the file is read line by line, in bounded memory. Problems that concern one video only
(empty text, times outside the video, inconsistent fps, ``num_frames`` over
:data:`MAX_NUM_FRAMES`, an empty id or one with control characters) mark that video as failed
and the others are still returned. Ids are kept verbatim; file names made from them go through
:func:`zsvad.ids.file_stem`, so ids such as ``../x`` or ``/etc/passwd`` are safe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from zsvad.errors import InputError
from zsvad.ids import id_problem
from zsvad.jsonl import iter_jsonl

MAX_NUM_FRAMES = 50_000_000
"""Largest ``num_frames`` a captions file may claim (≈ 19 days at 30 fps): per-frame scores are
allocated from it."""
MAX_FPS = 1000.0
"""Largest frame rate a captions file may claim."""

_REQUIRED = {
    "video_id": str,
    "start": (int, float),
    "end": (int, float),
    "text": str,
    "fps": (int, float),
    "num_frames": int,
}


@dataclass(frozen=True)
class Caption:
    """One caption of a time interval of a video."""

    start: float
    end: float
    text: str
    line: int = 0
    """Line of the source file (1-based; 0 when not from a file)."""


@dataclass
class VideoCaptions:
    """All captions of one video, sorted by start time."""

    video_id: str
    fps: float
    num_frames: int
    captions: list[Caption] = field(default_factory=list)
    source: str | None = None

    @property
    def duration(self) -> float:
        return self.num_frames / self.fps


@dataclass
class CaptionsFile:
    """Videos read from a captions file, and the videos rejected with their error."""

    videos: dict[str, VideoCaptions]
    errors: dict[str, InputError]


def _check_line(obj: object, path: Path, lineno: int) -> dict:
    if not isinstance(obj, dict):
        raise InputError("line is not a JSON object", source=path, line=lineno)
    for key, types in _REQUIRED.items():
        if key not in obj:
            raise InputError(f"missing field '{key}'", source=path, line=lineno)
        value = obj[key]
        if isinstance(value, bool) or not isinstance(value, types):
            raise InputError(
                f"field '{key}' has the wrong type ({value!r})", source=path, line=lineno
            )
    return obj


def _video_problem(row: dict, video: VideoCaptions) -> str | None:
    """The first problem of ``row`` as a caption of ``video``, or None."""
    start, end, fps, n = (
        float(row["start"]),
        float(row["end"]),
        float(row["fps"]),
        row["num_frames"],
    )
    if not (math.isfinite(fps) and fps > 0):
        return f"fps must be positive, got {row['fps']}"
    if fps > MAX_FPS:
        return f"fps {row['fps']} is over the limit of {MAX_FPS:g}"
    if n <= 0:
        return f"num_frames must be positive, got {n}"
    if n > MAX_NUM_FRAMES:
        return f"num_frames {n} is over the limit of {MAX_NUM_FRAMES}"
    if fps != video.fps or n != video.num_frames:
        return (
            f"fps/num_frames ({fps}, {n}) differ from earlier lines of the video "
            f"({video.fps}, {video.num_frames})"
        )
    if not row["text"].strip():
        return "empty caption text"
    if not (math.isfinite(start) and math.isfinite(end)) or end <= start:
        return f"caption interval [{start}, {end}] is empty or reversed"
    tolerance = 1.0 / fps
    if start < -tolerance or end > video.duration + tolerance:
        return (
            f"caption interval [{start}, {end}] s lies outside the video "
            f"(0 to {video.duration:.2f} s)"
        )
    return None


def read_captions(path: str | Path) -> CaptionsFile:
    """Read a captions JSONL file; see the module docstring for error handling."""
    path = Path(path)
    videos: dict[str, VideoCaptions] = {}
    errors: dict[str, InputError] = {}
    for lineno, obj in iter_jsonl(path, "captions file"):
        row = _check_line(obj, path, lineno)
        vid = row["video_id"]
        if vid in errors:
            continue
        problem = id_problem(vid)
        if problem:  # that video fails; its file names would be mapped by zsvad.ids.file_stem
            errors[vid] = InputError(problem, source=path, line=lineno)
            videos.pop(vid, None)
            continue
        video = videos.get(vid)
        if video is None:
            video = VideoCaptions(vid, float(row["fps"]), row["num_frames"], source=str(path))
            videos[vid] = video
        problem = _video_problem(row, video)
        if problem:
            errors[vid] = InputError(f"video '{vid}': {problem}", source=path, line=lineno)
            videos.pop(vid, None)
            continue
        video.captions.append(Caption(float(row["start"]), float(row["end"]), row["text"], lineno))
    if not videos and not errors:
        raise InputError("captions file holds no captions", source=path)
    for video in videos.values():
        video.captions.sort(key=lambda c: (c.start, c.end))
    return CaptionsFile(videos=videos, errors=errors)
