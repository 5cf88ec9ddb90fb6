"""Turn an LLM answer into P(anomalous): log-probabilities, then choice, JSON, regex.

A failed parse returns ``score=None`` (the window gets no judge component); it is never turned
into 0.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from zsvad.backends.protocols import Generation
from zsvad.prompts.schema import OutputSpec


@dataclass(frozen=True)
class Verdict:
    """The judge's reading of one answer."""

    score: float | None
    """P(anomalous) in [0, 1], or None when the answer could not be read."""
    method: str
    """logprobs, choice, json, regex, or failed."""
    rationale: str | None = None
    problem: str | None = None
    """Why parsing failed."""


def _expected(logprobs: dict[str, float], spec: OutputSpec) -> float:
    """The labels' expected value (:meth:`OutputSpec.value`) under the softmax of their
    log-probabilities: P(``positive``) for a yes/no question, the mean rating for a scale."""
    top = max(logprobs.values())
    weights = {c: math.exp(v - top) for c, v in logprobs.items()}
    total = sum(weights.values())
    return min(1.0, max(0.0, sum(w * spec.value(c) for c, w in weights.items()) / total))


def _match_choice(text: str, choices: list[str]) -> str | None:
    t = text.strip().strip(".!\"' ").lower()
    for c in choices:
        if t == c.lower():
            return c
    return None


def _number(raw: str, spec: OutputSpec) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value) or value < 0 or value > spec.max_value:
        return None
    return value / spec.max_value


def _regex(text: str, spec: OutputSpec, patterns: list[str]) -> Verdict | None:
    for pattern in patterns:
        m = re.search(pattern, text)
        if not m:
            continue
        raw = m.group(1)
        if spec.type == "choices":
            label = _match_choice(raw, spec.choices or [])
            if label is not None:
                return Verdict(spec.value(label), "regex", text)
            continue
        value = _number(raw, spec)
        if value is not None:
            return Verdict(value, "regex", text)
    return None


def _first_json_object(text: str) -> dict | None:
    decoder = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch != "{":
            continue
        try:
            obj, _ = decoder.raw_decode(text[i:])
        except ValueError:
            continue
        if isinstance(obj, dict):
            return obj
    return None


def read_answer(spec: OutputSpec, gen: Generation) -> Verdict:
    """P(anomalous) from ``gen`` following ``spec``, by the most reliable means available."""
    text = gen.text or ""
    if spec.type == "choices":
        choices = spec.choices or []
        lp = gen.choice_logprobs
        if lp and all(c in lp for c in choices):
            p = _expected({c: lp[c] for c in choices}, spec)
            what = f"P({spec.positive})" if spec.values is None else "expected rating"
            return Verdict(p, "logprobs", f"{_best(lp)} ({what}={p:.2f})")
        label = _match_choice(text, choices)
        if label is not None:
            return Verdict(spec.value(label), "choice", f"answered {label}")
        default = [r"(?i)\b(" + "|".join(re.escape(c) for c in choices) + r")\b"]
        found = _regex(text, spec, spec.patterns or default)
        if found:
            return found
        return Verdict(None, "failed", text, f"no choice of {choices} in the answer")
    if spec.type == "json":
        obj = _first_json_object(text)
        if obj is not None and spec.score_field in obj:
            value = _number(obj[spec.score_field], spec)
            if value is not None:
                why = obj.get(spec.rationale_field) if spec.rationale_field else None
                return Verdict(value, "json", str(why) if why is not None else None)
        found = _regex(text, spec, spec.patterns)
        if found:
            return found
        return Verdict(None, "failed", text, f"no JSON object with a valid '{spec.score_field}'")
    if spec.type == "regex":
        found = _regex(text, spec, spec.patterns)
        if found:
            return found
        return Verdict(None, "failed", text, "no pattern matched")
    raise ValueError(f"output type {spec.type!r} is not scored")


def _best(lp: dict[str, float]) -> str:
    return max(lp, key=lp.__getitem__)
