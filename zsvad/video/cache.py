"""Per-video cache of captions and clip embeddings.

Entries are keyed by the video file's content hash + backend + model + revision (+ prompt) +
sampling settings, so any change recomputes. Files live in ``video.cache_dir``
(``$ZSVAD_CACHE/video`` by default):

- ``<video_id>-<key>.captions.jsonl``: the captions JSONL format of :mod:`zsvad.io.captions`
  (``video_id, start, end, text, fps, num_frames`` plus ``window`` and model fields), so
  ``zsvad score --captions FILE`` re-scores them without any vision model;
- ``<video_id>-<key>.clip.jsonl``: one line per window with its base64 float32 embedding.

Every row carries what its entry was made for: its ``key`` (so an entry copied or renamed from
another video, model or sampling is never trusted) and the decoded ``duration``; captions rows
also the window count. Entries are verified on load (:func:`check_entry`: key, fps and frame
count against the probed video, duration against them, each window on the sampling grid of
``stride_seconds`` / ``clip_seconds`` and none after the one that reaches the end, vector
dimension, finite values); one that fails is ignored with a warning and rebuilt, never used and
never fatal. An entry is only written when the file's content hash is the same after decoding
as before (a video that changes while it is read leaves no entry); a cache folder that cannot
be written is a warning and the run goes on without caching.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zsvad.cachefile import save_cache_file
from zsvad.config.video import VideoConfig
from zsvad.errors import InputError
from zsvad.hashing import stable_hash
from zsvad.ids import file_stem
from zsvad.io.captions import MAX_NUM_FRAMES
from zsvad.jsonl import iter_jsonl
from zsvad.logs import get_logger
from zsvad.paths import cache_dir
from zsvad.video.probe import VideoInfo
from zsvad.video.windows import EPS

log = get_logger(__name__)
FRAME_TOLERANCE = 0.1
"""How far (fraction) a cached frame count may be from the container's before the entry is
distrusted (containers may report an estimate; decoding counts the real frames)."""
MIN_STRIDE_S = 0.05
"""Fewest seconds between two windows' starts an entry may claim (bounds its window count)."""
GRID_TOLERANCE = 1e-4
"""Seconds a cached window's start or end may be off the sampling grid (times are rounded)."""


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
    duration: float = 0.0
    """Decoded length of the video (s) the windows were planned on."""


class VideoCache:
    """Reads and writes the entries of one cache directory."""

    def __init__(self, cfg: VideoConfig):
        self.cfg = cfg
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
        *,
        key: str,
        duration: float,
    ) -> None:
        lines = []
        for i, ((start, end), text) in enumerate(zip(windows, texts)):
            if not text or not text.strip():
                continue  # the captions format has no empty captions
            row = {"video_id": video_id, "start": start, "end": end, "text": text}
            row |= {"fps": fps, "num_frames": num_frames, "window": i, "model": model}
            row |= {"key": key, "duration": duration, "windows": len(windows)}
            lines.append(json.dumps(row, ensure_ascii=False))
        if lines:
            save_cache_file(path, "\n".join(lines) + "\n", "video cache entry")

    def load_captions(
        self, path: Path, info: VideoInfo | None = None, key: str | None = None
    ) -> CachedWindows | None:
        """The captions entry at ``path``, or None (a miss) when absent or when it fails
        :func:`check_entry` against ``key`` and the probed video ``info`` (logged; it is
        rebuilt)."""
        rows = _read_jsonl(path)
        if not rows:
            return None
        try:
            first = rows[0]
            n = first["windows"]
            out = _entry(first)
            problem = None
            if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
                problem = f"window count {n!r}"
            elif any(not isinstance(r, dict) or r.get("windows") != n for r in rows):
                problem = "rows disagree on the window count"
            elif any(isinstance(r["window"], bool) or not isinstance(r["window"], int)
                     or not 0 <= r["window"] < n for r in rows):  # fmt: skip
                problem = f"a window index outside 0..{n - 1}"
            elif len({r["window"] for r in rows}) != len(rows):
                problem = "a window given twice"
            elif not all(isinstance(r["text"], str) for r in rows):
                problem = "a caption that is not text"
            if problem is None:
                spans = [(r["window"], float(r["start"]), float(r["end"])) for r in rows]
                problem = check_entry(out, rows, info, n, key, spans, self.cfg)
            if problem is None:
                out.texts = {r["window"]: r["text"] for r in rows}
                out.windows = grid_windows(n, out.duration, self.cfg)  # also the empty ones
                for i, a, b in spans:
                    out.windows[i] = (a, b)
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
        *,
        key: str,
        duration: float,
    ) -> None:
        emb = np.ascontiguousarray(embeddings, dtype=np.float32)
        lines = []
        for (start, end), vec in zip(windows, emb):
            row = {"video_id": video_id, "start": start, "end": end, "fps": fps}
            row |= {"num_frames": num_frames, "dim": int(emb.shape[1]), "model": model}
            row |= {"key": key, "duration": duration}
            row["embedding"] = base64.b64encode(vec.tobytes()).decode("ascii")
            lines.append(json.dumps(row))
        save_cache_file(path, "\n".join(lines) + "\n", "video cache entry")

    def load_embeddings(
        self,
        path: Path,
        info: VideoInfo | None = None,
        dim: int | None = None,
        key: str | None = None,
        every_window: bool = True,
    ) -> CachedWindows | None:
        """The embedding entry at ``path``, or None (a miss) when absent or when it fails
        :func:`check_entry` (against ``key``, the probed video ``info`` and, with
        ``every_window``, one row per window of the grid in order; else, as for audio, a
        subset of them) or holds vectors of another dimension than ``dim`` or non-finite ones
        (logged; it is rebuilt)."""
        rows = _read_jsonl(path)
        if not rows:
            return None
        try:
            out = _entry(rows[0])
            out.windows = [(float(r["start"]), float(r["end"])) for r in rows]
            order = range(len(rows)) if every_window else [None] * len(rows)
            spans = [(i, a, b) for i, (a, b) in zip(order, out.windows)]
            problem = check_entry(out, rows, info, len(rows), key, spans, self.cfg)
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


