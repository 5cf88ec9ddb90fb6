"""``--video-map``: which video file and which ground-truth entry belong to each result, when the
names differ (a result ``cam1/0001`` of the file ``North-0001.mkv``, annotated as ``Abuse028``).

The map is a CSV with the columns ``video_id``, ``path`` and optionally ``annotation_name``, or
any ``zsvad batch`` manifest (``.csv``, ``.parquet``, ``.txt``; the same path columns, a
``video_id`` defaulting to the file's stem as the batch made it). Relative paths are relative to
the map's folder. It is read with :func:`zsvad.batch.inputs.read_manifest`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from zsvad.errors import InputError
from zsvad.io.videos import video_id_from_name

#: the map column naming a video's entry in the annotation file
ANNOTATION_COLUMN = "annotation_name"


@dataclass
class VideoMap:
    """Video files and annotation names by video id."""

    videos: dict[str, Path] = field(default_factory=dict)
    """``{video_id: video file}``."""
    annotations: dict[str, str] = field(default_factory=dict)
    """``{video_id: name in the annotation file}`` (extension dropped), where given."""
    source: str = ""
    """The map file, for messages."""

    def ids(self) -> set[str]:
        return set(self.videos) | set(self.annotations)


def read_video_map(path: str | Path) -> VideoMap:
    """Read a ``--video-map`` file (see the module docstring); a clear :class:`InputError`
    naming the file when it is missing, unreadable, lacks a path column or lists an id twice."""
    from zsvad.batch.inputs import read_manifest

    path = Path(path)
    if not path.is_file():
        raise InputError("video map not found", source=path)
    out = VideoMap(source=str(path))
    for item in read_manifest(path):
        if item.video_id in out.videos:
            raise InputError(f"video id {item.video_id!r} is listed twice", source=path)
        out.videos[item.video_id] = item.path
        name = (item.extra.get(ANNOTATION_COLUMN) or "").strip()
        if name:
            out.annotations[item.video_id] = video_id_from_name(name)
    return out
