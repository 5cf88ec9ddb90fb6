"""The whole configuration, one section per pipeline stage."""

from __future__ import annotations

from pydantic import Field

from zsvad.config.audio import AudioConfig
from zsvad.config.base import Section, Setting
from zsvad.config.fusion import FusionConfig
from zsvad.config.judge import JudgeConfig
from zsvad.config.live import LiveConfig
from zsvad.config.memory import EmbedderConfig, MemoryConfig, RetrievalConfig
from zsvad.config.privacy import PrivacyConfig
from zsvad.config.temporal import EventsConfig, TemporalConfig
from zsvad.config.video import CaptionerConfig, ImageEmbedderConfig, VideoConfig


class ZsvadConfig(Section):
    """Everything a run depends on; recorded (with its hash) in every result."""

    profile: str = Setting("default", role="runtime")
    """Name of the profile this config was built from (informational: its values are in)."""
    embedder: EmbedderConfig = Field(default_factory=EmbedderConfig)
    """Text embedder for captions and the memory."""
    memory: MemoryConfig = Field(default_factory=MemoryConfig)
    """Caption memory and its index."""
    retrieval: RetrievalConfig = Field(default_factory=RetrievalConfig)
    """Top-k retrieval scoring."""
    video: VideoConfig = Field(default_factory=VideoConfig)
    """Clip sampling from videos."""
    captioner: CaptionerConfig = Field(default_factory=CaptionerConfig)
    """Vision-language captioner."""
    image_embedder: ImageEmbedderConfig = Field(default_factory=ImageEmbedderConfig)
    """Image-text embedder."""
    audio: AudioConfig = Field(default_factory=AudioConfig)
    """Audio track of videos: acoustic cue and audio-text model (off unless set)."""
    judge: JudgeConfig = Field(default_factory=JudgeConfig)
    """LLM judge."""
    fusion: FusionConfig = Field(default_factory=FusionConfig)
    """Fusion of score components."""
    temporal: TemporalConfig = Field(default_factory=TemporalConfig)
    """Frame expansion, smoothing, segments."""
    events: EventsConfig = Field(default_factory=EventsConfig)
    """Event boundaries, event scores and complete segments."""
    live: LiveConfig = Setting(default_factory=LiveConfig, role="runtime")
    """Live mode (``zsvad watch``): causal scoring, alerts, backpressure, reconnects; not part
    of the identity of ``score`` / ``batch`` results (it changes none of them)."""
    privacy: PrivacyConfig = Setting(default_factory=PrivacyConfig, role="runtime")
    """Face anonymisation of written images (report and alert keyframes) and owner-only
    output files; not part of the identity of results (it changes no score)."""
