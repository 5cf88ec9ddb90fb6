"""Judgments written by other tools → zsvad's judgments JSONL (:mod:`zsvad.io.judgments`).

Both formats are a folder of one file per video, named after it:

- ``urf`` (URF, VADTree): ``<video>.json``, ``{"<frame index>": score, …}``, one score per
  caption, keyed by the caption's first frame. A judgment covers the frames of the caption it
  judged: from its key to the next key (at most ``span_frames`` when given); the last one
  ``span_frames`` frames, by default the median step between keys (16 for a video with one key),
  cut at the video's frame count when a test list gives it (as ``zsvad captions import``).
- ``frames`` (LAVAD-style per-frame scores): ``<video>.npy`` (a 1-D numeric array) or
  ``<video>.json`` (a list of numbers), one score per frame; runs of equal consecutive scores
  become one span.

Scores must be finite numbers in [0, 1]. Every file is checked on its own: a bad one (too large,
not JSON, a non-finite or out-of-range score, a bad video id) is reported, naming the file and
the key or frame, and the others are imported.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from statistics import median

import numpy as np

from zsvad.errors import InputError
from zsvad.ids import id_problem
from zsvad.io.captions_import import DEFAULT_STEP, _frame, read_frame_counts
from zsvad.io.npy import load_npy
from zsvad.io.videos import video_id_from_name
from zsvad.paths import read_text_file

FORMATS = ("urf", "frames")
MAX_FILE_BYTES = 64 << 20
"""Largest per-video file read (64 MiB: 8 M float64 frames, 74 h at 30 fps)."""
MAX_INT_DIGITS = 20


@dataclass
class Imported:
    """Rows of the files that could be read, and one error per file that could not."""

    rows: list[dict] = field(default_factory=list)
    videos: int = 0
    errors: list[InputError] = field(default_factory=list)


def _bad_score(value: object) -> bool:
    return (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (math.isfinite(value) and 0.0 <= value <= 1.0)
    )


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"integer of {len(text)} digits")
    return int(text)


def _load_json(path: Path) -> object:
    """A JSON file of at most :data:`MAX_FILE_BYTES`; ``NaN``/``Infinity`` are read as floats
    (so the check of each score names its key)."""
    text = read_text_file(path, "judgments file", max_bytes=MAX_FILE_BYTES)
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise InputError(f"file over the limit of {MAX_FILE_BYTES:,} bytes", source=path)
    try:
        return json.loads(text, parse_int=_int, parse_constant=float)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", source=path, line=exc.lineno) from exc
    except (ValueError, RecursionError) as exc:
        raise InputError(f"not valid JSON ({exc})", source=path) from exc


def read_urf_scores(path: Path) -> dict[int, float]:
    """``{frame index: score}`` of one URF-style file."""
    raw = _load_json(path)
    if not isinstance(raw, dict) or not raw:
        raise InputError("expected a non-empty object of scores keyed by frame index", source=path)
    out = {}
    for key, value in raw.items():
        if _bad_score(value):
            raise InputError(
                f"score at frame {key!r} is {value!r}: not a finite number in [0, 1]", source=path
            )
        out[_frame(key, path)] = float(value)
    return out


def read_frame_scores(path: Path) -> np.ndarray:
    """One score per frame, from a ``.npy`` array or a JSON list."""
    if path.suffix == ".npy":
        if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"file over the limit of {MAX_FILE_BYTES:,} bytes", source=path)
        arr = load_npy(path, "judgments file", MAX_FILE_BYTES // 4, kinds="iuf")
        if arr.ndim == 2 and 1 in arr.shape:
            arr = arr.reshape(-1)
        if arr.ndim != 1 or arr.dtype.kind not in "fiu":
            raise InputError(
                f"expected a 1-D numeric array, got {arr.dtype} {arr.shape}", source=path
            )
        values = arr.astype(float)
    else:
        raw = _load_json(path)
        if not isinstance(raw, list):
            raise InputError("expected a JSON list of per-frame scores", source=path)
        for i, value in enumerate(raw):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError(f"score of frame {i} is {value!r}: not a number", source=path)
        values = np.asarray(raw, dtype=float)
    if not len(values):
        raise InputError("no scores", source=path)
    bad = np.flatnonzero(~(np.isfinite(values) & (values >= 0) & (values <= 1)))
    if len(bad):
        i = int(bad[0])
        raise InputError(
            f"score of frame {i} is {values[i]}: not a finite number in [0, 1]", source=path
        )
    return values


def urf_spans(
    scores: dict[int, float], span_frames: int | None, num_frames: int | None
) -> list[tuple[int, int, float]]:
    """(first frame, end frame exclusive, score) of each key (see the module docstring)."""
    keys = sorted(scores)
    steps = [b - a for a, b in pairwise(keys)]
    last = span_frames or (int(median(steps)) if steps else DEFAULT_STEP)
    out = []
    for i, k in enumerate(keys):
        end = keys[i + 1] if i + 1 < len(keys) else k + last
        if span_frames:
            end = min(end, k + span_frames)
        if num_frames is not None:
            end = min(end, num_frames)
        if end > k:
            out.append((k, end, scores[k]))
    return out


def frame_spans(values: np.ndarray) -> list[tuple[int, int, float]]:
    """(first frame, end frame exclusive, score) of each run of equal consecutive scores."""
    cuts = np.flatnonzero(np.diff(values) != 0) + 1
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts, [len(values)]])
    return [(int(a), int(b), float(values[a])) for a, b in zip(starts, ends)]


def _files(directory: Path, fmt: str) -> list[Path]:
    suffixes = (".json",) if fmt == "urf" else (".json", ".npy")
    return sorted(
        p for p in directory.iterdir() if p.suffix in suffixes and not p.name.startswith(".")
    )


def import_judgments(
    directory: str | Path,
    fmt: str,
    fps: float,
    *,
    model: str | None = None,
    span_frames: int | None = None,
    test_list: str | Path | None = None,
) -> Imported:
    """Judgment rows of every per-video file in ``directory`` (sorted by video id, then
    time); a file that cannot be imported is an error of its own (see the module docstring)."""
    directory = Path(directory)
    if fmt not in FORMATS:
        raise InputError(f"unknown judgments format {fmt!r} (one of {', '.join(FORMATS)})")
    if not (math.isfinite(fps) and fps > 0):
        raise InputError(f"--fps must be positive, got {fps}")
    if span_frames is not None and span_frames < 1:
        raise InputError(f"--span-frames must be at least 1, got {span_frames}")
    if not directory.is_dir():
        raise InputError("judgments folder not found", source=directory)
    files = _files(directory, fmt)
    if not files:
        kinds = "<video>.json" if fmt == "urf" else "<video>.npy or <video>.json"
        raise InputError(f"no {kinds} files in the folder", source=directory)
    counts = read_frame_counts(test_list) if test_list else None
    out = Imported()
    seen: dict[str, Path] = {}
    for f in files:
        vid = video_id_from_name(f.stem)
        try:
            problem = id_problem(vid)
            if problem:
                raise InputError(f"video id: {problem}", source=f)
            if vid in seen:
                raise InputError(f"same video as {seen[vid].name}", source=f)
            seen[vid] = f
            if fmt == "urf":
                n = counts.get(vid) if counts is not None else None
                spans = urf_spans(read_urf_scores(f), span_frames, n)
            else:
                spans = frame_spans(read_frame_scores(f))
        except InputError as exc:
            out.errors.append(exc)
            continue
        out.videos += 1
        for a, b, score in spans:
            row = {"video_id": vid, "start": round(a / fps, 6), "end": round(b / fps, 6)}
            row["score"] = score
            if model:
                row["model"] = model
            out.rows.append(row)
    out.rows.sort(key=lambda r: (r["video_id"], r["start"]))
    return out
