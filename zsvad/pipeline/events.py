"""The events stage of a video: boundaries found after retrieval (before the judge) from the
windows' embeddings, then, in ``finish``, event scores, window scores pulled towards them,
complete segments, segment scores and explanations. With events off (or none found) every step
does what ``finish`` always did."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zsvad.config.temporal import EventsConfig
from zsvad.pipeline.explain import explain_event_segment, explain_segment
from zsvad.results.schema import Event, Evidence, Window
from zsvad.temporal.complete import event_scores, merge_fragments, pulled, segment_score
from zsvad.temporal.events import EventSpan, detect, members
from zsvad.temporal.frames import frame_span
from zsvad.temporal.spanned import events_phrase, overlaps

#: the window attribute holding each source's vector
VECTOR = {"captions": "text_vector", "clip": "embedding"}


def source_of(windows: Sequence, cfg: EventsConfig) -> str:
    """The embeddings boundaries come from (``cfg.source``, ``auto`` resolved)."""
    if cfg.source != "auto":
        return cfg.source
    return "captions" if any(w.text_vector is not None for w in windows) else "clip"


def find_video_events(windows: Sequence, duration: float, cfg: EventsConfig) -> list[EventSpan]:
    """Events of one video from its windows' vectors (``WindowInput.text_vector``, the caption
    embedding retrieval scored, or ``.embedding``, the clip's); empty when events are off or no
    window has a vector of the source."""
    if not cfg.enabled:
        return []
    name = VECTOR[source_of(windows, cfg)]
    have = [w for w in windows if getattr(w, name) is not None]
    if not have:
        return []
    vecs = np.stack([np.asarray(getattr(w, name), dtype=np.float32) for w in have])
    return detect([w.start for w in have], [w.end for w in have], vecs, duration, cfg)


class EventFinish:
    """What ``finish`` does with a video's events (``start``, ``end``, ``strength`` each, in
    time order: :class:`EventSpan` or a result's :class:`Event`)."""

    def __init__(
        self,
        windows: list[Window],
        events: Sequence,
        fps: float,
        num_frames: int,
        cfg: EventsConfig,
    ):
        self.windows, self.fps, self.num_frames, self.cfg = windows, fps, num_frames, cfg
        self.events = list(events) if cfg.enabled else []
        self.member = members(self.events, [w.start for w in windows])
        self.scores = event_scores(
            [w.score for w in windows], self.member, len(self.events), cfg.aggregate, cfg.top_share
        )
        self.frames = [frame_span(e.start, e.end, fps, num_frames) for e in self.events]
        self.how = cfg.segment_score if self.events else "peak"
        """How segments are scored: ``events.segment_score`` with events, else the peak."""

    def intervals(self) -> list[tuple[float, float, float]]:
        """``(start, end, score)`` of each window for the frame curve: pulled towards its
        event's score by ``events.weight``."""
        moved = pulled([w.score for w in self.windows], self.member, self.scores, self.cfg.weight)
        return [(w.start, w.end, s) for w, s in zip(self.windows, moved)]

    def segments(self, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Segments cut from the curve, fragments of one event merged (``events.complete``)."""
        if not self.events or not self.cfg.complete:
            return spans
        return merge_fragments(spans, [a for a, _ in self.frames[1:]])

    def segment_score(self, curve: np.ndarray, first: int, last: int) -> float:
        """The score segment AP ranks by (``events.segment_score``; the peak without events)."""
        return segment_score(curve, first, last, self.how)

    def explain(self, first: int, last: int) -> tuple[str, list[Evidence]]:
        """Explanation and evidence of the segment of frames ``first``–``last`` (inclusive):
        it names the events the segment spans as the report page does (one wording,
        :func:`~zsvad.temporal.spanned.events_phrase`)."""
        start, end = first / self.fps, (last + 1) / self.fps
        records = self.records()
        over = [k for k, r in enumerate(records) if overlaps(r, first, last)]
        if not over:
            return explain_segment(self.windows, start, end)
        span = (self.events[over[0]].start, self.events[over[-1]].end)
        about = events_phrase([records[k] for k in over])
        return explain_event_segment(self.windows, start, end, span, about, self.cfg.top_share)

    def records(self) -> list[Event]:
        """The events as the result stores them."""
        out = []
        for k, (e, (a, b)) in enumerate(zip(self.events, self.frames)):
            out.append(
                Event(
                    start_frame=a,
                    end_frame=max(a, b - 1),
                    start=round(e.start, 6),
                    end=round(e.end, 6),
                    strength=round(float(e.strength), 6),
                    score=round(self.scores[k] or 0.0, 6),
                    windows=self.member.count(k),
                )
            )
        return out
