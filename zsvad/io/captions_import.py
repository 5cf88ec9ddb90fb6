"""Captions written by other systems → zsvad's timed-captions JSONL.

Both formats are a folder of ``<video>.json`` files, one per video, keyed by frame index:

- ``urf`` (URF, VADTree): ``{"0": "caption", "16": "caption", …}``;
- ``lavad``: the same for LAVAD's raw captions, or its cleaned captions
  ``{"0": {"3": "caption", "7": "caption", …}, "16": {…}}`` (the captions of the frames sampled
  around each key; their distinct texts are joined by a space, in frame order).

A caption at key ``k`` covers frames ``k`` up to the next key; the last one covers as many
frames as the median step between keys (16 for a video with one caption). A video's frame count
comes from the LAVAD / URF test list when one is given (``name start end label``:
``end - start + 1``), else it is the last key plus that step. Empty captions are skipped.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from statistics import median

from zsvad.errors import InputError
from zsvad.io.videos import video_id_from_name

FORMATS = ("urf", "lavad")
DEFAULT_STEP = 16
"""Frames of the last caption of a video with a single caption (both tools caption every 16th
frame by default)."""


def _text(value: object, fmt: str, path: Path, key: str) -> str:
    if isinstance(value, str):
        return value.strip()
    if fmt == "lavad" and isinstance(value, dict):
        texts = []
        for k in sorted(value, key=lambda k: _frame(k, path)):
            t = value[k]
            if not isinstance(t, str):
                raise InputError(f"caption {key}/{k} is not a string", source=path)
            if t.strip() and t.strip() not in texts:
                texts.append(t.strip())
        return " ".join(texts)
    want = "a string or an object of strings" if fmt == "lavad" else "a string"
    raise InputError(f"caption at frame {key} is not {want}", source=path)


def _frame(key: str, path: Path) -> int:
    try:
        frame = int(key)
    except ValueError:
        raise InputError(f"key {key!r} is not a frame index", source=path) from None
    if frame < 0:
        raise InputError(f"negative frame index {frame}", source=path)
    return frame


def read_frame_captions(path: str | Path, fmt: str) -> dict[int, str]:
    """``{frame index: caption}`` of one per-video JSON file."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read captions: {exc}", source=path) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", source=path, line=exc.lineno) from exc
    if not isinstance(raw, dict) or not raw:
        raise InputError("expected a non-empty object keyed by frame index", source=path)
    return {_frame(k, path): _text(v, fmt, path, k) for k, v in raw.items()}


def read_frame_counts(path: str | Path) -> dict[str, int]:
    """Frame counts from a LAVAD / URF test list (``name start end label``)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the test list: {exc}", source=path) from exc
    out = {}
    for lineno, line in enumerate(lines, start=1):
        f = line.split()
        if not f:
            continue
        try:
            start, end = int(f[1]), int(f[2])
        except (IndexError, ValueError):
            raise InputError("expected 'name start end label'", source=path, line=lineno) from None
        if end < start:
            raise InputError(f"bad frame range {start}..{end}", source=path, line=lineno)
        out[video_id_from_name(Path(f[0]).name)] = end - start + 1
    return out


def video_rows(
    video_id: str, captions: dict[int, str], fps: float, num_frames: int | None, source: Path
) -> list[dict]:
    """zsvad caption rows of one video."""
    keys = sorted(captions)
    steps = [b - a for a, b in pairwise(keys)]
    step = int(median(steps)) if steps else DEFAULT_STEP
    n = num_frames if num_frames is not None else keys[-1] + step
    if keys[-1] >= n:
        raise InputError(
            f"caption at frame {keys[-1]} lies past the video's {n} frames", source=source
        )
    rows = []
    for i, k in enumerate(keys):
        end = min(keys[i + 1] if i + 1 < len(keys) else k + step, n)
        if captions[k]:
            rows.append(
                {
                    "video_id": video_id,
                    "start": round(k / fps, 6),
                    "end": round(end / fps, 6),
                    "text": captions[k],
                    "fps": fps,
                    "num_frames": n,
                }
            )
    return rows


def import_captions(
    directory: str | Path, fmt: str, fps: float, test_list: str | Path | None = None
) -> list[dict]:
    """Caption rows of every ``<video>.json`` in ``directory`` (sorted by video id)."""
    directory = Path(directory)
    if fmt not in FORMATS:
        raise InputError(f"unknown captions format {fmt!r} (one of {', '.join(FORMATS)})")
    if not fps > 0:
        raise InputError(f"--fps must be positive, got {fps}")
    if not directory.is_dir():
        raise InputError("captions folder not found", source=directory)
    files = sorted(directory.glob("*.json"))
    if not files:
        raise InputError("no <video>.json caption files in the folder", source=directory)
    counts = read_frame_counts(test_list) if test_list else None
    rows = []
    for f in files:
        vid = video_id_from_name(f.stem)
        n = None
        if counts is not None:
            if vid not in counts:
                raise InputError(f"video {vid!r} is not in the test list {test_list}", source=f)
            n = counts[vid]
        rows += video_rows(vid, read_frame_captions(f, fmt), fps, n, f)
    return rows
