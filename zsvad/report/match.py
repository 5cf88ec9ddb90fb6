"""Which video file and which ground truth belong to a result, and a warning when none does.

A video file is, in this order: the ``--video-map`` entry of the result's id, a file of the
``--videos`` folder (by id, by the source's name or stem), the result's ``provenance.source``.
Ground truth is the annotation named by the map's ``annotation_name`` when given, else the one
named like the video id, its last path part (``cam1/0001`` → ``0001``) or the source's stem.
When nothing matches, the page shows why and the log says so at the default level (the first
:data:`MAX_LOGGED` videos one line each, then a count).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from zsvad.eval.annotations import Annotation
from zsvad.logs import get_logger
from zsvad.report.keyframes import VideosArg, find_video
from zsvad.report.video_map import VideoMap
from zsvad.results.schema import VideoResult

log = get_logger(__name__)

#: videos whose missing file / ground truth is logged one line each (the rest are counted)
MAX_LOGGED = 20


@dataclass(frozen=True)
class Player:
    """The video a page plays: its URL relative to the page and the file as found."""

    src: str
    path: str


def player_for(video: Path, page_dir: Path) -> Player:
    """The ``<video src>`` of ``video`` for a page in ``page_dir``: a relative URL (the report
    folder can move along with the videos), a ``file:`` URI where none exists (another drive)."""
    try:
        rel = os.path.relpath(os.path.abspath(video), os.path.abspath(page_dir))
        src = quote(Path(rel).as_posix())
    except ValueError:
        src = Path(video).resolve().as_uri()
    return Player(src=src, path=str(video))


@dataclass
class Matcher:
    """Finds each result's video file and ground truth; remembers what did not match."""

    annotations: Mapping[str, Annotation] | None = None
    annotations_source: str = "the annotations"
    videos: VideosArg = None
    video_map: VideoMap | None = None
    used: set[str] = field(default_factory=set)
    """Map ids that matched a result."""
    misses: dict[str, int] = field(default_factory=lambda: {"video file": 0, "ground truth": 0})

    def video(self, result: VideoResult) -> tuple[Path | None, str]:
        """``(video file, "")`` or ``(None, warning)``."""
        vmap = self.video_map
        mapped = vmap.videos.get(result.video_id) if vmap else None
        if mapped is not None:
            self.used.add(result.video_id)
        found = find_video(result, self.videos, mapped)
        if found is not None:
            return found, ""
        if mapped is not None:
            why = f"{mapped} (from the video map {vmap.source}) is not a readable video file"
        else:
            why = "give --video-map CSV (video_id,path) or --video-dir DIR"
        return None, self._miss("video file", result, why)

    def truth(self, result: VideoResult) -> tuple[tuple[tuple[int, int], ...] | None, str]:
        """``(anomalous frame ranges, "")``, ``(None, warning)`` when annotations were given and
        none matches, ``(None, "")`` without annotations."""
        if self.annotations is None:
            return None, ""
        vid = result.video_id
        named = self.video_map.annotations.get(vid) if self.video_map else None
        if named is not None:
            self.used.add(vid)
            if named in self.annotations:
                return self.annotations[named].intervals, ""
            why = f"annotation_name {named!r} (from the video map) is not in it"
        else:
            names = [vid, vid.rpartition("/")[2]]
            if result.provenance.source:
                names.append(Path(result.provenance.source).stem)
            for name in names:
                if name in self.annotations:
                    return self.annotations[name].intervals, ""
            why = "give --video-map CSV with an annotation_name column"
        return None, self._miss("ground truth", result, f"{why}", f" in {self.annotations_source}")

    def _miss(self, what: str, result: VideoResult, why: str, where: str = "") -> str:
        self.misses[what] += 1
        message = f"no {what} matched for {result.video_id}{where}: {why}"
        if self.misses[what] <= MAX_LOGGED:
            log.warning("%s", message)
        return message

    def close(self) -> None:
        """Log the counts beyond :data:`MAX_LOGGED` and the map ids that matched no result."""
        for what, n in self.misses.items():
            if n > MAX_LOGGED:
                log.warning("no %s matched for %d video(s) in all (%d listed)", what, n, MAX_LOGGED)
        if self.video_map is not None:
            unused = sorted(self.video_map.ids() - self.used)
            if unused:
                shown = ", ".join(unused[:5]) + (", …" if len(unused) > 5 else "")
                log.warning(
                    "video map %s: %d id(s) match no result: %s",
                    self.video_map.source,
                    len(unused),
                    shown,
                )
