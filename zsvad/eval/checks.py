"""Assertions on a run (``zsvad check TESTS.yaml``), as promptfoo's: windows that must score
high or low, prompts that must stay under a token budget. Each check passes or fails with one
line saying what was measured; the command exits 1 when any fails.

.. code-block:: yaml

    checks:
      - name: the robbery is caught
        video: Robbery102_x264
        windows: 3-5          # window indexes: 4, "3-5" or [3, 4, 7]
        min: 0.5              # and/or max: 0.3
        score: judge          # judge (the samples) or fused (the result files)
        agg: all              # every window (all), one (any), their max or mean
      - name: prompt fits the context
        prompt: yesno_logprob # id or id@version; every judged window's rendered prompt
        max_tokens: 600       # counted with --tokenizer (HF folder, id or GGUF file), else ~chars/4
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator

from zsvad.errors import ConfigError, InputError
from zsvad.strict import Strict


class Check(Strict):
    """One assertion: a score check (``video`` with ``min`` / ``max``) or a prompt-size check
    (``prompt`` with ``max_tokens``)."""

    name: str = ""
    """What it checks, in words (printed with the result)."""
    video: str | None = None
    """Video id of a score check."""
    windows: list[int] | None = None
    """Window indexes of the video (``4``, ``"3-5"``, ``[3, 4]``; none: every window)."""
    score: Literal["judge", "fused"] = "judge"
    """judge: the judge's score in the samples; fused: the window score in the result files."""
    agg: Literal["all", "any", "max", "mean"] = "all"
    """all: every window must pass; any: one must; max / mean: of their scores."""
    min: float | None = Field(None, ge=0, le=1)
    """Lowest allowed score."""
    max: float | None = Field(None, ge=0, le=1)
    """Highest allowed score."""
    prompt: str | None = None
    """Template id (any version) or id@version of a prompt-size check."""
    max_tokens: int | None = Field(None, ge=1)
    """Most tokens a rendered prompt (system + user) may have."""

    @field_validator("windows", mode="before")
    @classmethod
    def _windows(cls, value):
        if isinstance(value, int) or value is None or isinstance(value, list):
            return [value] if isinstance(value, int) else value
        lo, sep, hi = str(value).partition("-")
        if not sep:
            return [int(lo)]
        return list(range(int(lo), int(hi) + 1))

    def label(self) -> str:
        if self.name:
            return self.name
        if self.video is not None:
            bounds = " ".join(
                f"{k} {v:g}" for k, v in (("≥", self.min), ("≤", self.max)) if v is not None
            )
            return f"{self.video} windows {self.windows or 'all'} {self.score} {bounds}"
        return f"{self.prompt} under {self.max_tokens} tokens"


class CheckFile(Strict):
    """A checks file: a list of checks."""

    checks: list[Check] = Field(min_length=1)
    """The assertions, checked in order."""


@dataclass
class Outcome:
    check: Check
    ok: bool
    detail: str


def load_checks(path: str | Path) -> list[Check]:
    """The checks of a YAML file; ConfigError naming the file for a bad one."""
    from zsvad.safeyaml import load_file

    raw = load_file(Path(path), "checks file")
    try:
        checks = CheckFile.model_validate(raw).checks
    except ValidationError as exc:
        from zsvad.strict import problem

        raise ConfigError(f"invalid checks file: {problem(exc)}", source=path) from None
    for i, c in enumerate(checks):
        if (c.video is None) == (c.prompt is None):
            raise ConfigError(f"check {i + 1}: give either video (with min/max) or prompt")
        if c.video is not None and c.min is None and c.max is None:
            raise ConfigError(f"check {i + 1} ({c.video}): give min and/or max")
        if c.prompt is not None and c.max_tokens is None:
            raise ConfigError(f"check {i + 1} ({c.prompt}): give max_tokens")
    return checks


def _passes(c: Check, value: float) -> bool:
    return (c.min is None or value >= c.min) and (c.max is None or value <= c.max)


