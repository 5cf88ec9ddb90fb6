"""Per-video cache of captions and clip embeddings.

Entries are keyed by the video file's content hash + backend + model + revision (+ prompt) +
sampling settings, so any change recomputes. Files live in ``video.cache_dir``
(``$ZSVAD_CACHE/video`` by default):

- ``<video_id>-<key>.captions.jsonl``: the captions JSONL format of :mod:`zsvad.io.captions`
  (``video_id, start, end, text, fps, num_frames`` plus ``window`` and model fields), so
  ``zsvad score --captions FILE`` re-scores them without any vision model;
- ``<video_id>-<key>.clip.jsonl``: one line per window with its base64 float32 embedding.

Entries are verified on load (:func:`check_entry`: fps and frame count against the probed video,
window count and times, vector dimension, finite values); one that fails is ignored with a
warning and rebuilt. An entry is only written when the file's content hash is the same after
decoding as before (a video that changes while it is read leaves no entry).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zsvad.atomic import atomic_write_text
from zsvad.config.video import VideoConfig
from zsvad.errors import InputError
from zsvad.hashing import stable_hash
from zsvad.ids import file_stem
from zsvad.io.captions import MAX_NUM_FRAMES
from zsvad.jsonl import iter_jsonl
from zsvad.logs import get_logger
from zsvad.paths import cache_dir
from zsvad.video.probe import VideoInfo

log = get_logger(__name__)
FRAME_TOLERANCE = 0.1
"""How far (fraction) a cached frame count may be from the container's before the entry is
distrusted (containers may report an estimate; decoding counts the real frames)."""
MIN_STRIDE_S = 0.05
"""Fewest seconds between two windows' starts an entry may claim (bounds its window count)."""


def entry_key(video_hash: str, kind: str, model: dict, cfg: VideoConfig) -> str:
    """Cache key of one kind (``captions`` / ``clip``) of entry."""
    payload = {"video": video_hash, "kind": kind, "model": model, "sampling": cfg.sampling_key()}
    return stable_hash(payload, 20)


@dataclass
class CachedWindows:
    """Windows of one video read back from the cache."""

    fps: float
    num_frames: int
    windows: list[tuple[float, float]]
    texts: dict[int, str] = field(default_factory=dict)
    embeddings: np.ndarray | None = None
    model: dict = field(default_factory=dict)
    """The model fields recorded with the entry (backend, model, revision, meaningless)."""