def _entry(first: dict) -> CachedWindows:
    return CachedWindows(
        first["fps"], first["num_frames"], [], model=first["model"], duration=first["duration"]
    )


def grid_windows(n: int, duration: float, cfg: VideoConfig) -> list[tuple[float, float]]:
    """The first ``n`` windows of the sampling grid of a video of ``duration`` seconds."""
    out = []
    for i in range(n):
        start = i * cfg.stride_seconds
        out.append((round(start, 6), round(min(start + cfg.clip_seconds, duration), 6)))
    return out


def check_grid(
    spans: list[tuple[int | None, float, float]], duration: float, cfg: VideoConfig
) -> str | None:
    """Why windows ``(index or None, start, end)`` are not windows the sampler plans for a video
    of ``duration`` s, or None: each starts on the ``stride_seconds`` grid (at its index, when
    known) inside the video, lasts at most ``clip_seconds``, indexes increase, and only the
    last may reach the end (planning stops there: a window after it is an extra one)."""
    stride, clip, tol = cfg.stride_seconds, cfg.clip_seconds, GRID_TOLERANCE
    last = -1
    reached = False
    for index, start, end in spans:
        if not (math.isfinite(start) and math.isfinite(end)) or start < -tol:
            return f"window [{start}, {end}] outside the video"
        k = round(start / stride) if index is None else index
        if abs(start - k * stride) > tol or k <= last:
            return f"window [{start}, {end}] is not window {k} of the sampling grid"
        if not start < end <= start + clip + tol:
            return f"window [{start}, {end}] is not one of {clip:g} s"
        if reached or (k > 0 and start >= duration - EPS):
            return f"window [{start}, {end}] starts after the video's end ({duration:g} s)"
        reached = end >= duration - EPS + 1e-5
        last = k
    return None


def check_entry(
    entry: CachedWindows,
    rows: list,
    info: VideoInfo | None,
    n_windows: int,
    key: str | None = None,
    spans: list[tuple[int | None, float, float]] | None = None,
    cfg: VideoConfig | None = None,
) -> str | None:
    """Why an entry cannot be trusted for the probed video ``info``, or None.

    Every row must be an object with the entry's ``key`` (when given), fps, frame count and
    duration; these must match the video's (frame count within :data:`FRAME_TOLERANCE` of the
    container's, which may be an estimate) and each other; the windows (``spans``) must be the
    sampler's (:func:`check_grid`) and no more than the duration allows.
    """
    if key is not None and any(not isinstance(r, dict) or r.get("key") != key for r in rows):
        return "made for another video, model or sampling (key differs), or by an older zsvad"
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
    d = entry.duration
    if isinstance(d, bool) or not isinstance(d, (int, float)) or not math.isfinite(d) or d <= 0:
        return f"duration {d!r}"
    if any(r.get("duration") != d for r in rows):
        return "rows disagree on the duration"
    if abs(d - n / fps) > 0.02 * d + 2 / fps:
        return f"duration {d:g} s does not match {n} frames at {fps:g} fps"
    if spans is not None and cfg is not None:
        problem = check_grid(spans, d, cfg)
        if problem:
            return problem
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
