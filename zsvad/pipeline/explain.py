"""Explanations of anomalous segments from their strongest window and evidence."""

from __future__ import annotations

from zsvad.clock import clock
from zsvad.results.schema import Evidence, Window


def explain_segment(windows: list[Window], start: float, end: float) -> tuple[str, list[Evidence]]:
    """One sentence for the segment ``[start, end)`` s, from the highest-scoring window in it."""
    inside = [w for w in windows if w.end > start and w.start < end]
    if not inside:
        return "high anomaly score carried over from neighbouring windows", []
    best = max(inside, key=lambda w: w.score)
    parts = [f"strongest window {clock(best.start)}–{clock(best.end)}"]
    if best.text:
        parts.append(f'"{best.text}"')
    anomalous = [e for e in best.evidence if e.label == "anomalous"]
    if anomalous:
        e = anomalous[0]
        kind = f"{e.category}, " if e.category else ""
        parts.append(f'resembles "{e.text}" ({kind}similarity {e.similarity:.2f})')
    if best.rationale:
        parts.append(f"judge: {best.rationale}")
    components = ", ".join(f"{k} {v:.2f}" for k, v in sorted(best.scores.items()))
    parts.append(f"[window score parts: {components}]")
    return " — ".join(parts), best.evidence
