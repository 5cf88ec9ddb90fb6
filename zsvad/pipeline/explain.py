"""Explanations of anomalous segments from their strongest window and evidence."""

from __future__ import annotations

from zsvad.clock import clock
from zsvad.judge.context import pooled_evidence
from zsvad.results.schema import Evidence, Window
from zsvad.temporal.events import TOLERANCE_S


def _window_parts(best: Window, anomalous: list[Evidence]) -> list[str]:
    """What a window says: its time, caption, nearest anomalous memory caption, judge, parts."""
    parts = [f"strongest window {clock(best.start)}–{clock(best.end)}"]
    if best.text:
        parts.append(f'"{best.text}"')
    if anomalous:
        e = anomalous[0]
        kind = f"{e.category}, " if e.category else ""
        parts.append(f'resembles "{e.text}" ({kind}similarity {e.similarity:.2f})')
    if best.rationale:
        parts.append(f"judge: {best.rationale}")
    components = ", ".join(f"{k} {v:.2f}" for k, v in sorted(best.scores.items()))
    parts.append(f"[window score parts: {components}]")
    return parts


def explain_segment(windows: list[Window], start: float, end: float) -> tuple[str, list[Evidence]]:
    """One sentence for the segment ``[start, end)`` s, from the highest-scoring window in it."""
    inside = [w for w in windows if w.end > start and w.start < end]
    if not inside:
        return "high anomaly score carried over from neighbouring windows", []
    best = max(inside, key=lambda w: w.score)
    anomalous = [e for e in best.evidence if e.label == "anomalous"]
    return " — ".join(_window_parts(best, anomalous)), best.evidence


def explain_event_segment(
    windows: list[Window],
    start: float,
    end: float,
    span: tuple[float, float],
    about: str,
    share: float = 0.25,
    keep: int = 5,
) -> tuple[str, list[Evidence]]:
    """One sentence for the segment ``[start, end)`` s whose events cover ``span`` = (start s,
    end s): its own time range and strongest caption first, then the nearest anomalous memory
    caption among the events' strongest evidence (pooled over their highest-scoring ``share``
    of windows, those in the segment when it has any), then ``about``: the events named as the
    report page names them (:func:`zsvad.temporal.spanned.events_phrase`)."""
    ev_start, ev_end = span
    in_event = [w for w in windows if ev_start <= w.start + TOLERANCE_S < ev_end]
    inside = [w for w in in_event if w.end > start and w.start < end] or in_event
    lead = f"segment {clock(start)}–{clock(end)}"
    if not inside:
        return f"{lead} — high anomaly score carried over from neighbouring windows — {about}", []
    ranked = sorted(inside, key=lambda w: -w.score)
    top = ranked[: max(1, int(round(share * len(ranked))))]
    evidence = pooled_evidence([e for w in top for e in w.evidence])
    anomalous = [e for e in evidence if e.label == "anomalous"]
    best = ranked[0]
    parts = _window_parts(best, anomalous)  # strongest window, "caption", …, [score parts]
    if best.text:
        lead += f': "{best.text}"'
        parts = [parts[0], *parts[2:]]
    return " — ".join([lead, *parts[:-1], about, parts[-1]]), evidence[:keep]
