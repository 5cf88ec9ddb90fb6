"""Template variables of a judged window: its caption, neighbouring captions, evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zsvad.prompts.fill import JUDGE_PROVIDED
from zsvad.results.schema import Evidence

PROVIDED = JUDGE_PROVIDED
"""Variables the judge fills (their one home: :data:`zsvad.prompts.fill.JUDGE_PROVIDED`)."""


@dataclass
class Unit:
    """What one judge request is about: a window (with its neighbours) or a whole event."""

    targets: list[int]
    """Windows the answer scores."""
    start: float
    """Start of what is judged, seconds."""
    end: float
    """End, seconds."""
    variables: dict[str, Any]
    """Template variables (all of :data:`PROVIDED`; ``summary`` empty)."""


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
    own = [{"start": start, "end": end, "text": text}] if text else []
    return {
        "captions": caption_window(texts, index, span),
        "caption": text or "",
        "window": {"start": start, "end": end},
        "neighbours": neighbour_dicts(evidence, neighbours),
        "anomalies": list(anomalies),
        "summary": summary,
        "event": {"start": start, "end": end, "captions": own, "windows": 1},
    }


def event_captions(
    texts: Sequence[tuple[float, float, str | None]], most: int
) -> list[dict[str, Any]]:
    """The captions of an event's windows in time order, a caption repeating the one before it
    dropped, at most ``most`` of them: evenly spaced, the first and last always kept."""
    caps: list[dict[str, Any]] = []
    for start, end, text in sorted(texts, key=lambda t: (t[0], t[1])):
        if not text:
            continue
        if caps and caps[-1]["text"] == text:
            caps[-1]["end"] = max(caps[-1]["end"], end)
            continue
        caps.append({"start": start, "end": end, "text": text})
    if len(caps) > most:
        keep = sorted({round(i * (len(caps) - 1) / max(most - 1, 1)) for i in range(most)})
        caps = [caps[i] for i in keep]
    return caps


def pooled_evidence(evidence: Sequence[Evidence]) -> list[Evidence]:
    """Evidence of several windows, each memory caption once (its highest similarity)."""
    best: dict[tuple[str, str], Evidence] = {}
    for e in evidence:
        key = (e.label, e.text)
        if key not in best or e.similarity > best[key].similarity:
            best[key] = e
    return sorted(best.values(), key=lambda e: -e.similarity)


def event_variables(
    texts: Sequence[tuple[float, float, str | None]],
    start: float,
    end: float,
    most: int,
    evidence: Sequence[Evidence] = (),
    neighbours: int = 3,
    anomalies: Sequence[str] = (),
) -> dict[str, Any]:
    """Every variable in :data:`PROVIDED` for an event from ``start`` to ``end`` s whose windows
    are ``texts``: ``event`` holds its captions in order; ``captions`` the same, all marked
    as judged, so window templates ask about the whole event; ``caption`` joins them."""
    caps = event_captions(texts, most)
    return {
        "captions": [c | {"target": True} for c in caps],
        "caption": " ".join(c["text"] for c in caps),
        "window": {"start": start, "end": end},
        "neighbours": neighbour_dicts(pooled_evidence(evidence), neighbours),
        "anomalies": list(anomalies),
        "summary": "",
        "event": {"start": start, "end": end, "captions": caps, "windows": len(texts)},
    }
