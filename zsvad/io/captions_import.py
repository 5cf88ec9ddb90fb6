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

Every file is hostile: one that is not a regular file (a fifo, socket, device or folder named
``*.json``) is skipped with a warning without being opened; one that cannot be read (not JSON,
nested deeper than :data:`zsvad.jsonl.MAX_JSON_DEPTH`, wrong shape) is reported and the others
are still imported; ``fps`` must be a finite number up to :data:`zsvad.io.captions.MAX_FPS`.
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from statistics import median

from zsvad.errors import InputError
from zsvad.io.captions import MAX_FPS, MAX_NUM_FRAMES
from zsvad.io.videos import video_id_from_name
from zsvad.jsonl import read_json_file
from zsvad.paths import read_text_file

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
    raw = read_json_file(path, "captions")
    if not isinstance(raw, dict) or not raw:
        raise InputError("expected a non-empty object keyed by frame index", source=path)
    return {_frame(k, path): _text(v, fmt, path, k) for k, v in raw.items()}


def read_frame_counts(path: str | Path) -> dict[str, int]:
    """Frame counts from a LAVAD / URF test list (``name start end label``)."""
    path = Path(path)
    lines = read_text_file(path, "test list").splitlines()
    out = {}
    for lineno, line in enumerate(lines, start=1):
        f = line.split()
        if not f:
            continue
        try:
            start, end = int(f[1]), int(f[2])
        except (IndexError, ValueError):
            raise InputError("expected 'name start end label'", source=path, line=lineno) from None
        if start < 0 or end < start or end - start + 1 > MAX_NUM_FRAMES:
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
    if n > MAX_NUM_FRAMES:
        raise InputError(f"{n} frames, over the limit of {MAX_NUM_FRAMES}", source=source)
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


@dataclass
class ImportedCaptions:
    """What :func:`import_captions` made of a folder."""

    rows: list[dict] = field(default_factory=list)
    """Caption rows of the files read, sorted by video id."""
    errors: list[InputError] = field(default_factory=list)
    """One-line error of each file that could not be imported (the others still are)."""
    skipped: list[str] = field(default_factory=list)
    """``*.json`` entries that are not regular files (never opened), with what they are."""


def _special(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file (a fifo, …), None for a regular file;
    found with ``stat``, which never opens it."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    kinds = {stat.S_ISFIFO: "a fifo", stat.S_ISSOCK: "a socket", stat.S_ISDIR: "a folder"}
    return next((name for test, name in kinds.items() if test(mode)), "a device")


def import_captions(
    directory: str | Path, fmt: str, fps: float, test_list: str | Path | None = None
) -> ImportedCaptions:
    """Caption rows of every ``<video>.json`` in ``directory``: a file that fails is reported
    in ``errors`` and the others imported; when none can be imported, the first file's error
    is raised (:class:`InputError`)."""
    directory = Path(directory)
    if fmt not in FORMATS:
        raise InputError(f"unknown captions format {fmt!r} (one of {', '.join(FORMATS)})")
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not math.isfinite(fps):
        raise InputError(f"--fps must be a finite number, got {fps}")
    if not 0 < fps <= MAX_FPS:
        raise InputError(f"--fps must be in (0, {MAX_FPS:g}], got {fps}")
    if not directory.is_dir():
        raise InputError("captions folder not found", source=directory)
    found = sorted(directory.glob("*.json"))
    if not found:
        raise InputError("no <video>.json caption files in the folder", source=directory)
    counts = read_frame_counts(test_list) if test_list else None
    out = ImportedCaptions()
    for f in found:
        kind = _special(f)
        if kind is not None:
            out.skipped.append(f"{f}: {kind}, skipped")
            continue
        try:
            out.rows += _file_rows(f, fmt, fps, counts, test_list)
        except InputError as exc:
            out.errors.append(exc)
    if not out.rows and out.errors:
        raise out.errors[0]
    if not out.rows and not out.errors:
        raise InputError("no regular <video>.json caption files in the folder", source=directory)
    return out


def _file_rows(
    f: Path, fmt: str, fps: float, counts: dict[str, int] | None, test_list: str | Path | None
) -> list[dict]:
    vid = video_id_from_name(f.stem)
    n = None
    if counts is not None:
        if vid not in counts:
            raise InputError(f"video {vid!r} is not in the test list {test_list}", source=f)
        n = counts[vid]
    return video_rows(vid, read_frame_captions(f, fmt), fps, n, f)
