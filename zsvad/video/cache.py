"""Per-video cache of captions and clip embeddings.

Entries are keyed by the video file's content hash + backend + model + revision (+ prompt) +
sampling settings, so any change recomputes. Files live in ``video.cache_dir``
(``$ZSVAD_CACHE/video`` by default):

- ``<video_id>-<key>.captions.jsonl``: the captions JSONL format of :mod:`zsvad.io.captions`
  (``video_id, start, end, text, fps, num_frames`` plus ``window`` and model fields), so
  ``zsvad score --captions FILE`` re-scores them without any vision model;
- ``<video_id>-<key>.clip.jsonl``: one line per window with its base64 float32 embedding.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zsvad.ids import file_stem
from zsvad.paths import cache_dir
from zsvad.results.io import atomic_write_text
from zsvad.video.config import VideoConfig

_HASHES: dict[tuple[str, int, int], str] = {}


def file_hash(path: str | Path, chunk: int = 4 << 20) -> str:
    """SHA-256 of the file content (memoised per path, size and mtime within a process)."""
    st = os.stat(path)
    memo = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
    if memo not in _HASHES:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while block := f.read(chunk):
                h.update(block)
        _HASHES[memo] = h.hexdigest()
    return _HASHES[memo]


def sampling_key(cfg: VideoConfig) -> dict:
    """The sampling settings that change which frames a window holds."""
    return {
        "clip_seconds": cfg.clip_seconds,
        "stride_seconds": cfg.stride_seconds,
        "frames_per_clip": cfg.frames_per_clip,
        "resize": cfg.resize,
        "keyframes_only": cfg.keyframes_only,
    }


def entry_key(video_hash: str, kind: str, model: dict, cfg: VideoConfig) -> str:
    """Cache key of one kind (``captions`` / ``clip``) of entry."""
    payload = {"video": video_hash, "kind": kind, "model": model, "sampling": sampling_key(cfg)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


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

    def load_captions(self, path: Path) -> CachedWindows | None:
        rows = _read_jsonl(path)
        if not rows:
            return None
        n = max(r["window"] for r in rows) + 1
        out = CachedWindows(rows[0]["fps"], rows[0]["num_frames"], [], model=rows[0]["model"])
        out.texts = {r["window"]: r["text"] for r in rows}
        out.windows = [(0.0, 0.0)] * n
        for r in rows:
            out.windows[r["window"]] = (r["start"], r["end"])
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

    def load_embeddings(self, path: Path) -> CachedWindows | None:
        rows = _read_jsonl(path)
        if not rows:
            return None
        emb = np.stack(
            [np.frombuffer(base64.b64decode(r["embedding"]), dtype=np.float32) for r in rows]
        )
        return CachedWindows(
            rows[0]["fps"],
            rows[0]["num_frames"],
            [(r["start"], r["end"]) for r in rows],
            embeddings=emb,
            model=rows[0]["model"],
        )


def _read_jsonl(path: Path) -> list[dict]:
    """Rows of a cache file; a missing or damaged file reads as empty (a miss)."""
    try:
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    except (OSError, ValueError):
        return []
