"""Judgments files: per-window anomaly scores an LLM (or any other judge) gave, as JSONL.

One row a line: ``{"video_id", "start", "end", "score", "model"?, "rationale"?}``; ``start`` /
``end`` in seconds, ``score`` in [0, 1] (or ``null``: the window was seen and not judged, which
``--save-judgments`` writes for gated-out windows and unreadable answers), ``model`` the name of
the model that judged, ``rationale`` its short reason. Other keys are ignored. ``zsvad judgments
import`` writes such files from other tools' outputs (:mod:`zsvad.io.judgments_import`); a run
with a live judge writes one with ``--save-judgments`` (:func:`judgment_rows`).

Reading follows the captions file's rules (:mod:`zsvad.io.captions`): a malformed line (not
JSON, over 1 MiB, ``NaN``) stops the read with an error naming the file and line; a row with a
problem that concerns its video only (bad id, score outside [0, 1], empty or reversed span)
marks that video as failed, and the others are read. A later row with the same video, start and
end replaces an earlier one (a run appended again, or a resumed batch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zsvad.errors import InputError
from zsvad.hashing import content_hash
from zsvad.ids import id_problem
from zsvad.jsonl import iter_jsonl

MAX_SECONDS = 1e8
"""Largest start/end a judgment may claim (≈ 3 years)."""
MAX_TEXT_CHARS = 4096
"""Longest ``model`` / ``rationale`` kept (longer ones are cut)."""
MAX_ROWS = 20_000_000
"""Most rows a judgments file may hold (they are kept in memory: a few GB at most); per-frame
scores of longer archives are merged into runs by ``zsvad judgments import``."""


@dataclass(frozen=True)
class Judgment:
    """One judged time span of a video."""

    start: float
    end: float
    score: float | None
    """In [0, 1]; None: the span was seen and not judged."""
    model: str | None = None
    rationale: str | None = None


@dataclass
class JudgmentsFile:
    """Judgments read from a file, by video; the videos rejected with their error."""

    path: Path
    videos: dict[str, list[Judgment]]
    """Each video's judgments, sorted by (start, end)."""
    errors: dict[str, InputError]
    content_hash: str
    """:func:`~zsvad.hashing.content_hash` (full) of the file: what results depend on, not the
    path (:func:`zsvad.identity.judge_identity`)."""
    meaningless: bool = False
    """True when a row says its model was a fake or random-weight one (``"meaningless": true``,
    which ``--save-judgments`` writes for such models)."""

    def scores(self) -> list[float]:
        """Every judged span's score (spans seen and not judged left out)."""
        return [j.score for js in self.videos.values() for j in js if j.score is not None]

    @property
    def models(self) -> list[str]:
        """Models named by the rows (sorted; rows without one are not counted)."""
        names = {j.model for js in self.videos.values() for j in js if j.model}
        return sorted(names)


def _number(row: dict, key: str) -> float | None:
    value = row.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _text(row: dict, key: str, path: Path, lineno: int) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"field '{key}' is not a string", source=path, line=lineno)
    return value[:MAX_TEXT_CHARS] or None


def _row_problem(row: dict) -> str | None:
    """The first problem of a row's span and score, or None."""
    start, end = _number(row, "start"), _number(row, "end")
    if start is None or end is None:
        return "start and end must be numbers (seconds)"
    if not (0 <= start < end <= MAX_SECONDS):
        return f"span [{start}, {end}] s is empty, reversed, negative or too long"
    if "score" not in row:
        return "missing field 'score'"
    score = row["score"]
    if score is None:
        return None
    if _number(row, "score") is None:
        return f"score {score!r} is not a number"
    if not (math.isfinite(score) and 0.0 <= score <= 1.0):
        return f"score {score} is not in [0, 1]"
    return None