class VideoCache:
    """Reads and writes the entries of one cache directory."""

    def __init__(self, cfg: VideoConfig):
        self.root = Path(cfg.cache_dir) if cfg.cache_dir else cache_dir("video")

    def path(self, video_id: str, key: str, kind: str) -> Path:
        return self.root / f"{file_stem(video_id)}-{key}.{kind}.jsonl"

    def save_captions(
        self,
        path: Path,
        video_id: str,
        fps: float,
        num_frames: int,
        windows: list[tuple[float, float]],
        texts: list[str | None],
        model: dict,
    ) -> None:
        lines = []
        for i, ((start, end), text) in enumerate(zip(windows, texts)):
            if not text or not text.strip():
                continue  # the captions format has no empty captions
            row = {"video_id": video_id, "start": start, "end": end, "text": text}
            row |= {"fps": fps, "num_frames": num_frames, "window": i, "model": model}
            lines.append(json.dumps(row, ensure_ascii=False))
        if lines:
            self.root.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, "\n".join(lines) + "\n")

    def load_captions(self, path: Path, info: VideoInfo | None = None) -> CachedWindows | None:
        """The captions entry at ``path``, or None (a miss) when absent or when it fails
        :func:`check_entry` against the probed video ``info`` (logged; it is rebuilt)."""
        rows = _read_jsonl(path)
        if not rows:
            return None
        try:
            n = max(int(r["window"]) for r in rows) + 1
            out = CachedWindows(rows[0]["fps"], rows[0]["num_frames"], [], model=rows[0]["model"])
            problem = check_entry(out, rows, info, n)
            if problem is None and min(int(r["window"]) for r in rows) < 0:
                problem = "negative window index"
            if problem is None and not all(isinstance(r["text"], str) for r in rows):
                problem = "a caption that is not text"
            if problem is None:
                out.texts = {int(r["window"]): r["text"] for r in rows}
                out.windows = [(0.0, 0.0)] * n
                for r in rows:
                    out.windows[int(r["window"])] = (float(r["start"]), float(r["end"]))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            problem = f"malformed entry ({type(exc).__name__}: {exc})"
        if problem:
            log.warning("ignoring video cache entry %s: %s; it is rebuilt", path, problem)
            return None
        return out

    def save_embeddings(
        self,
        path: Path,
        video_id: str,
        fps: float,
        num_frames: int,
        windows: list[tuple[float, float]],
        embeddings: np.ndarray,
        model: dict,
    ) -> None:
        emb = np.ascontiguousarray(embeddings, dtype=np.float32)
        lines = []
        for (start, end), vec in zip(windows, emb):
            row = {"video_id": video_id, "start": start, "end": end, "fps": fps}
            row |= {"num_frames": num_frames, "dim": int(emb.shape[1]), "model": model}
            row["embedding"] = base64.b64encode(vec.tobytes()).decode("ascii")
            lines.append(json.dumps(row))
        self.root.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, "\n".join(lines) + "\n")

    def load_embeddings(
        self, path: Path, info: VideoInfo | None = None, dim: int | None = None
    ) -> CachedWindows | None:
        """The clip-embedding entry at ``path``, or None (a miss) when absent or when it fails
        :func:`check_entry` or holds vectors of another dimension than ``dim`` or non-finite
        ones (logged; it is rebuilt)."""
        rows = _read_jsonl(path)
        if not rows:
            return None
        try:
            out = CachedWindows(
                rows[0]["fps"],
                rows[0]["num_frames"],
                [(float(r["start"]), float(r["end"])) for r in rows],
                model=rows[0]["model"],
            )
            problem = check_entry(out, rows, info, len(rows))
            if problem is None:
                vecs = [base64.b64decode(r["embedding"], validate=True) for r in rows]
                sizes = {len(v) for v in vecs}
                want = 4 * (dim or int(rows[0]["dim"]))
                if sizes != {want}:
                    problem = f"vectors of {sorted(sizes)} bytes, expected {want}"
                else:
                    out.embeddings = np.stack([np.frombuffer(v, dtype=np.float32) for v in vecs])
                    if not np.isfinite(out.embeddings).all():
                        problem = "non-finite vectors"
        except (KeyError, TypeError, ValueError, IndexError, binascii.Error) as exc:
            problem = f"malformed entry ({type(exc).__name__}: {exc})"
        if problem:
            log.warning("ignoring video cache entry %s: %s; it is rebuilt", path, problem)
            return None
        return out


def check_entry(
    entry: CachedWindows, rows: list, info: VideoInfo | None, n_windows: int
) -> str | None:
    """Why an entry cannot be trusted for the probed video ``info``, or None.

    Every row must be an object with the entry's fps and frame count; these must match the
    video's (frame count within :data:`FRAME_TOLERANCE` of the container's, which may be an
    estimate); the windows must lie inside the video and be no more than its duration allows.
    """
    fps, n = entry.fps, entry.num_frames
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not 0 < fps < 10_000:
        return f"fps {fps!r}"
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        return f"num_frames {n!r}"
    if not isinstance(entry.model, dict):
        return "no model record"
    if n > MAX_NUM_FRAMES:
        return f"num_frames {n} over the limit of {MAX_NUM_FRAMES}"
    if any(not isinstance(r, dict) or (r["fps"], r["num_frames"]) != (fps, n) for r in rows):
        return "rows disagree on fps / num_frames"
    duration = n / fps
    if n_windows > duration / MIN_STRIDE_S + 2:
        return f"claims {n_windows} windows for {duration:.1f} s of video"
    if info is None:
        return None
    slack = max(FRAME_TOLERANCE * info.num_frames, 2 * info.fps, 10)
    if abs(n - info.num_frames) > slack or abs(fps - info.fps) > 0.01 * info.fps:
        return (
            f"claims {n} frames at {fps:g} fps, the video has about {info.num_frames} at "
            f"{info.fps:g} (changed while it was read?)"
        )
    for r in rows:
        start, end = float(r["start"]), float(r["end"])
        if not (math.isfinite(start) and math.isfinite(end)) or start < -1 or end > duration + 1:
            return f"window [{start}, {end}] outside the video"
    return None


def _read_jsonl(path: Path) -> list:
    """Rows of a cache file; a missing or damaged file reads as empty (a miss)."""
    if not path.exists():
        return []
    try:
        return [row for _, row in iter_jsonl(path, "video cache entry")]
    except InputError as exc:
        log.warning("ignoring video cache entry: %s; it is rebuilt", exc)
        return []
