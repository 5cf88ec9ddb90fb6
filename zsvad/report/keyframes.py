"""Keyframe thumbnails of segments, read with :func:`zsvad.video.read_frames`.

The video of a result (:func:`find_video`) is its ``--video-map`` entry, a file found through the
report's ``videos`` option (a directory holding ``<video_id>.<ext>`` or ``<source name>``, or a
``{video_id: path}`` mapping), or its ``provenance.source`` when that is a readable video file.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from zsvad.extras import require
from zsvad.ids import file_stem
from zsvad.logs import get_logger
from zsvad.results.schema import Segment, VideoResult

if TYPE_CHECKING:
    from zsvad.privacy.images import ImagePrivacy

log = get_logger(__name__)

VideosArg = str | Path | Mapping[str, str | Path] | None


@dataclass(frozen=True)
class Thumb:
    """One thumbnail: a ``data:image/jpeg`` URI and the frame it shows."""

    uri: str
    frame: int
    seconds: float
    note: str = ""
    """What anonymisation did to it, when worth saying (blurred whole)."""


def find_video(
    result: VideoResult, videos: VideosArg = None, mapped: str | Path | None = None
) -> Path | None:
    """The video file of ``result`` (``mapped``, its video-map entry, first), or None when it
    is not available."""
    from zsvad.io.videos import VIDEO_SUFFIXES, is_video_path

    source = result.provenance.source
    candidates: list[Path] = [Path(mapped)] if mapped is not None else []
    if isinstance(videos, Mapping):
        if result.video_id in videos:
            candidates.append(Path(videos[result.video_id]))
    elif videos is not None:
        d = Path(videos)
        # the id as a relative path (``cam1/0001`` of a batch) or its file stem, never a path
        # outside the folder (``../../x``, ``/etc/x``)
        for name in dict.fromkeys([result.video_id, file_stem(result.video_id)]):
            found = [d / f"{name}{ext}" for ext in sorted(VIDEO_SUFFIXES)]
            candidates += [p for p in found if _inside(p, d)]
        if source:
            candidates.append(d / Path(source).name)
        candidates += _by_stem(d, {file_stem(result.video_id).lower()} | _source_stems(source))
    if source and is_video_path(source):
        candidates.append(Path(source))
    return next((p for p in candidates if is_video_path(p) and _is_file(p)), None)


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # name too long, NUL
        return False


def peak_frame(result: VideoResult, seg: Segment) -> int:
    """Frame of the highest smoothed score inside ``seg``."""
    scores = result.frame_scores[seg.start_frame : seg.end_frame + 1]
    return seg.start_frame + int(np.argmax(scores))


def thumb_frames(result: VideoResult, seg: Segment, count: int = 3, spacing_s: float = 1.0):
    """``count`` frames ``spacing_s`` apart centred on the segment's peak, shifted (and the
    spacing shrunk) to stay inside the segment."""
    length = seg.end_frame - seg.start_frame
    step = max(1, round(spacing_s * result.fps))
    if count > 1 and (count - 1) * step > length:
        step = max(1, length // (count - 1))
    first = peak_frame(result, seg) - (count // 2) * step
    first = max(min(first, seg.end_frame - (count - 1) * step), seg.start_frame)
    return sorted({min(first + k * step, seg.end_frame) for k in range(count)})


def _jpeg_uri(frame: np.ndarray, quality: int = 82) -> str:
    image = require("PIL.Image", "keyframe thumbnails", extra="report")
    buf = io.BytesIO()
    image.fromarray(np.ascontiguousarray(frame)).save(buf, format="JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def segment_thumbnails(
    result: VideoResult,
    video: Path,
    height: int = 240,
    count: int = 3,
    privacy: ImagePrivacy | None = None,
) -> list[list[Thumb]]:
    """Thumbnails for every segment of ``result`` (one list per segment), read in one pass;
    ``privacy`` anonymises them (None: as recorded).

    Raises :class:`~zsvad.errors.InputError` (or a decoder error) when the video is unreadable.
    """
    return segment_thumbnails_for(result, video, result.segments, height, count, privacy)


def segment_thumbnails_for(
    result: VideoResult,
    video: Path,
    segments: list[Segment],
    height: int,
    count: int,
    privacy: ImagePrivacy | None = None,
) -> list[list[Thumb]]:
    """Like :func:`segment_thumbnails`, for the given ``segments``."""
    from zsvad.privacy.images import ImagePrivacy

    wanted = [thumb_frames(result, s, count) for s in segments]
    flat = sorted({f for frames in wanted for f in frames})
    if not flat:
        return [[] for _ in wanted]
    images = (privacy or ImagePrivacy(None)).frames(video, flat, height)
    shot = {f: (_jpeg_uri(img), note) for f, (img, note) in zip(flat, images)}
    thumb = lambda f: Thumb(shot[f][0], f, f / result.fps, shot[f][1])  # noqa: E731
    return [[thumb(f) for f in frames] for frames in wanted]


def try_thumbnails(
    result: VideoResult,
    video: Path | None,
    height: int = 240,
    privacy: ImagePrivacy | None = None,
) -> tuple[list[list[Thumb]], str]:
    """``(thumbnails per segment, note)`` from ``video`` (:func:`find_video`; None: no
    thumbnails); the note says why there are none when reading failed."""
    if not result.segments:
        return [], ""
    read = lambda video: segment_thumbnails(result, video, height, privacy=privacy)  # noqa: E731
    return _thumbs_of(video, read)


def peak_thumbnail(
    result: VideoResult,
    video: Path | None,
    height: int = 180,
    privacy: ImagePrivacy | None = None,
):
    """``([thumbnail of the highest-scoring frame], note)``: the keyframe of a video with no
    segment."""
    peak = int(np.argmax(result.frame_scores))
    seg = Segment(start_frame=peak, end_frame=peak, start=0.0, end=0.0, score=0.0, explanation="")
    found, note = _thumbs_of(
        video,
        lambda video: [segment_thumbnails_for(result, video, [seg], height, 1, privacy)[0]],
    )
    return (found[0] if found else []), note


def _thumbs_of(video: Path | None, read) -> tuple[list, str]:
    if video is None:
        return [], ""
    try:
        return read(video), ""
    except Exception as exc:  # decoder errors have many types; thumbnails are optional
        log.warning("%s: keyframes failed: %s", video, exc, exc_info=log.isEnabledFor(10))
        return [], f"no keyframes: cannot read {video}: {exc}"


SEARCH_LIMIT = 20000
"""Entries of a ``--videos`` folder (and its subfolders) looked at to find a video by name."""


def _source_stems(source: str | None) -> set[str]:
    return {Path(source).stem.lower()} if source else set()


def _by_stem(folder: Path, stems: set[str]) -> list[Path]:
    """Video files under ``folder`` whose name without extension is one of ``stems`` (any case,
    any subfolder): ``cams/North/Abuse028_x264.MP4`` for the video id ``Abuse028_x264``."""
    from itertools import islice

    from zsvad.io.videos import is_video_path

    try:
        entries = list(islice(folder.rglob("*"), SEARCH_LIMIT))
    except OSError:
        return []
    return sorted(p for p in entries if p.stem.lower() in stems and is_video_path(p))
