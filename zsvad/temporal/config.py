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
