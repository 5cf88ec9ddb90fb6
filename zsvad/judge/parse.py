"""Turn an LLM answer into P(anomalous): log-probabilities, then choice, JSON, regex.

A failed parse returns ``score=None`` (the window gets no judge component); it is never turned
into 0. Any answer is read in bounded time and never raises: JSON of the wrong shape (a list, a
string, an object inside a list), nested past :data:`zsvad.jsonl.MAX_JSON_DEPTH`, integers too
large for a float, non-finite numbers or log-probabilities (``NaN``, ``+inf``) all read as a
failed parse.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from zsvad.backends.protocols import Generation
from zsvad.jsonl import depth_within
from zsvad.prompts.schema import OutputSpec

MAX_JSON_TRIES = 64
"""Most ``{`` positions of an answer tried as the start of its JSON object."""


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


def _expected(logprobs: dict[str, float], spec: OutputSpec) -> float | None:
    """The labels' expected value (:meth:`OutputSpec.value`) under the softmax of their
    log-probabilities: P(``positive``) for a yes/no question, the mean rating for a scale; None
    when they are not numbers (``NaN``, ``+inf``, booleans, text) or all ``-inf``."""
    values = list(logprobs.values())
    if not all(_is_number(v) and not math.isnan(v) and v != math.inf for v in values):
        return None
    top = max(values)
    if top == -math.inf:
        return None
    weights = {c: math.exp(v - top) for c, v in logprobs.items()}
    total = sum(weights.values())
    return min(1.0, max(0.0, sum(w * spec.value(c) for c, w in weights.items()) / total))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _match_choice(text: str, choices: list[str]) -> str | None:
    t = text.strip().strip(".!\"' ").lower()
    for c in choices:
        if t == c.lower():
            return c
    return None


def _number(raw: object, spec: OutputSpec) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        return None  # a list, object, null or true is no score
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a 400-digit integer
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
    """The first JSON object in ``text`` (at most :data:`MAX_JSON_TRIES` starts tried), or
    None; one nested deeper than :data:`zsvad.jsonl.MAX_JSON_DEPTH` is not read."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    for _ in range(MAX_JSON_TRIES):
        if start < 0:
            return None
        try:
            obj, _ = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):  # ValueError: also Python's int-digits limit
            obj = None
        if isinstance(obj, dict):
            return obj if depth_within(obj) else None
        start = text.find("{", start + 1)
    return None


def read_answer(spec: OutputSpec, gen: Generation) -> Verdict:
    """P(anomalous) from ``gen`` following ``spec``, by the most reliable means available;
    a score that is not a finite number in [0, 1] is a failed parse."""
    verdict = _read(spec, gen)
    if verdict.score is not None and not (
        _is_number(verdict.score) and 0.0 <= verdict.score <= 1.0
    ):  # NaN fails both comparisons
        return Verdict(
            None, "failed", verdict.rationale, f"score {verdict.score!r} is not in [0, 1]"
        )
    return verdict


def _read(spec: OutputSpec, gen: Generation) -> Verdict:
    text = gen.text if isinstance(gen.text, str) else ""
    if spec.type == "choices":
        choices = spec.choices or []
        lp = gen.choice_logprobs
        p = None
        if isinstance(lp, dict) and lp and all(c in lp for c in choices):
            p = _expected({c: lp[c] for c in choices}, spec)
        if p is not None:
            best = max(choices, key=lambda c: lp[c])
            what = f"P({spec.positive})" if spec.values is None else "expected rating"
            return Verdict(p, "logprobs", f"{best} ({what}={p:.2f})")
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
                plain = why is not None and not isinstance(why, (dict, list))
                return Verdict(value, "json", str(why) if plain else None)
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
