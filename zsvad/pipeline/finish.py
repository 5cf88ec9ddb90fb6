"""Finish: scored windows → fused window scores → (event scores) → per-frame scores →
smoothing → segments with explanations. Pure functions of the windows, their events and the
settings: no model runs here. :func:`frame_curve` is the one home of the smoothed frame curve
(:func:`mark_audio`, the stage's last step, builds the curve without audio with it too)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from zsvad.audio.fusion import RAISED, has_audio, heard_note, raised_note, without_audio
from zsvad.config.fusion import FusionConfig
from zsvad.config.schema import ZsvadConfig
from zsvad.config.temporal import EventsConfig, TemporalConfig
from zsvad.fusion.rules import fuse_video
from zsvad.pipeline.components import WindowInput
from zsvad.pipeline.events import EventFinish
from zsvad.results.schema import Event, Segment, VideoResult, Window
from zsvad.temporal.frames import intervals_to_frames
from zsvad.temporal.segments import cut_segments
from zsvad.temporal.smoothing import gaussian_smooth


def fuse_windows(
    windows: list[WindowInput], fusion: FusionConfig, coarse: Collection[str] = ()
) -> list[Window]:
    """The windows of one video that got any component, with their components fused into one
    score (:func:`~zsvad.fusion.rules.fuse_video`; ``coarse``: components fused as a stream of
    their own, max(coarse, fine), see :func:`~zsvad.fusion.rules.fuse_streams`)."""
    scored = [w for w in windows if w.components]
    fused = fuse_video(
        [w.components for w in scored], [(w.start + w.end) / 2 for w in scored], fusion, coarse
    )
    return [
        Window(
            start=w.start,
            end=w.end,
            text=w.text,
            scores={k: round(v, 6) for k, v in w.components.items()},
            score=round(f, 6),
            evidence=w.evidence,
            rationale=w.rationale,
        )
        for w, f in zip(scored, fused)
    ]


@dataclass
class Curve:
    """A video's smoothed per-frame curve and the event pooling that shaped it."""

    smooth: np.ndarray
    """``num_frames`` smoothed scores (not clipped)."""
    events: EventFinish
    """The windows' events: their scores, merged fragments, segment scores, explanations."""


def frame_curve(
    windows: Sequence[Window],
    fps: float,
    num_frames: int,
    temporal: TemporalConfig,
    events: Sequence = (),
    events_cfg: EventsConfig | None = None,
) -> Curve:
    """The curve segments are cut from: window scores pulled towards their event's (with
    ``events`` and ``events_cfg`` on), spread over ``num_frames`` frames at ``fps`` (the
    windows' ``start``, ``end`` and ``score``), then smoothed."""
    ev = EventFinish(windows, events, fps, num_frames, events_cfg or EventsConfig(enabled=False))
    raw = intervals_to_frames(ev.intervals(), fps, num_frames, temporal)
    return Curve(gaussian_smooth(raw, temporal.smoothing_sigma_s, fps), ev)


@dataclass
class Finished:
    """Per-frame scores, segments and events of one video."""

    frame_scores: list[float]
    """``num_frames`` smoothed scores in [0, 1]."""
    segments: list[Segment]
    events: list[Event] = field(default_factory=list)


def finish(
    windows: list[Window],
    fps: float,
    num_frames: int,
    temporal: TemporalConfig,
    events: Sequence = (),
    events_cfg: EventsConfig | None = None,
) -> Finished:
    """Window scores spread over ``num_frames`` frames at ``fps``, smoothed, cut into segments,
    each explained by its strongest window. With ``events`` (and ``events_cfg`` on: see
    :class:`~zsvad.pipeline.events.EventFinish`) window scores are pulled towards their event's,
    fragments of one event become one segment, explained from the event's evidence."""
    curve = frame_curve(windows, fps, num_frames, temporal, events, events_cfg)
    ev, smooth = curve.events, curve.smooth
    segments = []
    for a, b in ev.segments(cut_segments(smooth, fps, temporal)):
        explanation, evidence = ev.explain(a, b)
        segments.append(
            Segment(
                start_frame=a,
                end_frame=b,
                start=round(a / fps, 3),
                end=round((b + 1) / fps, 3),
                score=round(ev.segment_score(smooth, a, b), 6),
                explanation=explanation,
                evidence=evidence,
            )
        )
    frame_scores = np.round(np.clip(smooth, 0.0, 1.0), 6).tolist()
    return Finished(frame_scores, segments, ev.records())


def mark_audio(result: VideoResult, config: ZsvadConfig, heard=None) -> VideoResult:
    """The finish stage's last step: set ``audio_raise`` on every segment of ``result``
    (when any window has audio components): its peak minus the peak of the same frames
    scored without audio. A segment raised by more than :data:`RAISED` gets what was heard
    appended to its explanation (``heard``: the :class:`~zsvad.audio.score.AudioScores` with
    the cue's details, or a dict of :class:`Cue` by window ``(start, end)``). Returns
    ``result``."""
    if not any(has_audio(w) for w in result.windows):
        return result
    cues = heard if isinstance(heard, dict) or heard is None else heard.cues_by_window()
    rest = without_audio(result.windows, config)
    fps, n = result.fps, result.num_frames
    curve = frame_curve(rest, fps, n, config.temporal, result.events, config.events)
    for seg in result.segments:
        a, b = seg.start_frame, seg.end_frame
        before = curve.events.segment_score(curve.smooth, a, b) if rest else 0.0
        seg.audio_raise = round(seg.score - before, 6)
        if seg.audio_raise > RAISED:
            said = heard_note(result.windows, cues or {}, seg.start, seg.end)
            seg.explanation += raised_note(seg.audio_raise, said)
    return result
