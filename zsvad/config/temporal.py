"""Config of interval → frame expansion, smoothing and segment cutting."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from zsvad.config.base import Section


class TemporalConfig(Section):
    """Turning scored time windows into per-frame scores and anomalous segments."""

    overlap: Literal["mean", "max"] = "mean"
    """How scores of windows that overlap on a frame are combined."""
    gap_fill: Literal["video_min", "interpolate", "nearest", "constant"] = "video_min"
    """Frames no window covers. ``video_min`` (default): the lowest window score of the same
    video, i.e. a stretch nobody described is as unremarkable as the video's calmest described
    moment; ``interpolate``: linear between the neighbouring windows; ``nearest``: the nearest
    window's score; ``constant``: ``gap_value``. With ``video_min`` and ``constant``, gaps up to
    ``max_bridge_s`` are interpolated instead. Dense captions leave no gaps, so this matters for
    sparse (human) captions only. Not ``constant`` 0 (the earlier default): that scores every
    undescribed stretch as certainly normal, which encodes how one set of annotators chose what
    to describe, and did not transfer to held-out videos (figures: docs/captions_quality.md)."""
    gap_value: float = Field(0.0, ge=0, le=1)
    """Score of uncovered frames when ``gap_fill`` is ``constant`` (and of gaps longer than
    ``max_bridge_s``); also the score of every frame of a video with no window at all."""
    max_bridge_s: float = Field(5.0, ge=0)
    """With ``constant`` or ``video_min``, gaps up to this long (seconds) between two windows are
    bridged by linear interpolation, so a caption boundary does not cut a dip into an event."""
    smoothing_sigma_s: float = Field(5.0, ge=0)
    """Standard deviation of the Gaussian smoothing, in seconds (0 disables it). In seconds, not
    windows, so caption density does not change it. Default 5 s: the middle of a flat region of
    the dev grid, where neighbouring widths score the same (figures: docs/memory.md)."""
    threshold: float = Field(0.5, ge=0, le=1)
    """Frames whose smoothed score is at least this are anomalous; segments are cut there."""
    min_segment_s: float = Field(1.0, ge=0)
    """Segments shorter than this (seconds) are dropped."""
    merge_gap_s: float = Field(2.0, ge=0)
    """Segments separated by less than this (seconds) are merged."""


class EventsConfig(Section):
    """Events: stretches of a video between points where its content changes, found from how
    window embeddings change (no training; EventVAD-style boundaries, LEC-VAD-style complete
    segments). Method, figures and what was tuned on what: docs/events.md."""

    enabled: bool = True
    """Find events and use them (aggregated scores, complete segments, ``result.events``, the
    report's event band); ``false`` scores as before events existed (same config hash). On by
    default: out of fold it scored better on both dev caption sets, and segments come out
    whole (figures: docs/events.md)."""
    source: Literal["auto", "captions", "clip"] = "auto"
    """Embeddings the boundaries come from: ``captions`` (the caption embeddings retrieval
    computed, nothing is embedded twice), ``clip`` (the CLIP clip embeddings of the video path),
    or ``auto``: captions where any window has one, else clip."""
    context_s: float = Field(2.0, gt=0)
    """Seconds of windows on each side of a boundary whose mean embeddings are compared (the
    novelty at a boundary is one minus their cosine similarity); converted to windows by the
    video's median window length (at least one)."""
    smooth_s: float = Field(3.0, ge=0)
    """Length of the Savitzky–Golay filter (quadratic) over the novelty curve, seconds
    (converted to an odd number of windows; below 3 windows no smoothing)."""
    k_mad: float = Field(1.5, ge=0)
    """A boundary is a local maximum of the smoothed novelty above median + ``k_mad`` · MAD
    (scaled to a standard deviation) of the video's own curve: adaptive per video."""
    min_event_s: float = Field(3.0, ge=0)
    """Events shorter than this (seconds) are merged into a neighbour across their weaker
    boundary."""
    max_event_s: float = Field(20.0, ge=0)
    """Events longer than this (seconds) are split at their highest novelty (keeping both parts
    at least ``min_event_s`` long) until none is longer, where they can be; 0: never split.
    Sparse captions give a novelty curve of a few points that rarely crosses the threshold;
    without a cap one event then holds most of a video."""
    aggregate: Literal["top_mean", "max", "mean"] = "top_mean"
    """Score of an event from its windows' fused scores: ``top_mean``, the mean of the highest
    ``top_share`` of them (a robust maximum); ``max``; ``mean``."""
    top_share: float = Field(0.25, gt=0, le=1)
    """Share of an event's windows ``top_mean`` averages (at least one window)."""
    weight: float = Field(0.5, ge=0, le=1)
    """How much of each window's score is its event's score before frames are computed:
    ``(1 - weight) · window + weight · event`` (0: window scores as they are; 1: every window
    of an event scores as the event)."""
    complete: bool = True
    """Complete segments: segments cut from the frame curve that fall in one event (fragments
    of it) are merged into one segment."""
    segment_score: Literal["peak", "outer_inner"] = "peak"
    """Score of a segment (what segment AP ranks by): ``peak``, the highest smoothed score in
    it; ``outer_inner``, its mean smoothed score minus the mean over a margin of a quarter of
    its length on each side (AutoLoc's outer-inner contrast, as LEC-VAD ranks instances)."""
    judge: Literal["windows", "events"] = "windows"
    """What the LLM judge is asked about: each window with its neighbours (``windows``), or
    each event as a whole, one request per event with its captions in order (``events``; the
    answer scores every window of the event). Only with ``judge.backend`` set."""
    judge_max_captions: int = Field(24, ge=1)
    """Most captions of one event put in its judge request: longer events are sampled evenly,
    in order (the first and last always kept); consecutive repeats are dropped first."""
