"""Judge requests per event: one request per event, its captions in order (``events.judge:
events``), instead of one per window."""

from __future__ import annotations

from collections.abc import Sequence

from zsvad.config.judge import JudgeConfig
from zsvad.judge.context import Unit, event_variables
from zsvad.temporal.events import members


def event_units(
    windows: Sequence, events: Sequence, chosen: list[int], cfg: JudgeConfig, most: int
) -> list[Unit]:
    """A request per event holding at least one ``chosen`` window (the gate's choice); the
    answer scores every window of the event. ``windows`` have ``start``, ``end``, ``text`` and
    ``evidence``; ``events`` have ``start`` and ``end`` and tile the video in time order."""
    member = members(events, [w.start for w in windows])
    wanted = sorted({member[i] for i in chosen})
    units = []
    for k in wanted:
        idx = [i for i, m in enumerate(member) if m == k]
        texts = [(windows[i].start, windows[i].end, windows[i].text) for i in idx]
        evidence = [e for i in idx for e in windows[i].evidence]
        e = events[k]
        variables = event_variables(
            texts, e.start, e.end, most, evidence, cfg.neighbours, cfg.anomalies
        )
        units.append(Unit(idx, e.start, e.end, variables))
    return units