def read_judgments(path: str | Path) -> JudgmentsFile:
    """Read a judgments JSONL file; see the module docstring for error handling."""
    path = Path(path)
    by_span: dict[str, dict[tuple[float, float], Judgment]] = {}
    errors: dict[str, InputError] = {}
    meaningless = False
    for lineno, row in iter_jsonl(path, "judgments file"):
        if lineno > MAX_ROWS:
            raise InputError(f"more than {MAX_ROWS:,} lines", source=path, line=lineno)
        if not isinstance(row, dict):
            raise InputError("line is not a JSON object", source=path, line=lineno)
        vid = row.get("video_id")
        if not isinstance(vid, str):
            raise InputError("missing or non-string field 'video_id'", source=path, line=lineno)
        if vid in errors:
            continue
        problem = id_problem(vid) or _row_problem(row)
        if problem:
            errors[vid] = InputError(f"video '{vid}': {problem}", source=path, line=lineno)
            by_span.pop(vid, None)
            continue
        score = row["score"]
        j = Judgment(
            float(row["start"]),
            float(row["end"]),
            None if score is None else float(score),
            _text(row, "model", path, lineno),
            _text(row, "rationale", path, lineno),
        )
        by_span.setdefault(vid, {})[(j.start, j.end)] = j
        meaningless |= row.get("meaningless") is True
    if not by_span and not errors:
        raise InputError("judgments file holds no judgments", source=path)
    videos = {
        vid: sorted(js.values(), key=lambda j: (j.start, j.end)) for vid, js in by_span.items()
    }
    return JudgmentsFile(path, videos, errors, content_hash(path, "full"), meaningless)


@dataclass
class Match:
    """A window's judgment: the score, and the rationale of its largest-overlap judgment."""

    score: float
    rationale: str | None = None
    judgments: int = 1
    """Judgments that went into it."""


MIN_OVERLAP = 0.01
"""Overlaps shorter than this share of the shorter of the two spans are rounding of times (a
caption's end written to 4 decimals against a judgment's to 6), not overlaps."""


class Timeline:
    """One video's judgments, ready to be matched to windows (:meth:`match`)."""

    def __init__(self, judgments: list[Judgment]):
        self.judgments = judgments
        self.exact = {}
        for j in judgments:
            self.exact.setdefault((j.start, j.end), []).append(j)
        scored = [j for j in judgments if j.score is not None]
        self.scored = scored
        self.starts = np.array([j.start for j in scored], dtype=float)
        self.ends = np.array([j.end for j in scored], dtype=float)

    def match(self, start: float, end: float) -> Match | None:
        """The judgment of the window ``[start, end)`` s.

        A judgment with exactly the window's span is taken as is (a replayed
        ``--save-judgments`` file: its scores come back exactly; a ``null`` score there leaves
        the window unjudged). Otherwise the mean of the judgments overlapping the window, each
        weighted by its overlap in seconds (overlaps under :data:`MIN_OVERLAP` of the shorter
        span are not counted); None when no judgment overlaps it."""
        exact = self.exact.get((start, end))
        if exact:
            scored = [j for j in exact if j.score is not None]
            if not scored:
                return None
            best = scored[-1]
            mean = best.score if len(scored) == 1 else sum(j.score for j in scored) / len(scored)
            return Match(mean, best.rationale, len(scored))
        overlap = np.minimum(end, self.ends) - np.maximum(start, self.starts)
        shorter = np.minimum(end - start, self.ends - self.starts)
        idx = np.flatnonzero((overlap > 0) & (overlap >= MIN_OVERLAP * shorter))
        if not len(idx):
            return None
        picked = [self.scored[i] for i in idx]
        weights = [float(overlap[i]) for i in idx]
        if len(picked) == 1:
            score = picked[0].score
        else:
            score = sum(w * j.score for w, j in zip(weights, picked)) / sum(weights)
        top = max(range(len(picked)), key=lambda k: weights[k])
        reason = picked[top].rationale or next((j.rationale for j in picked if j.rationale), None)
        return Match(float(min(1.0, max(0.0, score))), reason, len(picked))


def judgment_rows(
    video_id: str, windows, model: str | None, meaningless: bool = False
) -> list[dict]:
    """``--save-judgments`` rows of a video's windows (each with ``start``, ``end``,
    ``components`` and ``rationale``): the judged ones with their score, the others with
    ``score: null``, so that replaying the file gives every window what it got."""
    rows = []
    for w in windows:
        row = {"video_id": video_id, "start": float(w.start), "end": float(w.end)}
        row["score"] = w.components.get("judge")
        if model:
            row["model"] = model
        if w.rationale and row["score"] is not None:
            row["rationale"] = w.rationale
        if meaningless:
            row["meaningless"] = True
        rows.append(row)
    return rows
