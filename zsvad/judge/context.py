"""Template variables of a judged window: its caption, neighbouring captions, evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zsvad.results.schema import Evidence

#: variables the judge can fill in; a template may use any subset of them
PROVIDED = {
    "captions": "window of captions: list of {start, end, text, target}",
    "caption": "text of the judged caption",
    "window": "{start, end} of the judged window, seconds",
    "neighbours": "retrieved memory captions: list of {text, label, category, similarity}",
    "anomalies": "user-defined anomaly descriptions (judge.anomalies)",
    "summary": "answer of the summary step (empty string without one)",
}


def caption_window(
    texts: Sequence[tuple[float, float, str | None]], index: int, span: int
) -> list[dict[str, Any]]:
    """Captions ``index - span … index + span`` (those with text), the judged one marked."""
    lo, hi = max(0, index - span), min(len(texts), index + span + 1)
    out = []
    for j in range(lo, hi):
        start, end, text = texts[j]
        if text:
            out.append({"start": start, "end": end, "text": text, "target": j == index})
    return out


def neighbour_dicts(evidence: Sequence[Evidence], n: int) -> list[dict[str, Any]]:
    """The ``n`` strongest pieces of evidence as plain dicts."""
    best = sorted(evidence, key=lambda e: -e.similarity)[:n]
    return [
        {"text": e.text, "label": e.label, "category": e.category, "similarity": e.similarity}
        for e in best
    ]


def window_variables(
    texts: Sequence[tuple[float, float, str | None]],
    index: int,
    span: int,
    evidence: Sequence[Evidence] = (),
    neighbours: int = 3,
    anomalies: Sequence[str] = (),
    summary: str = "",
) -> dict[str, Any]:
    """Every variable in :data:`PROVIDED` for window ``index`` of ``texts``."""
    start, end, text = texts[index]
    return {
        "captions": caption_window(texts, index, span),
        "caption": text or "",
        "window": {"start": start, "end": end},
        "neighbours": neighbour_dicts(evidence, neighbours),
        "anomalies": list(anomalies),
        "summary": summary,
    }
