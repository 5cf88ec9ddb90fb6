"""The events a segment spans and their wording: one home for what a segment's explanation and
the report page say about its events, so the two always agree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from zsvad.clock import clock


class EventLike(Protocol):
    """What naming an event needs (a result's :class:`~zsvad.results.schema.Event`)."""

    start_frame: int
    end_frame: int
    start: float
    end: float
    score: float
    windows: int


def overlaps(event: EventLike, first: int, last: int) -> bool:
    """Whether ``event`` (frames inclusive) shares a frame with frames ``first``–``last``."""
    return event.end_frame >= first and event.start_frame <= last


def spanned(events: Sequence[EventLike], first: int, last: int) -> list[EventLike]:
    """The events that share a frame with frames ``first``–``last`` (inclusive), in order."""
    return [e for e in events if overlaps(e, first, last)]


def event_phrase(event: EventLike) -> str:
    """``00:32.0–01:01.0 (score 0.74, 12 windows)``."""
    times = f"{clock(event.start, tenths=True)}–{clock(event.end, tenths=True)}"
    count = "1 window" if event.windows == 1 else f"{event.windows} windows"
    return f"{times} (score {event.score:.2f}, {count})"


def events_label(events: Sequence[EventLike]) -> str:
    """``event`` for one event, ``events`` for several."""
    return "event" if len(events) == 1 else "events"


def events_phrase(events: Sequence[EventLike]) -> str:
    """``event A`` or ``events A · B`` (each as :func:`event_phrase`); ``""`` for none."""
    if not events:
        return ""
    return f"{events_label(events)} " + " · ".join(event_phrase(e) for e in events)
