"""Config of live mode (``zsvad watch``): causal scoring, alerts, backpressure, reconnects.

Window sampling, models, fusion and the memory are the ``video`` / model / ``fusion`` sections
that ``zsvad score`` uses, so a live window is scored exactly like the same window of a file.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from zsvad.config.base import Section


class LiveConfig(Section):
    """Scoring camera streams as they arrive (``zsvad watch``)."""

    smoothing: Literal["exponential", "gaussian", "none"] = "exponential"
    """Causal smoothing of the window scores: ``exponential`` (each new window moves the score
    a share ``1 - exp(-Δt / smoothing_s)`` of the way to its own score), ``gaussian`` (weighted
    mean of the windows of the last ``4 × smoothing_s`` seconds with a one-sided Gaussian of
    σ ``smoothing_s``) or ``none``. Neither looks at a window that has not been scored yet."""
    smoothing_s: float = Field(4.0, ge=0)
    """Time constant τ (exponential) or σ (gaussian) of the causal smoothing, seconds (0: off).
    Its mean delay, printed at start, is τ or σ·√(2/π): part of the alert latency. Default 4 s:
    on the dev caption sets the causal curve's AUC rises with τ up to ~5 s and AP peaks at
    3–5 s; 4 s is the middle of that range (figures: docs/live.md)."""
    threshold: float | None = Field(None, ge=0, le=1)
    """An alert opens when the causal score reaches this (None: ``temporal.threshold``)."""
    hysteresis: float = Field(0.05, ge=0, le=1)
    """An open alert counts as still active while the causal score stays at or above
    ``threshold - hysteresis`` (so a score hovering at the threshold does not flap)."""
    hold_s: float = Field(4.0, ge=0)
    """An alert closes once the causal score has stayed below ``threshold - hysteresis`` for
    this many seconds of stream time."""
    exact_tail: bool = True
    """Keep each camera's decoded frames of the last ``video.clip_seconds`` so that the window
    cut short by the end of a stream (a file's end, a disconnect) is sampled exactly as
    ``score`` samples a file's last window. Memory: ``clip_seconds × fps`` decoded frames per
    camera (figures in docs/live.md); false keeps only the sampled frames (that last window
    then reuses the frames it already has and may differ from ``score``'s)."""
    residual_s: float = Field(600.0, gt=0)
    """``retrieval.video_residual`` removes the mean of *all* of a video's caption embeddings,
    which a stream does not have: live mode removes the mean of the camera's captions of the
    last ``residual_s`` seconds of windows (this one included), so with a captioner and a
    residual above 0 the retrieval component differs from ``score``'s (see docs/live.md)."""
    audio_warmup_s: float = Field(10.0, ge=0)
    """With ``audio.cue``: seconds of a session's sound that the cue's baseline must span before
    the cue may fire (at most ``audio.baseline_s``); earlier windows get no ``audio_cue``.
    ``score`` looks ahead instead (the video's first ``baseline_s`` seconds), which a stream
    cannot: from the window whose baseline ``score`` takes from the past (``baseline_s / 2``
    into the video) on, both give the same cue (docs/audio.md)."""
    audio_lag_s: float = Field(2.0, ge=0)
    """A complete window waits in the reader for its sound (demuxed with the video, which may
    run ahead) until the video is this many seconds past the window's end; it is then scored
    with the sound heard so far (counted in ``audio_late``)."""
    backpressure: Literal["drop_oldest", "block"] = "drop_oldest"
    """When scoring is slower than a stream: ``drop_oldest`` keeps the newest ``max_pending``
    complete windows of each camera and skips (and counts) older ones, so the score stays
    current; ``block`` makes the reader wait (lossless, for files read faster than real time;
    a network stream then lags and may lose packets upstream). Files read without
    ``--realtime`` always use ``block``."""
    max_pending: int = Field(4, ge=1)
    """Complete windows of one camera waiting for the models, at most."""
    open_timeout_s: float = Field(10.0, gt=0)
    """Seconds to connect to a source (and read its header) before the attempt counts as
    failed."""
    read_timeout_s: float = Field(5.0, gt=0)
    """Seconds without data after which a stream counts as stalled and is reconnected."""
    reconnect_min_s: float = Field(1.0, gt=0)
    """First wait before reconnecting a lost stream, seconds; doubled after each failed
    attempt up to ``reconnect_max_s``, reset once a stream delivers frames again."""
    reconnect_max_s: float = Field(30.0, gt=0)
    """Longest wait between reconnection attempts, seconds."""
    max_bad_packets: int = Field(100, ge=1)
    """Consecutive packets that do not decode (garbage) before the stream is reconnected."""
    max_jump_s: float = Field(10.0, gt=0)
    """A frame time jumping back, or forward by more than this (seconds), starts a new session
    of the stream (camera restarts, timestamp wrap): pending windows are finished first."""
    rtsp_transport: Literal["tcp", "udp"] = "tcp"
    """RTSP transport (TCP: no packet loss behind NAT or on busy links)."""
    result_chunk_s: float = Field(600.0, gt=0)
    """Each camera's results go to one result file per this many seconds of stream
    (``OUT/<camera>/results/<camera>_<UTC start>.json``), so memory and files stay bounded."""
    flush_s: float = Field(10.0, gt=0)
    """The current result file of a camera is rewritten (atomically) at most this often, and
    at every alert and at shutdown."""
    keyframe_height: int = Field(240, ge=16)
    """Height of the JPEG keyframe written for each alert (its strongest window's middle
    frame), pixels."""
    webhook_url: str | None = None
    """URL receiving each alert and stream event as a JSON POST (``--webhook``); None: off."""
    webhook_timeout_s: float = Field(5.0, gt=0)
    """Timeout of one webhook request, seconds."""
    webhook_retries: int = Field(3, ge=0)
    """Retries of a failed webhook request (timeouts, connection errors, 429, 5xx), with
    exponential backoff from 0.5 s (at most 10 s)."""
    webhook_queue: int = Field(256, ge=1)
    """Events waiting for the webhook, at most; beyond, the oldest is dropped (and counted):
    a slow or dead receiver never holds up scoring."""
