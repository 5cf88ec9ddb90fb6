"""Schema of a per-video result file (``DIR/<video_id>.json``).

Bump :data:`SCHEMA_VERSION` on any incompatible change.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_serializer, model_validator

from zsvad.strict import Strict

MEANINGLESS = "scores are meaningless: produced with fake or random-weight models"
"""The warning of a result (and of a run) whose :attr:`Provenance.meaningless` is set."""

SCHEMA_VERSION = "1"


class _Optional(Strict):
    """A model whose :attr:`_left_out` fields are left out of its files while None, so results
    that do not use them (e.g. no audio) are written exactly as before those fields existed."""

    _left_out: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _leave_out_none(self, handler):
        data = handler(self)
        for name in self._left_out:
            if name in data and data[name] is None:
                del data[name]
        return data


class Evidence(_Optional):
    """A memory caption retrieved for a window (or another piece of supporting evidence)."""

    text: str
    """The memory caption."""
    label: Literal["normal", "anomalous"]
    """Its label in the memory."""
    similarity: float
    """Cosine similarity to the query."""
    category: str | None = None
    """Anomaly category (or activity kind for normal captions)."""
    scene: str | None = None
    """Scene the caption was written for."""
    query: str | None = None
    """The caption (or sentence) that retrieved it."""
    modality: Literal["audio"] | None = None
    """``audio``: a caption of the memory's audio section retrieved by the window's sound
    (CLAP); left out (None) for memory captions retrieved by a caption or the frames."""

    _left_out: ClassVar[tuple[str, ...]] = ("modality",)


class Window(Strict):
    """A scored time window: a caption and/or a sampled clip."""

    start: float
    """Start, seconds."""
    end: float
    """End, seconds."""
    text: str | None = None
    """Caption of the window, if any."""
    scores: dict[str, float]
    """Score of each component (retrieval, clip, judge, …), each in [0, 1]."""
    score: float
    """Fused score in [0, 1]."""
    evidence: list[Evidence] = []
    """Strongest retrieved neighbours."""
    rationale: str | None = None
    """The judge's short rationale, when a judge ran."""


class Segment(_Optional):
    """A contiguous run of anomalous frames."""

    start_frame: int
    """First anomalous frame (0-based, inclusive)."""
    end_frame: int
    """Last anomalous frame (inclusive)."""
    start: float
    """Start, seconds."""
    end: float
    """End, seconds (exclusive: ``(end_frame + 1) / fps``)."""
    score: float
    """Peak smoothed score inside the segment (with ``events.segment_score: outer_inner``, its
    mean minus the mean of its surroundings: -1 to 1)."""
    explanation: str
    """One sentence saying why the segment was flagged."""
    evidence: list[Evidence] = []
    """Evidence behind the explanation."""
    audio_raise: float | None = None
    """How much the audio components raised the segment's peak: ``score`` minus the peak of the
    same frames scored without them (pooled over the same events; with ``events.segment_score:
    outer_inner``, that score instead of the peak; docs/audio.md); left out (None) when no window
    had any."""

    _left_out: ClassVar[tuple[str, ...]] = ("audio_raise",)

    @model_validator(mode="after")
    def _ordered(self) -> Segment:
        if self.end_frame < self.start_frame:
            raise ValueError("end_frame must not precede start_frame")
        return self


class Event(Strict):
    """A stretch of the video between two boundaries where its content changes (``events``
    config); events tile the video."""

    start_frame: int
    """First frame (0-based, inclusive)."""
    end_frame: int
    """Last frame (inclusive)."""
    start: float
    """Start, seconds."""
    end: float
    """End, seconds (exclusive)."""
    strength: float
    """Smoothed novelty of the boundary that opens the event (0 for the first): how much the
    content changed there (cosine distance, 0–2)."""
    score: float
    """The event's score, aggregated from its windows' fused scores (``events.aggregate``)."""
    windows: int
    """Scored windows whose centre lies in the event."""

    @model_validator(mode="after")
    def _ordered(self) -> Event:
        if self.end_frame < self.start_frame:
            raise ValueError("end_frame must not precede start_frame")
        return self


class ModelRecord(Strict):
    """A model used for the result."""

    role: str
    backend: str
    model: str
    revision: str | None = None
    meaningless: bool = False
    parameters: int | None = None
    """Parameter count of the loaded weights (None: unknown, e.g. a remote model)."""


class MemoryRecord(Strict):
    """The memory retrieved from."""

    name: str
    version: str
    content_hash: str
    size: int


class Provenance(Strict):
    """What produced a result, enough to reproduce it."""

    zsvad_version: str
    created_at: str
    """UTC ISO-8601 timestamp."""
    config: dict[str, Any]
    """The full config the result was produced with."""
    config_hash: str
    """Hash of what the result depends on besides the input (:mod:`zsvad.identity`): scoring
    settings, the content of the files the config names, the scoring code's version; devices,
    batch sizes and cache folders are left out. A batch's result folder is named by it."""
    models: list[ModelRecord] = []
    memory: MemoryRecord | None = None
    meaningless: bool = False
    """True when any model is a fake or random-weight model: the scores carry no meaning."""
    warnings: list[str] = []
    prompts: list[str] = []
    """Prompt templates used, as ``id@version sha256:<content hash>`` (judge, then summary)."""
    source: str | None = None
    """Input the result was computed from (video path or captions file)."""
    stats: dict[str, Any] = {}
    """Counters of the run (windows, LLM calls, parse failures, timings…)."""


class VideoResult(Strict):
    """Per-frame scores, segments and explanations of one video."""

    schema_version: str = SCHEMA_VERSION
    video_id: str
    fps: float = Field(gt=0)
    num_frames: int = Field(gt=0)
    frame_scores: list[float]
    """Exactly ``num_frames`` smoothed, fused scores in [0, 1]."""
    segments: list[Segment] = []
    windows: list[Window] = []
    events: list[Event] = []
    """Events in time order (empty unless ``events.enabled``)."""
    provenance: Provenance

    @field_validator("frame_scores")
    @classmethod
    def _finite_unit(cls, v: list[float]) -> list[float]:
        for i, x in enumerate(v):
            if not (math.isfinite(x) and 0.0 <= x <= 1.0):
                raise ValueError(f"frame_scores[{i}] = {x} is not a finite number in [0, 1]")
        return v

    @model_validator(mode="after")
    def _lengths(self) -> VideoResult:
        if len(self.frame_scores) != self.num_frames:
            raise ValueError(
                f"frame_scores has {len(self.frame_scores)} values, num_frames is {self.num_frames}"
            )
        for s in self.segments:
            if s.end_frame >= self.num_frames:
                raise ValueError(f"segment ends at frame {s.end_frame} >= {self.num_frames}")
        for e in self.events:
            if e.end_frame >= self.num_frames:
                raise ValueError(f"event ends at frame {e.end_frame} >= {self.num_frames}")
        return self