def check_scores(c: Check, scores: dict[int, float | None]) -> Outcome:
    """``scores``: the video's window index → score (None: not scored)."""
    wanted = c.windows if c.windows is not None else sorted(scores)
    missing = [w for w in wanted if scores.get(w) is None]
    if missing or not wanted:
        return Outcome(c, False, f"no {c.score} score for window(s) {missing or wanted}")
    got = [float(scores[w]) for w in wanted]  # type: ignore[arg-type]
    shown = ", ".join(f"w{w}={s:.3f}" for w, s in zip(wanted, got))
    if c.agg in ("all", "any"):
        hits = [_passes(c, s) for s in got]
        ok = all(hits) if c.agg == "all" else any(hits)
        return Outcome(c, ok, shown)
    value = max(got) if c.agg == "max" else sum(got) / len(got)
    return Outcome(c, _passes(c, value), f"{c.agg} {value:.3f} ({shown})")


def token_counter(tokenizer: str | None):
    """``count(system, user) -> (tokens, how)``: the tokenizer's count with its chat template
    (an HF folder or id, or a GGUF file, loaded offline), else about one token per 4 chars."""
    if not tokenizer:
        return lambda system, user: (math.ceil(len((system or "") + (user or "")) / 4), "≈chars/4")
    from zsvad.backends.llm_common import split_gguf
    from zsvad.extras import require

    tf = require("transformers", "counting tokens with --tokenizer")
    repo, gguf = split_gguf(tokenizer, None)
    try:
        tok = tf.AutoTokenizer.from_pretrained(repo, **({"gguf_file": gguf} if gguf else {}))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot load the tokenizer: {exc}", source=tokenizer) from None

    def count(system: str | None, user: str) -> tuple[int, str]:
        messages = ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": user}
        ]
        if tok.chat_template:
            ids = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
            if hasattr(ids, "keys"):  # newer transformers answer a BatchEncoding
                ids = ids["input_ids"]
        else:
            ids = tok.encode(((system or "") + "\n" + user).strip())
        return len(ids), Path(tokenizer).name

    return count


def check_prompt(c: Check, samples: list[dict], count) -> Outcome:
    """The longest rendered prompt of template ``c.prompt`` among the judge samples."""
    want = c.prompt or ""
    mine = [
        s
        for s in samples
        if (ref := str(s.get("prompt", "")).split(" ")[0]) == want or ref.split("@")[0] == want
    ]
    if not mine:
        return Outcome(c, False, f"no sample of prompt '{want}'")
    sizes = [(count(s.get("system"), s.get("user", ""))[0], s) for s in mine]
    most, worst = max(sizes, key=lambda t: t[0])
    how = count("", "")[1]
    where = f"{worst['video_id']} w{worst.get('window', '?')}"
    detail = f"longest {most} tokens ({how}) at {where}, {len(mine)} prompt(s)"
    return Outcome(c, most <= (c.max_tokens or 0), detail)


def judge_scores(samples: list[dict], video_id: str) -> dict[int, float | None]:
    """Window index → the judge's score of it, from a video's samples (an event's answer
    scores each of its windows)."""
    out: dict[int, float | None] = {}
    for s in samples:
        if s.get("video_id") != video_id or s.get("step", "judge") != "judge":
            continue
        for w in s.get("windows") or [s.get("window")]:
            if w is not None:
                out[int(w)] = s.get("score")
    return out


def run_checks(
    checks: list[Check],
    samples: list[dict] | None,
    fused: dict[str, dict[int, float]] | None,
    tokenizer: str | None = None,
) -> list[Outcome]:
    """Every check against the samples (judge scores, prompts) and results (fused scores)."""
    out = []
    count = None
    for c in checks:
        if c.prompt is not None:
            if samples is None:
                out.append(Outcome(c, False, "needs --samples"))
                continue
            count = count or token_counter(tokenizer)
            out.append(check_prompt(c, samples, count))
        elif c.score == "judge":
            if samples is None:
                out.append(Outcome(c, False, "needs --samples"))
                continue
            out.append(check_scores(c, judge_scores(samples, c.video or "")))
        else:
            if fused is None:
                out.append(Outcome(c, False, "needs --results"))
                continue
            out.append(check_scores(c, fused.get(c.video or "", {})))
    return out
