"""The judge's samples (``--log-samples``): ground truth and correctness added after a run, and
two runs' samples paired window by window (``zsvad diff A B --samples``).

A sample's ground-truth ``label`` is 1 when at least half of its frames (``start``-``end`` at
the video's fps) are anomalous in the annotation, else 0 (None: the video has no ground truth);
``correct`` says whether ``score >= threshold`` agrees with it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zsvad.atomic import atomic_write_text
from zsvad.errors import InputError

SAMPLES_FILE = "samples.jsonl"
"""Name a result folder's samples go by (``zsvad compare`` writes it; ``diff --samples`` looks
for it in a folder)."""


def samples_path(path: str | Path) -> Path:
    """A samples file, or ``samples.jsonl`` in a result folder (InputError when missing)."""
    p = Path(path)
    if p.is_dir():
        p = p / SAMPLES_FILE
        if not p.is_file():
            raise InputError(
                f"no {SAMPLES_FILE} in this folder: pass the file written by --log-samples",
                source=path,
            )
    elif not p.is_file():
        raise InputError("samples file not found", source=path)
    return p


def read_samples(path: str | Path) -> list[dict[str, Any]]:
    """The records of a samples file; a line that is not a JSON object is an InputError naming
    the file and line."""
    p = samples_path(path)
    out = []
    with open(p, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"not JSON: {exc.msg}", source=p, line=lineno) from exc
            if not isinstance(row, dict) or "video_id" not in row:
                raise InputError("not a judge sample (no video_id)", source=p, line=lineno)
            out.append(row)
    return out


def window_label(annotation, fps: float, start: float, end: float) -> int:
    """1 when at least half the frames of ``start``-``end`` s are anomalous, else 0."""
    first = max(0, math.floor(start * fps))
    last = max(first, math.ceil(end * fps) - 1)
    frames = annotation.labels(last + 1)[first : last + 1]
    return int(frames.mean() >= 0.5) if len(frames) else 0


def label_samples(
    path: str | Path, annotations: dict, fps: dict[str, float], threshold: float
) -> int:
    """Add ``label``, ``gt_class``, ``threshold`` and ``correct`` to the judge samples of
    ``path`` (rewritten in place); returns how many got a label."""
    p = Path(path)
    rows = read_samples(p)
    labelled = 0
    for row in rows:
        if row.get("step", "judge") != "judge":
            continue
        ann = annotations.get(row["video_id"])
        rate = fps.get(row["video_id"])
        row["threshold"] = threshold
        if ann is None or not rate:
            row.update(label=None, gt_class=None, correct=None)
            continue
        label = window_label(ann, rate, float(row["start"]), float(row["end"]))
        score = row.get("score")
        row["label"], row["gt_class"] = label, ann.category
        row["correct"] = None if score is None else (score >= threshold) == bool(label)
        labelled += 1
    atomic_write_text(p, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return labelled


@dataclass
class SamplePair:
    """One window judged in both runs."""

    video_id: str
    window: int
    start: float
    end: float
    score_a: float | None
    score_b: float | None
    label: int | None
    correct_a: bool | None
    correct_b: bool | None
    answer_a: str
    answer_b: str

    @property
    def delta(self) -> float:
        return (self.score_b or 0.0) - (self.score_a or 0.0)


@dataclass
class SamplesDiff:
    """Two runs' judge samples paired by (video, window)."""

    threshold: float
    prompts_a: list[str]
    prompts_b: list[str]
    pairs: list[SamplePair] = field(default_factory=list)
    only_a: int = 0
    only_b: int = 0

    def flipped(self) -> list[SamplePair]:
        """Pairs whose decision (``score >= threshold``) differs, largest change first."""
        t = self.threshold
        out = [p for p in self.pairs if _decide(p.score_a, t) != _decide(p.score_b, t)]
        return sorted(out, key=lambda p: -abs(p.delta))

    def by_label(self) -> dict[str, dict[str, Any]]:
        """Per ground truth (``anomalous``, ``normal``, ``no label``): windows, flips, correct
        in A and in B, fixed (wrong in A, right in B), broken (right in A, wrong in B), and
        the mean score in A and in B (``mean_a``, ``mean_b``; unreadable answers left out)."""
        t = self.threshold
        names = {1: "anomalous", 0: "normal", None: "no label"}
        out: dict[str, dict[str, Any]] = {}
        for p in self.pairs:
            row = out.setdefault(
                names[p.label],
                {"windows": 0, "flips": 0, "correct_a": 0, "correct_b": 0, "fixed": 0, "broken": 0},
            )
            row["windows"] += 1
            row["flips"] += _decide(p.score_a, t) != _decide(p.score_b, t)
            row["correct_a"] += bool(p.correct_a)
            row["correct_b"] += bool(p.correct_b)
            row["fixed"] += p.correct_a is False and p.correct_b is True
            row["broken"] += p.correct_a is True and p.correct_b is False
        for name, row in out.items():
            mine = [p for p in self.pairs if names[p.label] == name]
            for side in ("a", "b"):
                got = [getattr(p, f"score_{side}") for p in mine]
                got = [x for x in got if x is not None]
                row[f"mean_{side}"] = sum(got) / len(got) if got else None
        return out


def _decide(score: float | None, threshold: float) -> bool | None:
    return None if score is None else score >= threshold


def _correct(score: float | None, label: int | None, threshold: float) -> bool | None:
    if score is None or label is None:
        return None
    return (score >= threshold) == bool(label)


def _judged(rows: Iterable[dict]) -> dict[tuple[str, int], dict]:
    out = {}
    for r in rows:
        if r.get("step", "judge") == "judge" and "window" in r:
            out[(str(r["video_id"]), int(r["window"]))] = r
    return out


def pair_samples(a: list[dict], b: list[dict], threshold: float | None = None) -> SamplesDiff:
    """Pair the judge samples of two runs by video and window index. ``threshold``: the
    decision threshold (None: the one the samples were labelled at, else 0.5); correctness
    is recomputed at it from each window's label (either run's)."""
    ja, jb = _judged(a), _judged(b)
    if threshold is None:
        found = [r.get("threshold") for r in (*ja.values(), *jb.values()) if r.get("threshold")]
        threshold = float(found[0]) if found else 0.5
    refs_a = sorted({str(r.get("prompt")) for r in ja.values()})
    refs_b = sorted({str(r.get("prompt")) for r in jb.values()})
    d = SamplesDiff(threshold, refs_a, refs_b)
    for key in sorted(set(ja) & set(jb)):
        ra, rb = ja[key], jb[key]
        label = ra.get("label") if ra.get("label") is not None else rb.get("label")
        sa, sb = ra.get("score"), rb.get("score")
        d.pairs.append(
            SamplePair(
                key[0],
                key[1],
                float(ra.get("start", 0.0)),
                float(ra.get("end", 0.0)),
                sa,
                sb,
                label,
                _correct(sa, label, threshold),
                _correct(sb, label, threshold),
                str(ra.get("answer", "")),
                str(rb.get("answer", "")),
            )
        )
    d.only_a = len(set(ja) - set(jb))
    d.only_b = len(set(jb) - set(ja))
    return d
